/**
 * Load workers in the pure core: the split of one global schedule (against brute-force
 * enumeration of the engine's arithmetic), the clock handshake, per-worker validity, the exact
 * merge, the worker's output read back, and `load.workers` in a scenario. Literal values.
 */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../harness/config/scenario.js';
import { applyWorkersOption, workersTargetProblem } from '../../harness/config/workers.js';
import { ConfigError } from '../../harness/errors.js';
import { LatencyRecorder } from '../../harness/load/recorder.js';
import type { LoadOutcome } from '../../harness/load/outcome.js';
import { chooseStartAt, estimateOffset } from '../../harness/load/workers/clock.js';
import { mergeWorkerOutcomes, placeWorkerWindow } from '../../harness/load/workers/merge.js';
import type { WorkerResult } from '../../harness/load/workers/result.js';
import { isPlannedShare, plannedInWindowOfWorker, plannedOffsetNs, sendNumbersOfWorker, sendsInWindow } from '../../harness/load/workers/split.js';
import { judgeWorkers, type SplitJob } from '../../harness/load/workers/validity.js';
import { readWorkerLines } from '../../harness/load/workers/worker-lines.js';
import { bundleJob } from '../../harness/load/workers/worker-script.js';
import { gunzipSync } from 'node:zlib';

/** The engine's schedule by brute force: every n whose truncated offset lies in [warm-up, warm-up + duration). */
function bruteForce(rate: number, warmupSeconds: number, durationSeconds: number): number[] {
  const startNs = Math.trunc(warmupSeconds * 1e9);
  const endNs = startNs + Math.trunc(durationSeconds * 1e9);
  const sends: number[] = [];
  for (let n = 0; plannedOffsetNs(n, rate) < endNs; n += 1) if (plannedOffsetNs(n, rate) >= startNs) sends.push(n);
  return sends;
}

describe('one schedule split across workers', () => {
  it('gives each worker its residues: 400 sends of 400 req/s over 1 s split 133 / 133 / 134 across 3 workers', () => {
    expect(sendsInWindow(400, 0.5, 1)).toEqual({ first: 200, end: 600 });
    const counts = [0, 1, 2].map((index) => plannedInWindowOfWorker({ ratePerSecond: 400, warmupSeconds: 0.5, durationSeconds: 1, index, workers: 3, threads: 1 }));
    expect(counts).toEqual([133, 133, 134]);
    expect(sendNumbersOfWorker({ ratePerSecond: 400, warmupSeconds: 0.5, durationSeconds: 1, index: 2, workers: 3, threads: 1 }).slice(0, 3)).toEqual([200, 203, 206]);
  });
  it('unions to exactly one engine\'s schedule at the whole rate, disjointly, for awkward rates, workers and threads', () => {
    for (const rate of [7, 333.3, 400, 1000, 2999, 12_345.6]) {
      for (const [warmup, duration] of [[0, 1], [0.25, 1.5], [1, 2]] as const) {
        const single = bruteForce(rate, warmup, duration);
        expect(sendsInWindow(rate, warmup, duration)).toEqual({ first: single[0] ?? sendsInWindow(rate, warmup, duration).first, end: (single.at(-1) ?? sendsInWindow(rate, warmup, duration).end - 1) + 1 });
        for (const workers of [1, 2, 3, 5]) {
          for (const threads of [1, 2, 3]) {
            const parts = Array.from({ length: workers }, (_, index) => sendNumbersOfWorker({ ratePerSecond: rate, warmupSeconds: warmup, durationSeconds: duration, index, workers, threads }));
            const union = parts.flat().sort((a, b) => a - b);
            expect(union).toEqual(single);
            expect(parts.map((_part, index) => plannedInWindowOfWorker({ ratePerSecond: rate, warmupSeconds: warmup, durationSeconds: duration, index, workers, threads }))).toEqual(parts.map((part) => part.length));
          }
        }
      }
    }
  });
  it('checks a worker\'s planned sends: exact under constant arrivals, within 4.5 σ under Poisson', () => {
    const job = { ratePerSecond: 400, warmupSeconds: 0.5, durationSeconds: 1, index: 0, workers: 3, threads: 1 };
    expect(isPlannedShare(133, { ...job, arrival: 'constant' })).toEqual({ expected: 133, ok: true });
    expect(isPlannedShare(134, { ...job, arrival: 'constant' })).toEqual({ expected: 133, ok: false });
    // A worker that ran the whole rate: 400 where 133 were its share.
    expect(isPlannedShare(400, { ...job, arrival: 'constant' }).ok).toBe(false);
    // Poisson: expected 400 / 3 = 133.3; 4.5 √133.3 + 1 = 52.96.
    expect(isPlannedShare(186, { ...job, arrival: 'poisson' }).ok).toBe(true);
    expect(isPlannedShare(187, { ...job, arrival: 'poisson' }).ok).toBe(false);
    expect(isPlannedShare(81, { ...job, arrival: 'poisson' }).ok).toBe(true);
    expect(isPlannedShare(80, { ...job, arrival: 'poisson' }).ok).toBe(false);
  });
});

