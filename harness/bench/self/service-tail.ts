/**
 * Section 5, the tail of a real fast service: the built-in rust service (pinned to CPU 0, one
 * worker) answers GET /json in tens of µs. wrk -t1 -c1 --latency (C, one request at a time, on
 * CPU 1) gives its p99; the native engine and the Node pacer, open loop at 2,000 req/s on CPU 1,
 * give theirs, side by side in each round. Target: the native engine's p99 ≤ 2 × wrk's. I/O.
 */
import path from 'node:path';
import { loadManifests } from '../../config/services.js';
import { ROOT } from '../../paths.js';
import { startService } from '../../process/service.js';
import { describeContention, runHarness, runWrk, SERVER_CPU, type HarnessRun } from './load-runs.js';
import { progress } from './processes.js';
import { formatUs, median, spread, type Row } from './table.js';

const ROUNDS = 3;
const RATE = 2000;
const SECONDS = 3;
/** Target: the native engine's p99 at most this many times wrk -c1's on the same service. */
export const TAIL_TARGET_RATIO = 2;

/** Measures the rust service's /json tail with wrk, the native engine and the pacer. */
export async function measureServiceTail(hasWrk: boolean): Promise<Row[]> {
  const manifest = (await loadManifests([path.join(ROOT, 'services')])).find((candidate) => candidate.name === 'rust');
  if (manifest === undefined) return [{ target: '5 · rust /json tail', truth: '—', measured: 'not run', goal: '', verdict: 'skipped', note: 'services/rust is missing' }];
  const service = await startService({ manifest, workers: 1, cpuList: SERVER_CPU, env: { LIVE_HEAP_OBJECTS: '1000' }, readyTimeoutMs: 30_000 });
  const wrk: number[] = [];
  const runs: Record<'native' | 'pacer', HarnessRun[]> = { native: [], pacer: [] };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      if (hasWrk) {
        const reference = await runWrk(`${service.baseUrl}/json`, service.pid, 1, SECONDS);
        if (reference.p99Us !== undefined) wrk.push(reference.p99Us);
      }
      for (const engine of ['native', 'pacer'] as const) {
        runs[engine].push(
          await runHarness(service.baseUrl, service.pid, {
            engine,
            model: 'open',
            connections: 32,
            ratePerSecond: RATE,
            arrival: 'constant',
            warmupSeconds: 1,
            durationSeconds: SECONDS,
            sources: [{ weight: 1, list: [{ method: 'GET', path: '/json', headers: {}, expectStatus: 200, expectBody: '{"message":"Hello, World!"}' }] }],
          }),
        );
      }
      progress(`rust /json tail round ${round + 1}: wrk -c1 p99 ${wrk.at(-1) ?? '-'} µs, native p99 ${runs.native.at(-1)?.outcome.latencyUs?.p99Us} µs, pacer p99 ${runs.pacer.at(-1)?.outcome.latencyUs?.p99Us} µs`);
    }
  } finally {
    await service.stop();
  }
  const p99 = (engine: 'native' | 'pacer'): number[] => runs[engine].flatMap((run) => (run.outcome.latencyUs === undefined ? [] : [run.outcome.latencyUs.p99Us]));
  const p50 = (engine: 'native' | 'pacer'): number[] => runs[engine].flatMap((run) => (run.outcome.latencyUs === undefined ? [] : [run.outcome.latencyUs.p50Us]));
  const ratio = wrk.length === 0 || p99('native').length === 0 ? undefined : median(p99('native')) / median(wrk);
  const reference = wrk.length === 0 ? 'wrk not installed' : `wrk -t1 -c1 p99 ${spread(wrk, formatUs)}`;
  return [
    {
      target: `5 · native engine: rust /json, ${RATE} req/s open loop, p99 (service on CPU ${SERVER_CPU})`,
      truth: reference,
      measured: `p99 ${spread(p99('native'), formatUs)} (p50 ${spread(p50('native'), formatUs)})${ratio === undefined ? '' : ` = ${ratio.toFixed(2)} × wrk`}; ${describeContention(runs.native)}`,
      goal: `≤ ${TAIL_TARGET_RATIO} × wrk -c1 p99`,
      verdict: ratio === undefined ? 'skipped' : ratio <= TAIL_TARGET_RATIO ? 'pass' : 'fail',
    },
    {
      target: `5 · Node pacer: the same, for comparison`,
      truth: reference,
      measured: `p99 ${spread(p99('pacer'), formatUs)} (p50 ${spread(p50('pacer'), formatUs)}); ${describeContention(runs.pacer)}`,
      goal: '',
      verdict: 'info',
    },
  ];
}
