/**
 * One load run of the self-benchmark against a calibration server: the harness's own generators
 * (runLoadJob, pinned like a real run) or wrk, each with the CPU it and the server used during
 * the measured window. I/O.
 */
import { execa } from 'execa';
import { runLoadJob } from '../../load/generator.js';
import type { LoadJob } from '../../load/job.js';
import type { LoadOutcome } from '../../load/outcome.js';
import { prepareSources } from '../../requests/prepare.js';
import { TreeSampler, coresBetween, type SamplerConstants, type TreeReading } from '../../process/sampler.js';
import { schedulerTimes, waitShare, type SchedulerTimes } from './processes.js';
import { median } from './table.js';

/** The CPUs of every load run: the server alone on CPU 0, the generator alone on CPU 1. */
export const SERVER_CPU = '0';
export const GENERATOR_CPU = '1';

/** The calibration server's answer to every request (tests/fixtures/calibration/calib-server.c). */
export const CALIBRATION_BODY = '{"ok":true}';
const SOURCES = prepareSources([{ weight: 1, method: 'GET', path: '/json', headers: {}, expectStatus: 200, expectBody: CALIBRATION_BODY }], 1);

/** How much the run's processes had to wait for a CPU: other load on their pinned cores. */
export interface Contention {
  /** Share of the window the generator's event loop (wrk: its threads) was runnable but not running. */
  readonly generatorWaitShare: number | undefined;
  readonly serverWaitShare: number | undefined;
}

/** A harness load run and the CPU used in its measured window. */
export interface HarnessRun extends Contention {
  readonly outcome: LoadOutcome;
  readonly generatorCores: number | undefined;
  readonly serverCores: number | undefined;
}

/** Whether either side waited for its CPU more than `share` of the window (the run measured the machine's other load). */
export function isContended(run: Contention, share = 0.1): boolean {
  return (run.generatorWaitShare ?? 0) > share || (run.serverWaitShare ?? 0) > share;
}

/** "waited for CPU: generator 3 %, server 0 %" (medians over `runs`), or '' without readings. */
export function describeContention(runs: readonly Contention[]): string {
  const pick = (key: keyof Contention): number[] => runs.flatMap((run) => (run[key] === undefined ? [] : [run[key]]));
  const generator = pick('generatorWaitShare');
  const server = pick('serverWaitShare');
  if (generator.length === 0 && server.length === 0) return '';
  const percent = (values: number[]): string => (values.length === 0 ? '?' : `${Math.round(median(values) * 100)} %`);
  return `waited for CPU: generator ${percent(generator)}, server ${percent(server)} of the window`;
}

interface Edge {
  readonly atMs: number;
  readonly server: TreeReading;
  readonly generator: TreeReading | undefined;
  readonly serverSched: SchedulerTimes | undefined;
  readonly generatorSched: SchedulerTimes | undefined;
}

async function readEdge(server: TreeSampler, serverPid: number, generator: TreeSampler | undefined, generatorPid: number | undefined, allThreads: boolean): Promise<Edge> {
  const [serverReading, generatorReading, serverSched, generatorSched] = await Promise.all([
    server.read(),
    generator?.read(),
    schedulerTimes(serverPid),
    generatorPid === undefined ? undefined : schedulerTimes(generatorPid, allThreads),
  ]);
  return { atMs: performance.now(), server: serverReading, generator: generatorReading, serverSched, generatorSched };
}

function between(start: Edge, end: Edge, constants: SamplerConstants): { generatorCores: number | undefined; serverCores: number } & Contention {
  const wallMs = end.atMs - start.atMs;
  return {
    serverCores: coresBetween(start.server, end.server, constants),
    generatorCores: start.generator !== undefined && end.generator !== undefined && end.generator.processCount > 0 ? coresBetween(start.generator, end.generator, constants) : undefined,
    generatorWaitShare: waitShare(start.generatorSched, end.generatorSched, wallMs),
    serverWaitShare: waitShare(start.serverSched, end.serverSched, wallMs),
  };
}