describe('the clock handshake', () => {
  it('takes the exchange with the shortest round trip: offset t1 − (t0 + t2) / 2 within half of it', () => {
    const offset = estimateOffset([
      { sentUs: 1_000_000, workerUs: 1_250_000, receivedUs: 1_040_000 },
      { sentUs: 2_000_000, workerUs: 2_255_000, receivedUs: 2_010_000 },
      { sentUs: 3_000_000, workerUs: 3_300_000, receivedUs: 3_090_000 },
    ]);
    expect(offset).toEqual({ offsetMs: 250, uncertaintyMs: 5, roundTripMs: 10, samples: 3 });
    expect(estimateOffset([])).toBeUndefined();
    // A sample read before it was sent (a clock jump) is not used.
    expect(estimateOffset([{ sentUs: 10, workerUs: 5, receivedUs: 9 }])).toBeUndefined();
  });
  it('starts three slowest round trips (+ 200 ms) ahead, at least the minimum lead, on a 10 ms boundary', () => {
    expect(chooseStartAt(1_000_003, [2, 80, 10], 500)).toBe(1_000_510);
    expect(chooseStartAt(1_000_003, [2, 200, 10], 500)).toBe(1_000_810);
    expect(chooseStartAt(1_000_000, [], 500)).toBe(1_000_500);
  });
});

const counts = (responses: number) => ({ responses, expectedStatus: responses, non2xx: 0, unexpectedStatus: 0, errors: 0, timeouts: 0, mismatches: 0, verified: 0, dropped: 0, statusCounts: { '200': responses } });

function outcomeOf(values: readonly number[], overrides: Partial<LoadOutcome> = {}): LoadOutcome {
  const recorder = new LatencyRecorder(0);
  values.forEach((value, position) => recorder.record(value, (position / values.length) * 1000));
  return {
    method: 'native engine, open loop',
    engine: { name: 'native', version: '0.1.0' },
    threads: 1,
    model: 'open',
    connections: 8,
    offeredRps: 100,
    plannedInWindow: values.length,
    windowSeconds: 1,
    counts: counts(values.length),
    achievedRps: values.length,
    latencyUs: recorder.summary(),
    latencyHistogram: recorder.encoded(),
    uncorrectedLatencyUs: recorder.summary(),
    perSecond: recorder.perSecond(),
    sendLagP90Us: 3,
    sendLagP99Us: 20,
    connectionWaits: 0,
    connectionWaitP99Us: undefined,
    eventLoopDelayP99Us: undefined,
    firstError: undefined,
    ...overrides,
  };
}

