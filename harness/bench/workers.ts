/**
 * `npm run bench:workers` — what splitting one schedule across workers costs on one machine: the
 * floor service (rewrite-bench-floor, the smallest keep-alive server) pinned to CPU 0, and at the
 * same total rate one engine alone, then 1, 2 and 3 local workers (the pods' exact command,
 * coordinated and merged as a Kubernetes run is) on the other CPUs, interleaved over rounds. Prints
 * the merged rate and p50/p99/p99.9 (medians over rounds) and how many rounds were valid. Figures,
 * never a test: run it on a quiet machine (BENCH_RATE, BENCH_SECONDS, BENCH_ROUNDS override).
 */
import { execa } from 'execa';
import path from 'node:path';
import { median } from 'simple-statistics';
import { ENGINE_BINARY, runNativeJob } from '../load/engines/native.js';
import type { LoadJob } from '../load/job.js';
import type { LoadOutcome } from '../load/outcome.js';
import { launchLocalWorkers } from '../load/workers/local.js';
import { runOnWorkers } from '../load/workers/run-workers.js';
import { ROOT } from '../paths.js';
import { findFreePort } from '../process/ports.js';
import { register, signalGroup, stopAll } from '../process/registry.js';
import { prepareSources } from '../requests/prepare.js';
import { allowedCpus } from '../run/environment.js';

const FLOOR_BINARY = path.join(ROOT, 'harness/engine/target/release/rewrite-bench-floor');
const rate = Number(process.env.BENCH_RATE ?? '4000');
const seconds = Number(process.env.BENCH_SECONDS ?? '5');
const rounds = Number(process.env.BENCH_ROUNDS ?? '3');

const cpus = await allowedCpus();
if (cpus.length < 2) throw new Error('bench:workers needs 2 CPUs: one for the floor service, the others for the load.');
const floorCpu = String(cpus[0]);
const loadCpus = cpus.slice(1).map(String);

const port = await findFreePort();
const floor = execa('taskset', ['-c', floorCpu, FLOOR_BINARY], { env: { HOST: '127.0.0.1', PORT: String(port), WORKERS: '1' }, reject: false, detached: true, stdio: 'ignore' });
const unregister = register({ pid: floor.pid!, label: 'floor service', stop: async () => { signalGroup(floor.pid!, 'SIGTERM'); await floor; } });
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
const baseUrl = `http://127.0.0.1:${port}`;
for (let attempt = 0; ; attempt += 1) {
  try {
    if ((await fetch(`${baseUrl}/health`)).ok) break;
  } catch {
    if (attempt > 50) throw new Error(`The floor service (${FLOOR_BINARY}) did not answer on ${baseUrl}: build it with \`rewrite-bench build\`.`);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const job: LoadJob = {
  engine: 'native',
  threads: 1,
  baseUrl,
  sources: prepareSources([{ weight: 1, method: 'GET', path: '/', headers: {}, expectStatus: 200, expectBody: '{"ok":true}' }], 1),
  seed: 1,
  model: 'open',
  connections: 24,
  ratePerSecond: rate,
  arrival: 'constant',
  warmupSeconds: 1,
  durationSeconds: seconds,
  timeoutMs: 5000,
  verifyEvery: 0,
};

interface Measured {
  readonly outcome: LoadOutcome;
  readonly valid: boolean;
  readonly reasons: readonly string[];
}

/** Worker w on load CPU w mod n: with one load CPU, every worker shares it. */
async function measure(workers: number | 'engine'): Promise<Measured> {
  if (workers === 'engine') {
    const outcome = await runNativeJob(ENGINE_BINARY, job, loadCpus.join(','), { onStart: () => undefined, onWindow: () => undefined });
    const lag = (outcome.sendLagP90Us ?? 0) > 1000;
    return { outcome, valid: !lag && outcome.counts.dropped === 0, reasons: lag ? ['engine-late'] : [] };
  }
  const run = await runOnWorkers(() => launchLocalWorkers({ binary: ENGINE_BINARY, job, workers, cpuLists: Array.from({ length: workers }, (_, index) => loadCpus[index % loadCpus.length]) }), job, { workers, readyTimeoutMs: 30_000, description: `${workers} local workers` });
  return { outcome: run.outcome, valid: run.reasons.length === 0 && run.outcome.counts.dropped === 0, reasons: [...new Set(run.reasons.map((reason) => reason.code))] };
}

const configurations: Array<number | 'engine'> = ['engine', 1, 2, 3];
const results = new Map<number | 'engine', Measured[]>(configurations.map((configuration) => [configuration, []]));
for (let round = 0; round < rounds; round += 1) {
  for (const configuration of configurations) {
    process.stderr.write(`round ${round + 1}/${rounds}: ${configuration === 'engine' ? 'one engine' : `${configuration} worker(s)`}\n`);
    results.get(configuration)!.push(await measure(configuration));
  }
}
signalGroup(floor.pid!, 'SIGTERM');
await floor;
unregister();

const ms = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${Math.round(us)} µs`);
const of = (list: readonly Measured[], pick: (outcome: LoadOutcome) => number | undefined): number => median(list.map((entry) => pick(entry.outcome) ?? 0));
console.log(`### Load workers on one machine (${rate.toLocaleString('en-US')} req/s in total, ${seconds} s windows, ${rounds} rounds; floor service on CPU ${floorCpu}, load on CPU(s) ${loadCpus.join(',')})

| load from | achieved (median) | p50 | p99 | p99.9 | valid rounds | reasons of invalid rounds |
|---|---|---|---|---|---|---|
${configurations
  .map((configuration) => {
    const list = results.get(configuration)!;
    const name = configuration === 'engine' ? 'one engine (no workers)' : `${configuration} local worker(s), merged`;
    const reasons = [...new Set(list.flatMap((entry) => entry.reasons))].join(', ') || '–';
    return `| ${name} | ${Math.round(of(list, (outcome) => outcome.achievedRps)).toLocaleString('en-US')} req/s | ${ms(of(list, (outcome) => outcome.latencyUs?.p50Us))} | ${ms(of(list, (outcome) => outcome.latencyUs?.p99Us))} | ${ms(of(list, (outcome) => outcome.latencyUs?.p999Us))} | ${list.filter((entry) => entry.valid).length} of ${list.length} | ${reasons} |`;
  })
  .join('\n')}

Each row offers the same ${rate.toLocaleString('en-US')} req/s: W workers take 1/W of one schedule each (worker w on load CPU w mod ${loadCpus.length}), started at one instant, histograms added. Latency is from the planned send time.`);
