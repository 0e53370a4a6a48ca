/**
 * Section 6, the platform floor against independent load tools (the Nighthawk-style table for
 * this machine): the floor service (rewrite-bench-floor, answering at once) on CPU 0, and on
 * CPU 1 in turn the native engine, vegeta, k6 and oha, each open loop at the same constant rate
 * (500 and 2,000 req/s) with 32 connections, for 1 s of warm-up and a 3 s window; three rounds,
 * the tools' order rotating from round to round. p50 and p99 of each, side by side: on a server
 * with no service time, what each tool reports is its own path plus the machine's. What every
 * tool's figure rests on:
 *
 * - the engine: latency from the planned send time (coordinated-omission safe), its own window;
 * - vegeta: from each hit's start, per hit (`vegeta encode`), the first second left out;
 * - k6 (constant-arrival-rate): http_req_duration, sending to the answer's end (connecting left
 *   out), per request (`--out json`), the first second left out;
 * - oha (`-q`, `--latency-correction`: from the scheduled time), one worker thread, per request
 *   (`--output-format csv`), the first second left out.
 *
 * Target: the engine's p99 is the lowest of the four at each rate (or the row says by how much it
 * is not). The engine's error against a server's own clock stays in section 2. I/O.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureEngine } from '../../build/engine.js';
import { loadFloor } from '../../process/floor.js';
import { startService } from '../../process/service.js';
import { roundOrder } from '../../run/round-order.js';
import { describeContention, GENERATOR_CPU, runHarness, SERVER_CPU } from './load-runs.js';
import { progress } from './processes.js';
import { formatUs, median, spread, type Row } from './table.js';
import { k6Script, parseK6Samples, parseOhaCsv, parseVegetaSamples, windowLatency, type ToolLatency } from './tools-plan.js';
import { ensureBenchTools, type ToolBinary } from './tools.js';

const RATES = [500, 2000] as const;
const ROUNDS = 3;
const CONNECTIONS = 32;
const WARMUP_SECONDS = 1;
const WINDOW_SECONDS = 3;

type ToolName = 'engine' | 'vegeta' | 'k6' | 'oha';
const TOOLS: readonly ToolName[] = ['engine', 'vegeta', 'k6', 'oha'];

/** What each tool's figure is, for the table's truth column. */
const METHOD: Readonly<Record<ToolName, string>> = {
  engine: 'rewrite-bench-engine: from the planned send time (coordinated-omission safe)',
  vegeta: 'from each hit\'s start',
  k6: 'http_req_duration: sending to the answer\'s end, connecting left out',
  oha: '--latency-correction: from the scheduled time',
};

/** Runs `argv` pinned to the load CPU; throws with its output's end when it fails. */
async function pinned(argv: readonly string[], options: { input?: string; cwd?: string } = {}): Promise<string> {
  const result = await execa('taskset', ['-c', GENERATOR_CPU, ...argv], { reject: false, all: true, ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }), ...(options.cwd === undefined ? {} : { cwd: options.cwd }), env: { K6_NO_USAGE_REPORT: 'true' } });
  if (result.exitCode !== 0) throw new Error(`${path.basename(argv[0]!)} failed (exit code ${String(result.exitCode)}): ${String(result.all).trim().split('\n').slice(-5).join(' ')}`);
  return String(result.stdout);
}

async function runVegeta(binary: string, url: string, rate: number, dir: string): Promise<ToolLatency | undefined> {
  const results = path.join(dir, 'vegeta.bin');
  await pinned([binary, 'attack', `-rate=${rate}/1s`, `-duration=${WARMUP_SECONDS + WINDOW_SECONDS}s`, `-connections=${CONNECTIONS}`, `-max-connections=${CONNECTIONS}`, `-workers=${CONNECTIONS}`, `-output=${results}`], { input: `GET ${url}\n` });
  const encoded = await execa(binary, ['encode', '-to=json', results], { stdin: 'ignore' });
  return windowLatency(parseVegetaSamples(String(encoded.stdout)), WARMUP_SECONDS * 1000, WINDOW_SECONDS);
}