const job: SplitJob = { model: 'open', ratePerSecond: 400, arrival: 'constant', warmupSeconds: 0.5, durationSeconds: 1, threads: 1, workers: 3 };
const clock = (offsetMs: number, uncertaintyMs = 0.1) => ({ offsetMs, uncertaintyMs, roundTripMs: 2 * uncertaintyMs, samples: 5 });
function worker(index: number, overrides: Partial<WorkerResult> = {}): WorkerResult {
  return { index, name: `rb-json-${index}-x`, node: `node-${index}`, state: 'done', problem: undefined, clock: clock(0), outcome: outcomeOf(Array.from({ length: [133, 133, 134][index]! }, () => 500)), startLatenessMs: 0.2, ...overrides };
}

describe('per-worker validity', () => {
  it('passes workers that took their share, kept their schedule and started together', () => {
    const verdict = judgeWorkers([worker(0), worker(1), worker(2, { startLatenessMs: 3 })], job);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.warnings).toEqual([]);
    expect(verdict.workers.map((entry) => [entry.valid, entry.expectedPlannedInWindow])).toEqual([[true, 133], [true, 133], [true, 134]]);
    expect(verdict.startSpreadMs).toBeCloseTo(2.8, 10);
  });
  it('names a worker that was not ready, failed, ran the whole rate, fell behind, or ran out of connections', () => {
    const verdict = judgeWorkers(
      [
        worker(0, { state: 'not-ready', problem: 'pod rb-json-0-x: ImagePullBackOff', outcome: undefined, clock: undefined }),
        worker(1, { outcome: outcomeOf(Array.from({ length: 400 }, () => 500)) }),
        worker(2, { outcome: outcomeOf(Array.from({ length: 134 }, () => 500), { sendLagP90Us: 4210, connectionWaits: 20 }) }),
      ],
      job,
    );
    expect(verdict.reasons.map((finding) => finding.code)).toEqual(['worker-not-ready', 'worker-share', 'worker-behind', 'worker-behind']);
    expect(verdict.reasons[0]!.text).toBe('worker 0 (rb-json-0-x on node node-0) was not ready: pod rb-json-0-x: ImagePullBackOff; its share of the schedule was never sent');
    expect(verdict.reasons[1]!.text).toContain('worker 1 (rb-json-1-x on node node-1) planned 400 sends in the window; its share of the schedule is exactly 133');
    expect(verdict.reasons[2]!.text).toBe('worker 2 (rb-json-2-x on node node-2) sent 4,210 µs late at p90 (limit 1,000 µs): it did not keep its own schedule');
    // Worker 1 against the same service had no waits: worker 2's are its own lateness.
    expect(verdict.reasons[3]!.text).toBe('worker 2 (rb-json-2-x on node node-2): 20 of its 134 sends (14.9 %) waited for a free connection, while another worker against the same service stayed within 1 %: it fell behind its own schedule (its CPU, not the service)');
    expect(verdict.workers.map((entry) => entry.valid)).toEqual([false, false, false]);
  });
  it('calls waits on every worker with slow answers the connections running out (the service held them all)', () => {
    // 100 ms answers at 133 req/s hold 13.3 connections: more than the 8 each worker has.
    const waiting = (index: number) => worker(index, { outcome: outcomeOf(Array.from({ length: [133, 133, 134][index]! }, () => 100_000), { connectionWaits: 30, offeredRps: 400 / 3 }) });
    const verdict = judgeWorkers([waiting(0), waiting(1), waiting(2)], job);
    expect(verdict.reasons.map((finding) => finding.code)).toEqual(['worker-connections', 'worker-connections', 'worker-connections']);
    expect(verdict.reasons[0]!.text).toBe('worker 0 (rb-json-0-x on node node-0): 30 of its 133 sends (22.6 %) waited for a free connection: it ran out of its share of the connections');
  });
  it('calls waits with quick answers falling behind even when every worker waited (a busy machine, not the service)', () => {
    const waiting = (index: number) => worker(index, { outcome: outcomeOf(Array.from({ length: [133, 133, 134][index]! }, () => 500), { connectionWaits: 30, offeredRps: 400 / 3 }) });
    const verdict = judgeWorkers([waiting(0), waiting(1), waiting(2)], job);
    expect(verdict.reasons.map((finding) => finding.code)).toEqual(['worker-behind', 'worker-behind', 'worker-behind']);
    expect(verdict.reasons[0]!.text).toBe('worker 0 (rb-json-0-x on node node-0): 30 of its 133 sends (22.6 %) waited for a free connection, though its answers held a connection 500 µs on average (rate × that ≈ 0.1 of its 8 connections): it fell behind its own schedule (its CPU, not the service)');
  });
  it('makes a worker that started late by its own clock invalid', () => {
    const verdict = judgeWorkers([worker(0), worker(1, { startLatenessMs: 35.25 }), worker(2)], job);
    expect(verdict.reasons.map((finding) => finding.code)).toEqual(['worker-late-start', 'worker-skew']);
    expect(verdict.reasons[0]!.text).toBe('worker 1 (rb-json-1-x on node node-1) started its schedule 35.3 ms after the agreed instant by its own clock (limit 10 ms)');
    expect(verdict.workers.map((entry) => entry.valid)).toEqual([true, false, true]);
  });
  it('finds a spread start from the clocks: a node 40 ms behind started 40 ms late on the harness\'s clock', () => {
    const verdict = judgeWorkers([worker(0), worker(1, { clock: clock(-40, 2) }), worker(2)], job);
    expect(verdict.reasons.map((finding) => finding.code)).toEqual(['worker-skew']);
    expect(verdict.reasons[0]!.text).toContain('worker 1 (rb-json-1-x on node node-1) 40.0 ms after worker 0');
    expect(verdict.startSpreadMs).toBeCloseTo(40, 10);
    expect(verdict.workers.map((entry) => entry.valid)).toEqual([true, false, true]);
  });
  it('only warns when the clocks\' uncertainty cannot rule a spread in or out', () => {
    const verdict = judgeWorkers([worker(0, { clock: clock(0, 6) }), worker(1, { clock: clock(-8, 6) }), worker(2, { clock: clock(0, 6) })], job);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.warnings.map((finding) => finding.code)).toEqual(['worker-skew']);
    expect(verdict.warnings[0]!.text).toContain('spread over 8.0 ms ± 12.0 ms');
  });
});

