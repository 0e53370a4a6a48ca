/**
 * The open-loop pacer: plans every send time at the offered rate (constant or Poisson), sends on
 * a keep-alive undici Pool, and records latency from the planned time, so a stall in the service
 * shows in the percentiles instead of slowing the load (coordinated omission). Requests planned
 * during warm-up are sent but not recorded. I/O (sockets, timers).
 */
import { createRequire } from 'node:module';
import { Pool, type Dispatcher } from 'undici';
import type { LoadOutcome } from './outcome.js';
import { toolVersion } from '../version.js';
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
const undiciVersion = (): string => (createRequire(import.meta.url)('undici/package.json') as { version: string }).version;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** What every in-flight request of one run updates when it ends. */
interface RunState {
  readonly origin: string;
  readonly latency: LatencyRecorder;
  readonly uncorrected: LatencyRecorder;
  readonly counter: WindowCounter;
  /** Requests handed to the pool and not yet answered or failed. */
  outstanding: number;
  /** Set after the drain: late answers are no longer counted. */
  closed: boolean;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /**
   * Expected-status answers that completed inside the window, whenever they were planned: the
   * achieved rate. (Counting answers to window-planned requests instead would let a saturated
   * service's backlog, drained after the window, pass for throughput.)
   */
  completedInWindow: number;
}

/**
 * One in-flight request: undici's low-level dispatch handler (cheaper than pool.request's promise
 * and stream). A class rather than an object of closures: one small allocation per request, and
 * every request's handler has the same hidden class, which keeps undici's calls into it fast.
 */
class InFlight implements Dispatcher.DispatchHandler {
  readonly #run: RunState;
  readonly #request: PreparedRequest;
  readonly #plannedMs: number;
  readonly #sentMs: number;
  readonly #inWindow: boolean;
  #status = 0;
  /** Body chunks, only for a response sampled for verification. */
  #chunks: Buffer[] | undefined;

  constructor(run: RunState, request: PreparedRequest, plannedMs: number, sentMs: number, inWindow: boolean, verify: boolean) {
    this.#run = run;
    this.#request = request;
    this.#plannedMs = plannedMs;
    this.#sentMs = sentMs;
    this.#inWindow = inWindow;
    this.#chunks = verify ? [] : undefined;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks?.push(chunk);
  }

