/**
 * Shared helpers of the integration tests: the built-in manifests, fixture processes that are
 * always stopped, and the CLI entry point.
 */
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../harness/config/services.js';
import type { ResolvedManifest } from '../../harness/config/manifest.js';
import { DatabaseFactory } from '../../harness/process/database.js';
import { startService, type RunningService } from '../../harness/process/service.js';
import { startUpstream } from '../../harness/process/upstream.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'tests/fixtures');
export const CLI = path.join(ROOT, 'dist/harness/cli.js');

/** The built-in services. */
export async function builtIn(): Promise<{ services: ResolvedManifest[] }> {
  return { services: await loadManifests([path.join(ROOT, 'services')]) };
}

/** A started fixture process, marked so the suite's teardown can prove it was stopped. */
export function spawnFixture(file: string, args: string[], env: Record<string, string> = {}): ResultPromise {
  return execa(file, args, { env: { ...env, REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, reject: false, buffer: false, stdin: 'ignore' });
}

/** Resolves with the first stdout line of `child` that parses as JSON (fixtures print their port). */
export function firstJsonLine<T>(child: ResultPromise): Promise<T> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line !== undefined) resolve(JSON.parse(line) as T);
    });
    void child.then(() => reject(new Error(`fixture exited before printing JSON: ${text}`)));
  });
}

/** Runs the CLI and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(process.execPath, [CLI, ...args], { cwd: ROOT, reject: false, env: { ...env, REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Processes still running with REWRITE_BENCH_OWNER=`tag` in their environment (after a short grace). */
export async function leftoverProcesses(tag: string): Promise<string[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const scan = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
      if (!environ.split('\0').includes(`REWRITE_BENCH_OWNER=${tag}`)) continue;
      found.push(`pid ${entry}: ${(await readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '')).replaceAll('\0', ' ')}`);
    }
    return found;
  };
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const found = await scan();
    if (found.length === 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return scan();
}

/** A built-in service started with a fresh database and its own upstream; `stop` ends all three. */
export interface StartedBuiltIn {
  readonly manifest: ResolvedManifest;
  readonly service: RunningService;
  readonly upstream: RunningService;
  stop(): Promise<void>;
}

/** Starts built-in service `name` with DB_PATH, UPSTREAM_URL and a small live heap. */
export async function startBuiltIn(name: string, workers = 1): Promise<StartedBuiltIn> {
  const all = await builtIn();
  const manifest = all.services.find((candidate) => candidate.name === name)!;
  const databases = await DatabaseFactory.create(path.join(ROOT, 'services/sql/seed.sql'));
  const upstream = await startUpstream(1, undefined);
  const service = await startService({ manifest, workers, env: { DB_PATH: await databases.fresh(name), UPSTREAM_URL: upstream.baseUrl, LIVE_HEAP_OBJECTS: '1000' }, readyTimeoutMs: 60_000 });
  return {
    manifest,
    service,
    upstream,
    stop: async () => {
      await service.stop();
      await upstream.stop();
      await databases.dispose();
    },
  };
}

/**
 * Whether any run of a results file was invalid because the machine was busy (schedstat: a process
 * waited for its CPU), or carries the machine-busy warning that keeps it from deciding a verdict.
 */
export async function hadBusyRuns(resultsFile: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  try {
    const document = JSON.parse(await readFile(resultsFile, 'utf8')) as { runs: Array<{ validity: { reasons: Array<{ code: string }>; warnings?: Array<{ code: string }> } }> };
    return document.runs.some((run) => [...run.validity.reasons, ...(run.validity.warnings ?? [])].some((finding) => finding.code === 'machine-busy'));
  } catch {
    return false;
  }
}

/**
 * Runs `attempt` (given a fresh attempt number) and, when its results show that the machine was
 * busy (a run invalid with reason `machine-busy`), once more: a test asserting valid runs must not
 * fail because someone else used the CPU. Real runs keep their strictness; only tests retry.
 */
export async function retryOnceIfBusy<T>(attempt: (tryNumber: number) => Promise<T>, resultsFile: (tryNumber: number) => string): Promise<T> {
  const first = await attempt(1);
  if (!(await hadBusyRuns(resultsFile(1)))) return first;
  console.error(`retrying once: the machine was busy during the first attempt (${resultsFile(1)})`);
  return attempt(2);
}