describe('the merge of the workers\' outcomes', () => {
  it('adds histograms exactly (the merged percentiles are those of all responses together), sums counts, takes the common window', () => {
    const a = Array.from({ length: 100 }, (_, i) => 100 + i);
    const b = Array.from({ length: 100 }, (_, i) => 1000 + 10 * i);
    const all = new LatencyRecorder(0);
    [...a, ...b].forEach((value) => all.record(value, 0));
    const merged = mergeWorkerOutcomes(
      [
        { outcome: outcomeOf(a, { sendLagP90Us: 3, sendLagP99Us: 40, addresses: ['10.0.0.2:8080', '10.0.0.1:8080'] }), windowEpochMs: { start: 10_000, end: 11_000 } },
        { outcome: outcomeOf(b, { sendLagP90Us: 7, sendLagP99Us: 25, firstError: 'GET /: reset', addresses: ['10.0.0.1:8080'] }), windowEpochMs: { start: 10_004, end: 11_004 } },
      ],
      200,
      '2 local workers',
    );
    expect(merged.outcome.latencyUs).toEqual(all.summary());
    // The 198th of the 200 values; averaging the workers' p99s (198 and 1980 µs) would give 1089.
    expect(merged.outcome.latencyUs!.p99Us).toBe(1970);
    expect(merged.outcome.counts.responses).toBe(200);
    expect(merged.outcome.counts.statusCounts).toEqual({ '200': 200 });
    expect(merged.outcome.plannedInWindow).toBe(200);
    expect(merged.outcome.connections).toBe(16);
    expect(merged.outcome.threads).toBe(2);
    expect(merged.outcome.sendLagP90Us).toBe(7);
    expect(merged.outcome.sendLagP99Us).toBe(40);
    expect(merged.outcome.firstError).toBe('GET /: reset');
    expect(merged.outcome.addresses).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(merged.commonWindowEpochMs).toEqual({ start: 10_004, end: 11_000 });
    expect(merged.outcome.windowSeconds).toBeCloseTo(0.996, 10);
    expect(merged.outcome.method).toBe('2 local workers: one schedule of 200 req/s and 16 connections split exactly, histograms added; each worker: native engine, open loop');
    const shared = mergeWorkerOutcomes([{ outcome: outcomeOf(a, { method: 'rewrite-bench-engine 0.1.0 (native, Rust): open loop, 4 connections on 1 thread, worker 1 of 2 splitting one schedule of 300.0 req/s and 8 connections' }), windowEpochMs: { start: 0, end: 1000 } }], 300, '2 workers');
    expect(shared.outcome.method).toBe('2 workers: one schedule of 300 req/s and 8 connections split exactly, histograms added; each worker: rewrite-bench-engine 0.1.0 (native, Rust): open loop, 4 connections on 1 thread');
  });
  it('places a worker\'s window on the harness\'s clock from the start instant, its lateness and its clock offset', () => {
    expect(placeWorkerWindow({ startAtEpochMs: 5000, startLatenessMs: 0.5, clockOffsetMs: 20, warmupSeconds: 1, windowSeconds: 2 })).toEqual({ start: 5980.5, end: 7980.5 });
  });
});