  onResponseEnd(): void {
    const run = this.#run;
    run.outstanding -= 1;
    if (run.closed) return;
    const doneMs = performance.now();
    if (doneMs >= run.windowStartMs && doneMs <= run.windowEndMs && this.#status === this.#request.expectStatus) run.completedInWindow += 1;
    if (!this.#inWindow) return;
    run.latency.record((doneMs - this.#plannedMs) * 1000, this.#plannedMs);
    run.uncorrected.record((doneMs - this.#sentMs) * 1000, this.#plannedMs);
    const chunks = this.#chunks;
    run.counter.response(this.#request, this.#status, chunks === undefined ? undefined : Buffer.concat(chunks).toString('latin1'));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const run = this.#run;
    run.outstanding -= 1;
    if (!this.#inWindow || run.closed) return;
    const code = (error as { code?: string }).code ?? '';
    run.counter.failure(TIMEOUT_CODES.has(code) ? 'timeout' : 'error', `${this.#request.method} ${this.#request.path}: ${error.message}`);
  }
}

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
  let nextDueMs = startMs + schedule();
  // Window edges come from the clock, not from sends: at a low Poisson rate the window may hold
  // no send at all, and the sampler must still read the service at its edges.
  const startTimer = setTimeout(() => {
    stopLoopDelay = watchLoopDelay();
    options.onWindow('start');
  }, Math.max(0, windowStartMs - performance.now()));
  // Sends that find every connection busy queue inside undici until one frees: their send lag
  // (taken here, at dispatch) is zero, but they wait. Counted, so validity can tell an engine out
  // of connections (rate × latency > connections) from a saturated service.
  let connectionWaits = 0;

  let plannedInWindow = 0;
  // Warm-up ramp: over the first half of the warm-up the offered rate rises linearly from 0 to
  // the full rate (planned warm-up sends are thinned, deterministically); the second half runs at
  // the full rate. A cold start at full rate (JIT not warm, the pool opening its connections)
  // builds a backlog that otherwise drains into the measured window. The window's plan is
  // unchanged: thinning stops before it starts.
  const rampMs = (options.warmupSeconds * 1000) / 2;
  let rampCredit = 0;
  const isSkippedInRamp = (plannedMs: number): boolean => {
    const sinceStartMs = plannedMs - startMs;
    if (sinceStartMs >= rampMs) return false;
    rampCredit += sinceStartMs / rampMs;
    if (rampCredit < 1) return true;
    rampCredit -= 1;
    return false;
  };
  const run: RunState = { origin: options.baseUrl, latency, uncorrected, counter, outstanding: 0, closed: false, windowStartMs, windowEndMs, completedInWindow: 0 };
  const send = (plannedMs: number): void => {
    const inWindow = plannedMs >= windowStartMs;
    if (inWindow) plannedInWindow += 1;
    else if (isSkippedInRamp(plannedMs)) return;
    if (run.outstanding >= maxOutstanding) {
      if (inWindow) counter.dropped += 1;
      return;
    }
    const request = options.mix.next();
    const sentMs = performance.now();
    if (inWindow) {
      if (run.outstanding >= options.connections) connectionWaits += 1;
      else sendLag.record((sentMs - plannedMs) * 1000, plannedMs);
    }
    const verify = inWindow && request.expectBody !== undefined && counter.shouldVerify();
    run.outstanding += 1;
    pool.dispatch(
      // One fixed shape for every request (body undefined for GET): no spread, monomorphic in undici.
      { origin: run.origin, path: request.path, method: request.method, headers: request.headers, body: request.body },
      new InFlight(run, request, plannedMs, sentMs, inWindow, verify),
    );
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (nextDueMs <= now && nextDueMs < windowEndMs) {
        send(nextDueMs);
        nextDueMs = startMs + schedule();
      }
      if (nextDueMs >= windowEndMs) {
        setTimeout(resolve, Math.max(windowEndMs - performance.now(), 0));
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
  clearTimeout(startTimer);
  options.onWindow('end');
  const eventLoopDelayP99Us = stopLoopDelay?.();
  // Let requests of the window finish, up to the request timeout.
  const drainDeadline = performance.now() + options.timeoutMs;
  while (run.outstanding > 0 && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 5));
  run.closed = true;
  const unanswered = run.outstanding;
  if (unanswered > 0) {
    counter.failure('timeout', `${unanswered} requests still unanswered ${options.timeoutMs} ms after the window`);
    counter.timeouts += unanswered - 1;
  }
  await pool.destroy();
  const summary = latency.summary();
  const lag = sendLag.summary();
  return {
    engine: { name: 'pacer', version: toolVersion() },
    threads: 1,
    method: `rewrite-bench pacer (Node ${process.version}, undici ${undiciVersion()}): open loop, ${options.arrival} arrivals at ${options.ratePerSecond.toFixed(1)} req/s, latency from the planned send time (coordinated-omission safe), ${options.connections} connections`,
    model: 'open',
    connections: options.connections,
    offeredRps: options.ratePerSecond,
    plannedInWindow,
    windowSeconds: options.durationSeconds,
    counts: counter.counts(),
    achievedRps: run.completedInWindow / options.durationSeconds,
    latencyUs: summary,
    latencyHistogram: summary === undefined ? undefined : latency.encoded(),
    uncorrectedLatencyUs: uncorrected.summary(),
    perSecond: latency.perSecond(),
    sendLagP90Us: lag?.p90Us,
    sendLagP99Us: lag?.p99Us,
    connectionWaits,
    connectionWaitP99Us: undefined,
    eventLoopDelayP99Us,
    firstError: counter.firstError,
  };
}