async function runK6(binary: string, url: string, rate: number, dir: string): Promise<ToolLatency | undefined> {
  const script = path.join(dir, 'floor.js');
  const points = path.join(dir, 'k6.json');
  await writeFile(script, k6Script(url, rate, WARMUP_SECONDS + WINDOW_SECONDS, CONNECTIONS));
  await pinned([binary, 'run', '--quiet', '--summary-mode=disabled', '--no-thresholds', `--out=json=${points}`, script], { cwd: dir });
  return windowLatency(parseK6Samples(await readFile(points, 'utf8')), WARMUP_SECONDS * 1000, WINDOW_SECONDS);
}

async function runOha(binary: string, url: string, rate: number): Promise<ToolLatency | undefined> {
  // One tokio worker thread: the tool has one CPU, like the others (Go and the engine follow the affinity mask).
  const csv = await pinned([binary, '-z', `${WARMUP_SECONDS + WINDOW_SECONDS}s`, '-q', String(rate), '-c', String(CONNECTIONS), '--latency-correction', '--no-tui', '--worker-threads', '1', '--output-format', 'csv', url]);
  return windowLatency(parseOhaCsv(csv), WARMUP_SECONDS * 1000, WINDOW_SECONDS);
}

async function runEngine(baseUrl: string, pid: number, rate: number): Promise<{ latency: ToolLatency | undefined; contention: string }> {
  const run = await runHarness(baseUrl, pid, { engine: 'native', model: 'open', connections: CONNECTIONS, ratePerSecond: rate, arrival: 'constant', warmupSeconds: WARMUP_SECONDS, durationSeconds: WINDOW_SECONDS });
  const latency = run.outcome.latencyUs;
  return {
    latency: latency === undefined || latency === null ? undefined : { p50Us: latency.p50Us, p99Us: latency.p99Us, count: latency.count, achievedRps: run.outcome.achievedRps },
    contention: describeContention([run]),
  };
}

const versionOf = (tool: ToolName, binaries: Readonly<Record<Exclude<ToolName, 'engine'>, ToolBinary>>): string => (tool === 'engine' ? 'rewrite-bench-engine' : 'binary' in binaries[tool] ? `${tool} ${binaries[tool].version}` : tool);