describe('a worker\'s output', () => {
  it('reads the script\'s and the engine\'s lines, keeping the rest as diagnostics', () => {
    const read = readWorkerLines([
      '{"type":"hello","index":1,"workers":3,"workerUs":17}',
      '{"type":"pong","sentUs":1,"workerUs":2}',
      '{"type":"starting","startAtEpochMs":1700000000000,"workerUs":18}',
      'rewrite-bench-engine: something on stderr',
      '{"type":"ready","engine":{"name":"rewrite-bench-engine","version":"0.1.0"},"threads":1}',
      '{"type":"done","outcome":{"achievedRps":1}}',
    ]);
    expect(read).toEqual({ hello: { index: 1, workers: 3 }, startAtEpochMs: 1_700_000_000_000, outcome: { achievedRps: 1 }, failed: undefined, other: ['rewrite-bench-engine: something on stderr'] });
    expect(readWorkerLines(['{"type":"failed","message":"JOB_COMPLETION_INDEX is not set to a worker index"}']).failed).toBe('JOB_COMPLETION_INDEX is not set to a worker index');
  });
  it('carries the job without its closing brace, for the worker to append its index and start', () => {
    expect(gunzipSync(bundleJob('{"seed":1}')).toString()).toBe('{"seed":1');
    expect(() => bundleJob('{}')).toThrow('non-empty JSON object');
  });
});

