/**
 * Load workers as local processes: the pods' exact command (`/bin/sh -c WORKER_SCRIPT`) run W
 * times on this machine with JOB_COMPLETION_INDEX set, each optionally pinned to CPUs, the bundle
 * in a temporary folder instead of a ConfigMap. What the tests and `bench:workers` run, and what a
 * pod runs, line for line. I/O.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childPrefix, ownerTag, register, signalGroup } from '../../process/registry.js';
import { LineTail } from '../../process/tail.js';
import type { LoadJob } from '../job.js';
import { nativeJobText } from '../engines/native.js';
import { LineQueue, type WorkerEnd, type WorkerEndpoint, type WorkerLauncher } from './endpoint.js';
import { BUNDLE_ENGINE, BUNDLE_JOB, WORKER_ENV, WORKER_SCRIPT, bundleEngine, bundleJob, packBundle } from './worker-script.js';

export interface LocalWorkersOptions {
  /** The engine binary (ENGINE_BINARY). */
  readonly binary: string;
  /** The job every worker runs its slice of (threads per worker, the whole rate and connections). */
  readonly job: LoadJob;
  readonly workers: number;
  /** Per worker, a taskset CPU list (undefined: not pinned). */
  readonly cpuLists?: ReadonlyArray<string | undefined>;
}

class LocalEndpoint implements WorkerEndpoint {
  readonly index: number;
  readonly name: string;
  readonly node = undefined;
  readonly #child: ResultPromise;
  readonly #queue = new LineQueue();
  readonly #stderr = new LineTail(20);
  readonly #exited: Promise<{ exitCode: number | undefined; signal: string | undefined }>;

  constructor(index: number, child: ResultPromise) {
    this.index = index;
    this.name = `local worker ${index} (pid ${child.pid})`;
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.#queue.push(chunk.toString()));
    child.stdout?.on('end', () => this.#queue.end());
    child.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(chunk.toString()));
    this.#exited = child.then((result) => ({ exitCode: result.exitCode, signal: result.signal }));
  }

  send(line: string): Promise<void> {
    return new Promise((resolve) => {
      const stdin = this.#child.stdin;
      if (stdin === null || stdin.destroyed || !stdin.writable) return resolve();
      stdin.write(`${line}\n`, () => resolve());
    });
  }

  nextLine(timeoutMs: number): Promise<string | undefined> {
    return this.#queue.next(timeoutMs);
  }

  closeInput(): void {
    this.#child.stdin?.end();
  }

  async finish(timeoutMs: number): Promise<WorkerEnd> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const exit = await Promise.race([this.#exited, timedOut]);
    clearTimeout(timer);
    if (exit === 'timeout') {
      signalGroup(this.#child.pid!, 'SIGKILL');
      await this.#exited;
      return { lines: this.#queue.all(), exitCode: undefined, reason: `still running ${Math.round(timeoutMs / 1000)} s after the start: killed`, diagnostics: this.#stderr.text() };
    }
    // stdout may still hold lines after the exit: wait for its end.
    while (!this.#queue.ended) await new Promise((resolve) => setTimeout(resolve, 5));
    return { lines: this.#queue.all(), exitCode: exit.exitCode, reason: exit.signal === undefined ? undefined : `signal ${exit.signal}`, diagnostics: this.#stderr.text() };
  }
}

/**
 * Starts W local workers. Each is registered, so Ctrl-C stops it; `cleanup` kills what still runs
 * and removes the bundle folder.
 */
export function launchLocalWorkers(options: LocalWorkersOptions): WorkerLauncher {
  const bundle = mkdtempSync(path.join(os.tmpdir(), 'rewrite-bench-workers-'));
  // The same parts a pod finds in its ConfigMaps' projected volume.
  for (const group of packBundle([{ name: BUNDLE_ENGINE, bytes: bundleEngine(readFileSync(options.binary)) }, { name: BUNDLE_JOB, bytes: bundleJob(nativeJobText(options.job)) }])) {
    for (const [key, bytes] of Object.entries(group)) writeFileSync(path.join(bundle, key), bytes);
  }
  const children: ResultPromise[] = [];
  const unregisters: Array<() => void> = [];
  const endpoints = Array.from({ length: options.workers }, (_, index) => {
    const cpuList = options.cpuLists?.[index];
    const argv = [...childPrefix(), ...(cpuList === undefined ? [] : ['taskset', '-c', cpuList]), '/bin/sh', '-c', WORKER_SCRIPT];
    const child = execa(argv[0]!, argv.slice(1), {
      env: { REWRITE_BENCH_OWNER: ownerTag(), [WORKER_ENV.index]: String(index), [WORKER_ENV.workers]: String(options.workers), [WORKER_ENV.bundle]: bundle, [WORKER_ENV.scratch]: bundle },
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      detached: true,
      cleanup: true,
    });
    children.push(child);
    const pid = child.pid;
    if (pid === undefined) return Promise.reject(new Error(`Cannot start local worker ${index} (/bin/sh).`));
    unregisters.push(
      register({
        pid,
        label: `local load worker ${index} (pid ${pid})`,
        stop: async () => {
          signalGroup(pid, 'SIGKILL');
          await child;
        },
      }),
    );
    return Promise.resolve<WorkerEndpoint>(new LocalEndpoint(index, child));
  });
  let cleaned = false;
  return {
    platform: 'local',
    endpoints,
    namespace: undefined,
    jobName: undefined,
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      for (const child of children) if (child.pid !== undefined && child.exitCode === null) signalGroup(child.pid, 'SIGKILL');
      await Promise.allSettled(children);
      for (const unregister of unregisters) unregister();
      rmSync(bundle, { recursive: true, force: true });
    },
  };
}
