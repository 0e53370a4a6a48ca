/**
 * Child processes of the self-benchmark: the C calibration fixtures (compiled with gcc into a
 * temporary folder at bench time), started pinned with taskset, always stopped by their own pid.
 * I/O.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../paths.js';
import { ownerTag } from '../../process/registry.js';

export const CALIBRATION_DIR = path.join(ROOT, 'tests/fixtures/calibration');

/** A started child and what it printed first: the one JSON line every fixture prints when ready. */
export interface Fixture<Ready> {
  readonly pid: number;
  readonly ready: Ready;
  /** Stops the process (SIGTERM, then SIGKILL after 1 s) and waits for it. */
  stop(): Promise<void>;
}

const started = new Set<ResultPromise>();

/** Kills every child still running (by its pid), e.g. when the bench fails half-way. */
export async function stopAllFixtures(): Promise<void> {
  await Promise.allSettled([...started].map(async (child) => stopChild(child)));
}

async function stopChild(child: ResultPromise): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill('SIGTERM');
  }
  await child;
  started.delete(child);
}

/**
 * Starts `file args` (on `cpuList` when given, through taskset, which execs: the pid is the
 * fixture's own) and resolves once it printed a JSON line.
 * @throws when the process exits first or stays silent for 10 s
 */
export async function startFixture<Ready>(file: string, args: readonly string[], env: Record<string, string>, cpuList: string | undefined): Promise<Fixture<Ready>> {
  const argv = cpuList === undefined ? [file, ...args] : ['taskset', '-c', cpuList, file, ...args];
  const child = execa(argv[0]!, argv.slice(1), { env: { ...env, REWRITE_BENCH_OWNER: ownerTag() }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, forceKillAfterDelay: 1000 });
  started.add(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Cannot start ${file}: no pid. Check that it exists and is executable.`);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${path.basename(file)} printed nothing within 10 s. Output: ${text}${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((candidate) => candidate.startsWith('{') && candidate.endsWith('}'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Ready);
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(file)} exited (code ${String(result.exitCode)}) before it was ready. Output: ${text}${output}`));
    });
  });
  return { pid, ready, stop: () => stopChild(child) };
}

/** Compiled C fixtures, in a temporary folder removed by `dispose`. */
export interface CompiledFixtures {
  readonly server: string;
  readonly tree: string;
  dispose(): Promise<void>;
}

/**
 * Compiles tests/fixtures/calibration/*.c with gcc -O2.
 * @returns the binaries, or `{ failed }` with the reason when gcc is missing or the build fails
 */
export async function compileFixtures(): Promise<CompiledFixtures | { failed: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-self-'));
  const build = async (name: string): Promise<string> => {
    const output = path.join(dir, name);
    await execa('gcc', ['-O2', '-Wall', '-o', output, path.join(CALIBRATION_DIR, `${name}.c`)], { stdin: 'ignore' });
    return output;
  };
  try {
    return { server: await build('calib-server'), tree: await build('calib-tree'), dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (cause) {
    await rm(dir, { recursive: true, force: true });
    return { failed: `gcc could not build the calibration fixtures (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}). Install gcc.` };
  }
}

/** Whether `command` is on PATH (`command -v`). */
export async function hasCommand(command: string): Promise<boolean> {
  const result = await execa('sh', ['-c', `command -v ${command}`], { reject: false, stdin: 'ignore' });
  return result.exitCode === 0;
}

/** The 1-minute load average. */
export function loadAverage1m(): number {
  return os.loadavg()[0] ?? 0;
}

/** The scheduler's own account of a task (/proc/PID/schedstat), in ns: not tick-sampled. */
export interface SchedulerTimes {
  /** Time on a CPU. */
  readonly cpuNs: number;
  /** Time runnable but waiting for a CPU (other load on its cores). */
  readonly waitNs: number;
}

/**
 * Reads /proc/PID/schedstat of the main thread, or summed over every thread with `allThreads`
 * (wrk works in a second thread). Undefined when the process is gone.
 */
export async function schedulerTimes(pid: number, allThreads = false): Promise<SchedulerTimes | undefined> {
  try {
    const files = allThreads ? (await readdir(`/proc/${pid}/task`)).map((tid) => `/proc/${pid}/task/${tid}/schedstat`) : [`/proc/${pid}/schedstat`];
    let cpuNs = 0;
    let waitNs = 0;
    for (const file of files) {
      const [cpu, wait] = (await readFile(file, 'utf8')).split(' ').map(Number);
      cpuNs += cpu ?? 0;
      waitNs += wait ?? 0;
    }
    return { cpuNs, waitNs };
  } catch {
    return undefined;
  }
}

/** CPU time of one task in ns from /proc/PID/schedstat (the scheduler's own clock, not ticks), or undefined when gone. */
export async function schedulerCpuNs(pid: number): Promise<number | undefined> {
  return (await schedulerTimes(pid))?.cpuNs;
}

/** Share of `wallMs` that a task spent waiting for a CPU between two readings. */
export function waitShare(start: SchedulerTimes | undefined, end: SchedulerTimes | undefined, wallMs: number): number | undefined {
  if (start === undefined || end === undefined || wallMs <= 0) return undefined;
  return (end.waitNs - start.waitNs) / 1e6 / wallMs;
}

/** Fetches a JSON document from 127.0.0.1 (fixtures' /__stats). */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}.`);
  return (await response.json()) as T;
}

/** Progress on stderr, so stdout carries only the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench:self] ${message}\n`);
}