describe('`load.workers` in a scenario', () => {
  const base = { name: 'x', description: 'd', workload: 'json', requests: [{ path: '/json' }] };
  const resolve = (load: unknown) => resolveScenario({ ...base, load }, '/repo/scenarios/x.yaml', { quick: false, availableCpus: 2 });
  const message = (load: unknown): string => {
    try {
      resolve(load);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };
  it('is validated into defaults, its kubeconfig relative to the scenario file', () => {
    const scenario = resolve({ model: 'open', ratesPerSecond: [1000], connections: 8, workers: { kubernetes: { namespace: 'load', parallelism: 3, cpus: 2, kubeconfig: '../kube/config' } } });
    expect(scenario.load.workers).toEqual({ kubernetes: { namespace: 'load', parallelism: 3, cpus: 2, image: 'debian:bookworm-slim', kubeconfig: '/repo/kube/config', readyTimeoutSeconds: 180 } });
  });
  it('refuses a Node engine, too few connections, bad names, naming the field', () => {
    expect(message({ model: 'open', ratesPerSecond: [10], engine: 'pacer', workers: { kubernetes: { namespace: 'load', parallelism: 2, cpus: 1 } } })).toBe('Expected `load.engine` in /repo/scenarios/x.yaml to be `native` with `load.workers` (the pods run the native engine), got `pacer`. Remove `load.engine` or `load.workers`.');
    expect(message({ model: 'open', ratesPerSecond: [10], connections: 4, workers: { kubernetes: { namespace: 'load', parallelism: 3, cpus: 2 } } })).toContain('Expected `load.connections` in /repo/scenarios/x.yaml to be at least 6');
    expect(message({ model: 'closed', connections: 4, workers: { kubernetes: { namespace: 'Load_NS', parallelism: 2, cpus: 1 } } })).toContain('`load.workers.kubernetes.namespace`');
    expect(message({ model: 'closed', connections: 4, workers: { kubernetes: { namespace: 'load', parallelism: 0, cpus: 1 } } })).toContain('`load.workers.kubernetes.parallelism`');
    expect(message({ model: 'closed', connections: 4, workers: { kubernetes: { namespace: 'load', parallelism: 2, cpus: 1, nodeSelector: { 'bad key!': 'x' } } } })).toContain('nodeSelector');
    expect(message({ model: 'closed', connections: 4, workers: { kubernetes: { namespace: 'load', parallelism: 2, cpu: 1 } } })).toContain('cpu');
  });
  it('refuses capacity fractions (the probe would run from this machine)', () => {
    expect(message({ model: 'open', capacityFractions: [0.5], connections: 8, workers: { kubernetes: { namespace: 'load', parallelism: 2, cpus: 1 } } })).toContain('Expected `load.ratesPerSecond` in /repo/scenarios/x.yaml with `load.workers`, got `capacityFractions`');
  });
  it('runs only against remote targets: the pods cannot reach this machine\'s loopback', () => {
    const scenario = resolve({ model: 'open', ratesPerSecond: [100], connections: 8, workers: { kubernetes: { namespace: 'load', parallelism: 2, cpus: 1 } } });
    expect(workersTargetProblem(scenario, [{ name: 'api', target: { url: 'http://api.shop.svc:8080' } }])).toBeUndefined();
    expect(workersTargetProblem(scenario, [{ name: 'api', target: { url: 'http://api.shop.svc:8080' } }, { name: 'legacy' }])).toBe(
      'Scenario `x` (/repo/scenarios/x.yaml) sends its load from Kubernetes workers (`load.workers`), which cannot reach legacy: the harness starts it on this machine\'s loopback. Give it a `target: {url: …}` the pods can reach (a Service\'s DNS name), or run without `load.workers` (`--workers none`).',
    );
  });
  it('`run --workers kubernetes` adds the defaults where a scenario has none; `none` removes them', () => {
    const plain = resolve({ model: 'open', ratesPerSecond: [100], connections: 8 });
    const own = resolve({ model: 'open', ratesPerSecond: [100], connections: 8, workers: { kubernetes: { namespace: 'load', parallelism: 4, cpus: 2 } } });
    const [a, b] = applyWorkersOption([plain, own], 'kubernetes');
    expect(a!.load.workers).toEqual({ kubernetes: { namespace: 'default', parallelism: 2, cpus: 1, image: 'debian:bookworm-slim', readyTimeoutSeconds: 180 } });
    expect(b!.load.workers!.kubernetes.parallelism).toBe(4);
    expect(applyWorkersOption([own], 'none')[0]!.load.workers).toBeUndefined();
    expect(() => applyWorkersOption([resolve({ model: 'open', ratesPerSecond: [100], connections: 1 })], 'kubernetes')).toThrow('to be at least 2');
    expect(() => applyWorkersOption([plain], 'k8s')).toThrow('Expected --workers to be `kubernetes` or `none`, got `k8s`.');
  });
});