/** Measures the floor table (see the module comment). */
export async function measureFloorTable(): Promise<Row[]> {
  const engine = await ensureEngine(progress);
  const floor = await loadFloor(engine.available);
  if (!floor.available) return [{ target: '6 · the floor table', truth: '—', measured: 'not run', goal: '', verdict: 'skipped', note: floor.reason }];
  const binaries = await ensureBenchTools();
  const service = await startService({ manifest: floor.manifest, workers: 1, cpuList: SERVER_CPU, readyTimeoutMs: 10_000 });
  const url = `${service.baseUrl}/json`;
  const results = new Map<string, ToolLatency[]>();
  const problems = new Map<string, string>();
  const contention: string[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-floor-table-'));
  try {
    for (const rate of RATES) {
      for (let round = 1; round <= ROUNDS; round += 1) {
        for (const tool of roundOrder(TOOLS, round)) {
          const key = `${rate}\u0000${tool}`;
          try {
            let latency: ToolLatency | undefined;
            if (tool === 'engine') {
              const run = await runEngine(service.baseUrl, service.pid, rate);
              latency = run.latency;
              if (run.contention !== '') contention.push(run.contention);
            } else {
              const binary = binaries[tool];
              if (!('binary' in binary)) {
                problems.set(key, binary.missing);
                continue;
              }
              latency = tool === 'vegeta' ? await runVegeta(binary.binary, url, rate, dir) : tool === 'k6' ? await runK6(binary.binary, url, rate, dir) : await runOha(binary.binary, url, rate);
            }
            if (latency === undefined) problems.set(key, 'no answered request in its window');
            else results.set(key, [...(results.get(key) ?? []), latency]);
            progress(`floor table ${rate} req/s round ${round}: ${tool} p50 ${latency === undefined ? '–' : formatUs(latency.p50Us)}, p99 ${latency === undefined ? '–' : formatUs(latency.p99Us)}`);
          } catch (error) {
            problems.set(key, error instanceof Error ? error.message.split('\n')[0]! : String(error));
          }
        }
      }
    }
  } finally {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return RATES.flatMap((rate) => floorRows(rate, results, problems, (tool) => versionOf(tool, binaries), contention));
}

function floorRows(rate: number, results: ReadonlyMap<string, ToolLatency[]>, problems: ReadonlyMap<string, string>, name: (tool: ToolName) => string, contention: readonly string[]): Row[] {
  const medianP99 = (tool: ToolName): number | undefined => {
    const runs = results.get(`${rate}\u0000${tool}`) ?? [];
    return runs.length === 0 ? undefined : median(runs.map((run) => run.p99Us));
  };
  const rows: Row[] = TOOLS.map((tool) => {
    const runs = results.get(`${rate}\u0000${tool}`) ?? [];
    const problem = problems.get(`${rate}\u0000${tool}`);
    if (runs.length === 0) return { target: `6 · ${name(tool)} at ${rate} req/s: p50 · p99`, truth: METHOD[tool], measured: 'not measured', goal: '', verdict: 'skipped', note: problem ?? 'no run' };
    const achieved = runs.flatMap((run) => (run.achievedRps === undefined ? [] : [run.achievedRps]));
    return {
      target: `6 · ${name(tool)} at ${rate} req/s: p50 · p99 (open loop, ${CONNECTIONS} connections, ${WINDOW_SECONDS} s after ${WARMUP_SECONDS} s, the floor on CPU ${SERVER_CPU}, the tool on CPU ${GENERATOR_CPU})`,
      truth: METHOD[tool],
      measured: `p50 ${spread(runs.map((run) => run.p50Us), formatUs)} · p99 ${spread(runs.map((run) => run.p99Us), formatUs)}; achieved ${spread(achieved, (value) => `${value.toFixed(0)} req/s`)}${tool === 'engine' && contention.length > 0 ? `; ${contention[0]}` : ''}`,
      goal: '',
      verdict: 'info',
      ...(problem === undefined ? {} : { note: `a round failed: ${problem}` }),
    };
  });
  const own = medianP99('engine');
  const others = TOOLS.filter((tool) => tool !== 'engine').flatMap((tool) => (medianP99(tool) === undefined ? [] : [{ tool, p99Us: medianP99(tool)! }]));
  const lowest = others.reduce<{ tool: ToolName; p99Us: number } | undefined>((best, entry) => (best === undefined || entry.p99Us < best.p99Us ? entry : best), undefined);
  const ranking = [...others, ...(own === undefined ? [] : [{ tool: 'engine' as ToolName, p99Us: own }])].sort((a, b) => a.p99Us - b.p99Us).map((entry) => `${name(entry.tool)} ${formatUs(entry.p99Us)}`);
  const isLowest = own !== undefined && lowest !== undefined && own <= lowest.p99Us;
  rows.push({
    target: `6 · the lowest p99 at ${rate} req/s (medians of ${ROUNDS} rounds)`,
    truth: `the floor answers at once: every tool's p99 is its own path plus the machine's`,
    measured: ranking.length === 0 ? 'no tool measured' : ranking.join(' < '),
    goal: 'the engine\'s p99 the lowest',
    verdict: own === undefined || lowest === undefined ? 'skipped' : isLowest ? 'pass' : 'fail',
    ...(own !== undefined && lowest !== undefined && !isLowest ? { note: `${name(lowest.tool)} is lower by ${formatUs(own - lowest.p99Us)} (${((own / lowest.p99Us - 1) * 100).toFixed(0)} %)` } : {}),
  });
  return rows;
}
