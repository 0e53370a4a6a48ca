/**
 * The open-loop pacer: plans every send time at the offered rate (constant or Poisson), sends on
 * a keep-alive undici Pool, and records latency from the planned time, so a stall in the service
 * shows in the percentiles instead of slowing the load (coordinated omission). Requests planned
 * during warm-up are sent but not recorded. I/O (sockets, timers).
 */
import { Pool } from 'undici';
import type { LoadOutcome } from './outcome.js';
import { WindowCounter } from './counter.js';
import { watchLoopDelay } from './loop-delay.js';
import { LatencyRecorder } from './recorder.js';
import type { PreparedRequest, RequestMix } from './requests.js';
import { createSchedule } from './schedule.js';

export interface OpenLoopOptions {
  readonly baseUrl: string;
  readonly mix: RequestMix;
  readonly ratePerSecond: number;
  readonly arrival: 'constant' | 'poisson';
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly verifyEvery: number;
  readonly seed: number;
  /** Called at the start and end of the measured window (the sampler reads the service then). */
  readonly onWindow: (edge: 'start' | 'end') => void;
}

const SPIN_MS = 2;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Runs warm-up and the measured window at a fixed offered rate. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoadOutcome> {
  const pool = new Pool(options.baseUrl, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 60_000,
  });
  const schedule = createSchedule(options.ratePerSecond, options.arrival, options.seed);
  const startMs = performance.now() + 20;
  const windowStartMs = startMs + options.warmupSeconds * 1000;
  const windowEndMs = windowStartMs + options.durationSeconds * 1000;
  const latency = new LatencyRecorder(windowStartMs);
  const uncorrected = new LatencyRecorder(windowStartMs);
  const sendLag = new LatencyRecorder(windowStartMs);
  const counter = new WindowCounter(options.verifyEvery);
  let stopLoopDelay: (() => number) | undefined;
  // Little's law bounds useful concurrency; beyond this many waiting requests the run is saturated anyway.
  const maxOutstanding = Math.max(options.connections * 16, Math.ceil(options.ratePerSecond * (options.timeoutMs / 1000)));
  let outstanding = 0;
  let closed = false;
  let windowStarted = false;
  let nextDueMs = startMs + schedule();

  /** One in-flight request: undici's low-level handler, cheaper than pool.request's promise and stream. */
  const finish = (plannedMs: number, sentMs: number, inWindow: boolean, request: PreparedRequest, status: number, body: string | undefined): void => {
    outstanding -= 1;
    if (!inWindow || closed) return;
    const doneMs = performance.now();
    latency.record((doneMs - plannedMs) * 1000, plannedMs);
    uncorrected.record((doneMs - sentMs) * 1000, plannedMs);
    counter.response(request, status, body);
  };
  const fail = (inWindow: boolean, request: PreparedRequest, error: Error): void => {
    outstanding -= 1;
    if (!inWindow || closed) return;
    const code = (error as { code?: string }).code ?? '';
    counter.failure(TIMEOUT_CODES.has(code) ? 'timeout' : 'error', `${request.method} ${request.path}: ${error.message}`);
  };

  let plannedInWindow = 0;
  const send = (plannedMs: number): void => {
    const inWindow = plannedMs >= windowStartMs;
    if (inWindow) plannedInWindow += 1;
    if (outstanding >= maxOutstanding) {
      if (inWindow) counter.dropped += 1;
      return;
    }
    const request = options.mix.next();
    const sentMs = performance.now();
    if (inWindow) sendLag.record((sentMs - plannedMs) * 1000, plannedMs);
    const verify = inWindow && request.expectBody !== undefined && counter.shouldVerify();
    outstanding += 1;
    let status = 0;
    const chunks: Buffer[] | undefined = verify ? [] : undefined;
    pool.dispatch(
      { origin: options.baseUrl, path: request.path, method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) },
      {
        onRequestStart: () => {},
        onResponseStart: (_controller, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_controller, chunk) => {
          chunks?.push(chunk);
        },
        onResponseEnd: () => finish(plannedMs, sentMs, inWindow, request, status, chunks === undefined ? undefined : Buffer.concat(chunks).toString('latin1')),
        onResponseError: (_controller, error) => fail(inWindow, request, error),
      },
    );
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (!windowStarted && now >= windowStartMs) {
        windowStarted = true;
        stopLoopDelay = watchLoopDelay();
        options.onWindow('start');
      }
      while (nextDueMs <= now && nextDueMs < windowEndMs) {
        send(nextDueMs);
        nextDueMs = startMs + schedule();
      }
      if (nextDueMs >= windowEndMs) {
        const waitEnd = Math.max(windowEndMs - performance.now(), 0);
        setTimeout(resolve, waitEnd);
        return;
      }
      const waitMs = nextDueMs - performance.now();
      // Timers are millisecond-grained and wake late, so sleep with setTimeout only until about
      // SPIN_MS before the next send, then yield with setImmediate (handling responses in between)
      // so sends leave within tens of microseconds of plan. The cost: the pacer's CPU share is not
      // a saturation signal; its send lag is (validity uses it).
      if (waitMs > SPIN_MS) setTimeout(tick, waitMs - SPIN_MS);
      else setImmediate(tick);
    };
    tick();
  });
  options.onWindow('end');
  const eventLoopDelayP99Us = stopLoopDelay?.() ?? 0;
  // Let requests of the window finish, up to the request timeout.
  const drainDeadline = performance.now() + options.timeoutMs;
  while (outstanding > 0 && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 5));
  closed = true;
  if (outstanding > 0) {
    counter.failure('timeout', `${outstanding} requests still unanswered ${options.timeoutMs} ms after the window`);
    counter.timeouts += outstanding - 1;
  }
  await pool.destroy();
  const summary = latency.summary();
  return {
    method: `rewrite-bench pacer: open loop, ${options.arrival} arrivals at ${options.ratePerSecond.toFixed(1)} req/s, latency from the planned send time (coordinated-omission safe), ${options.connections} connections`,
    model: 'open',
    connections: options.connections,
    offeredRps: options.ratePerSecond,
    plannedInWindow,
    windowSeconds: options.durationSeconds,
    counts: counter.counts(),
    achievedRps: counter.expectedStatus / options.durationSeconds,
    latencyUs: summary,
    latencyHistogram: summary === undefined ? undefined : latency.encoded(),
    uncorrectedLatencyUs: uncorrected.summary(),
    perSecond: latency.perSecond(),
    sendLagP90Us: sendLag.summary()?.p90Us,
    sendLagP99Us: sendLag.summary()?.p99Us,
    eventLoopDelayP99Us,
    firstError: counter.firstError,
  };
}
