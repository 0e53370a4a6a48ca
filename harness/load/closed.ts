/**
 * The closed loop: autocannon with a fixed number of connections, each sending its next request
 * when the previous one answers. Latency comes from autocannon's per-response `response` event
 * (a float from process.hrtime) recorded in our own microsecond histogram, never from its
 * millisecond-rounded result. Warm-up is a separate, discarded autocannon run. I/O.
 * Closed-loop latency restates throughput (Little's law); it is labelled as such everywhere.
 */
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import { WindowCounter } from './counter.js';
import type { LoadOutcome } from './outcome.js';
import { watchLoopDelay } from './loop-delay.js';
import { LatencyRecorder } from './recorder.js';
import type { PreparedRequest, RequestMix } from './requests.js';

export interface ClosedLoopOptions {
  readonly baseUrl: string;
  readonly mix: RequestMix;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly verifyEvery: number;
  readonly onWindow: (edge: 'start' | 'end') => void;
}

interface Context {
  request?: PreparedRequest;
}

const STATIC_SEQUENCE_LENGTH = 256;

/**
 * autocannon request entries: prebuilt static requests when the mix allows it, else one entry
 * whose setupRequest draws from the mix each time. Each entry's onResponse counts the status and
 * verifies sampled bodies against the request it belongs to.
 */
function autocannonRequests(mix: RequestMix, counter: WindowCounter | undefined): autocannon.Request[] {
  const count = (request: PreparedRequest, status: number, body: string): void => {
    if (counter === undefined) return;
    const verify = request.expectBody !== undefined && counter.shouldVerify();
    counter.response(request, status, verify ? body : undefined);
  };
  const sequence = mix.staticSequence(STATIC_SEQUENCE_LENGTH);
  if (sequence !== undefined) {
    return sequence.map((request) => ({
      method: request.method,
      path: request.path,
      headers: { ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      onResponse: (status: number, body: string) => count(request, status, body),
    }));
  }
  return [
    {
      setupRequest: (request: autocannon.Request, context: object): autocannon.Request => {
        const next = mix.next();
        (context as Context).request = next;
        return { ...request, method: next.method, path: next.path, headers: { ...next.headers }, ...(next.body === undefined ? {} : { body: next.body }) };
      },
      onResponse: (status: number, body: string, context: object) => {
        const sent = (context as Context).request;
        if (sent !== undefined) count(sent, status, body);
      },
    },
  ];
}

function runAutocannon(
  options: ClosedLoopOptions,
  seconds: number,
  counter: WindowCounter | undefined,
  onResponse: ((latencyMs: number) => void) | undefined,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        pipelining: 1,
        duration: seconds,
        timeout: Math.ceil(options.timeoutMs / 1000),
        requests: autocannonRequests(options.mix, counter),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (onResponse !== undefined) instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => onResponse(responseTimeMs));
  });
}

/** Runs warm-up (discarded) and the measured window with a fixed number of connections. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadOutcome> {
  if (options.warmupSeconds > 0) await runAutocannon(options, options.warmupSeconds, undefined, undefined);
  const counter = new WindowCounter(options.verifyEvery);
  options.onWindow('start');
  const windowStartMs = performance.now();
  const latency = new LatencyRecorder(windowStartMs);
  const stopLoopDelay = watchLoopDelay();
  const result = await runAutocannon(options, options.durationSeconds, counter, (latencyMs) => latency.record(latencyMs * 1000, performance.now()));
  const windowSeconds = (performance.now() - windowStartMs) / 1000;
  options.onWindow('end');
  const eventLoopDelayP99Us = stopLoopDelay();
  counter.errors += result.errors - result.timeouts;
  counter.timeouts += result.timeouts;
  if (result.errors > 0) counter.firstError ??= `${result.errors} connection errors (${result.timeouts} timeouts) reported by autocannon`;
  const summary = latency.summary();
  return {
    engine: { name: 'autocannon', version: autocannonVersion() },
    threads: 1,
    method: `autocannon ${autocannonVersion()}: closed loop, ${options.connections} connections, pipelining 1 (latency restates throughput: Little's law); latency from our own per-response µs histogram`,
    model: 'closed',
    connections: options.connections,
    offeredRps: undefined,
    plannedInWindow: undefined,
    windowSeconds,
    counts: counter.counts(),
    achievedRps: counter.expectedStatus / windowSeconds,
    latencyUs: summary,
    latencyHistogram: summary === undefined ? undefined : latency.encoded(),
    uncorrectedLatencyUs: undefined,
    perSecond: latency.perSecond(),
    sendLagP90Us: undefined,
    sendLagP99Us: undefined,
    connectionWaits: undefined,
    connectionWaitP99Us: undefined,
    eventLoopDelayP99Us,
    firstError: counter.firstError,
  };
}

function autocannonVersion(): string {
  return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
}