/** Runs one load job in a generator process pinned to GENERATOR_CPU, sampling it and the server at the window edges. */
export async function runHarness(baseUrl: string, serverPid: number, job: Partial<LoadJob> & Pick<LoadJob, 'model' | 'connections' | 'durationSeconds'>): Promise<HarnessRun> {
  const server = new TreeSampler(serverPid);
  let generator: TreeSampler | undefined;
  let generatorPid: number | undefined;
  const edges: Array<Promise<Edge>> = [];
  const outcome = await runLoadJob(
    { engine: job.model === 'open' ? 'pacer' : 'autocannon', threads: 1, baseUrl, sources: SOURCES, seed: 1, warmupSeconds: 0.5, timeoutMs: 5000, verifyEvery: 100, ...job },
    GENERATOR_CPU,
    {
      onStart: (pid) => {
        generatorPid = pid;
        generator = new TreeSampler(pid);
      },
      onWindow: () => {
        // The native engine works in its worker threads: read every thread's schedstat.
        edges.push(readEdge(server, serverPid, generator, generatorPid, job.engine === 'native'));
      },
    },
  );
  const [start, end] = await Promise.all(edges);
  if (start === undefined || end === undefined) return { outcome, generatorCores: undefined, serverCores: undefined, generatorWaitShare: undefined, serverWaitShare: undefined };
  return { outcome, ...between(start, end, server.constants) };
}

/** What wrk reported. */
export interface WrkRun extends Contention {
  readonly requestsPerSec: number;
  /** --latency p50 and p99 in µs (wrk prints them with 3 significant figures). */
  readonly p50Us: number | undefined;
  readonly p99Us: number | undefined;
  readonly generatorCores: number | undefined;
  readonly serverCores: number | undefined;
}

/** Parses one of wrk's durations: "812.00us", "1.05ms", "2.10s", "1.00m". */
export function parseWrkDurationUs(text: string): number | undefined {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  const scale = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return value * scale;
}

/** Parses wrk's summary: Requests/sec and the --latency distribution. */
export function parseWrk(text: string): { requestsPerSec: number | undefined; p50Us: number | undefined; p99Us: number | undefined } {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const percentile = (label: string): number | undefined => {
    const match = new RegExp(`^\\s+${label}%\\s+(\\S+)`, 'm').exec(text);
    return match === null ? undefined : parseWrkDurationUs(match[1]!);
  };
  return { requestsPerSec: rate === null ? undefined : Number(rate[1]), p50Us: percentile('50'), p99Us: percentile('99') };
}

/**
 * Runs `wrk -t1 -cN -dS --latency` pinned to GENERATOR_CPU, reading its CPU and the server's
 * from 0.5 s in to 0.5 s before the end (wrk's own window includes connecting).
 * @throws when wrk fails or prints no rate
 */
export async function runWrk(url: string, serverPid: number, connections: number, durationSeconds: number): Promise<WrkRun> {
  const child = execa('taskset', ['-c', GENERATOR_CPU, 'wrk', '-t1', `-c${connections}`, `-d${durationSeconds}s`, '--latency', url], { stdin: 'ignore', reject: false });
  const server = new TreeSampler(serverPid);
  const wrk = child.pid === undefined ? undefined : new TreeSampler(child.pid);
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  await pause(500);
  const start = await readEdge(server, serverPid, wrk, child.pid, true);
  await pause(durationSeconds * 1000 - 1000);
  const end = await readEdge(server, serverPid, wrk, child.pid, true);
  const result = await child;
  const parsed = parseWrk(String(result.stdout));
  if (result.exitCode !== 0 || parsed.requestsPerSec === undefined) throw new Error(`wrk failed (exit ${String(result.exitCode)}): ${String(result.stderr)}${String(result.stdout)}`);
  return { requestsPerSec: parsed.requestsPerSec, p50Us: parsed.p50Us, p99Us: parsed.p99Us, ...between(start, end, server.constants) };
}
