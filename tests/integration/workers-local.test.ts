/**
 * The load workers' exact command — `/bin/sh -c WORKER_SCRIPT`, what every pod of the Indexed Job
 * runs — run here as W local processes with JOB_COMPLETION_INDEX set (W = 2 and 3 on this 2-core
 * machine: worker w pinned to CPU w mod 2, so with 3 two share a CPU), against a local service on
 * 127.0.0.1, coordinated (hello, clock pings, one start instant) and merged as a Kubernetes run is.
 * What a cluster adds (the API, image pulls, nodes) is not here: see kube-recorded.test.ts and the
 * README's "Beyond one machine".
 *
 * Invariants only, never speed (the machine is shared): each worker planned exactly its share of
 * the one schedule and together exactly one engine's schedule at the whole rate (the same engine
 * run alone); the merged counts are the sums and the merged histogram holds every response; the
 * workers' clocks, being this machine's, measure within their uncertainty of zero; a worker kept
 * behind by a CPU burner on its CPU (a busy loop of bash builtins, real-time priority as root, that ends itself after 4 s and is also stopped by its pid), or whose start
 * line reached it 300 ms late, makes the run invalid, naming that worker.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_BINARY, runNativeJob } from '../../harness/load/engines/native.js';
import type { LoadJob } from '../../harness/load/job.js';
import type { WorkerEndpoint, WorkerLauncher } from '../../harness/load/workers/endpoint.js';
import { launchLocalWorkers } from '../../harness/load/workers/local.js';
import { runOnWorkers, type WorkersRun } from '../../harness/load/workers/run-workers.js';
import { plannedInWindowOfWorker, sendsInWindow } from '../../harness/load/workers/split.js';
import { signalGroup } from '../../harness/process/registry.js';
import { prepareSources } from '../../harness/requests/prepare.js';

const RATE = 400;
let server: http.Server;
let baseUrl: string;
let received = 0;

beforeAll(async () => {
  server = http.createServer((_request, response) => {
    received += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
});

const job = (): LoadJob => ({
  engine: 'native',
  threads: 1,
  baseUrl,
  sources: prepareSources([{ weight: 1, method: 'GET', path: '/', headers: {}, expectStatus: 200, expectBody: '{"ok":true}' }], 1),
  seed: 7,
  model: 'open',
  connections: 12,
  ratePerSecond: RATE,
  arrival: 'constant',
  warmupSeconds: 0.5,
  durationSeconds: 1.5,
  timeoutMs: 2000,
  verifyEvery: 10,
});

const pinned = (workers: number): string[] => Array.from({ length: workers }, (_, index) => String(index % 2));

/** The launcher with a hook on what the harness sends each worker (a slow channel, a burner started with the run). */
function intercepted(launcher: WorkerLauncher, onSend: (endpoint: WorkerEndpoint, line: string, send: (line: string) => Promise<void>) => Promise<void>): WorkerLauncher {
  return {
    ...launcher,
    endpoints: launcher.endpoints.map((pending) =>
      pending.then((endpoint) => ({
        index: endpoint.index,
        name: endpoint.name,
        node: endpoint.node,
        send: (line: string) => onSend(endpoint, line, (text) => endpoint.send(text)),
        nextLine: (timeoutMs: number) => endpoint.nextLine(timeoutMs),
        closeInput: () => endpoint.closeInput(),
        finish: (timeoutMs: number) => endpoint.finish(timeoutMs),
      })),
    ),
    cleanup: () => launcher.cleanup(),
  };
}

let burner: ResultPromise | undefined;
afterEach(async () => {
  // Stopped by its pid, with its process group (it may have ended by itself a moment ago).
  if (burner?.pid !== undefined) signalGroup(burner.pid, 'SIGKILL');
  await burner;
  burner = undefined;
});

describe('the pods\' command as local workers', () => {
  it.each([2, 3])('%i workers take exactly their shares of one schedule, which together are one engine\'s at the whole rate', async (workers) => {
    const single = await runNativeJob(ENGINE_BINARY, job(), '0', { onStart: () => undefined, onWindow: () => undefined });
    const expectedAll = sendsInWindow(RATE, 0.5, 1.5);
    expect(single.plannedInWindow).toBe(expectedAll.end - expectedAll.first);
    received = 0;
    const run: WorkersRun = await runOnWorkers(() => launchLocalWorkers({ binary: ENGINE_BINARY, job: job(), workers, cpuLists: pinned(workers) }), job(), { workers, readyTimeoutMs: 30_000, description: `${workers} local workers` });
    const record = run.record;
    expect(record.workers.map((worker) => worker.state)).toEqual(Array.from({ length: workers }, () => 'done'));
    // Each worker's share, exactly, and their sum exactly the single engine's.
    const shares = record.workers.map((worker) => plannedInWindowOfWorker({ ratePerSecond: RATE, warmupSeconds: 0.5, durationSeconds: 1.5, index: worker.index, workers, threads: 1 }));
    expect(record.workers.map((worker) => worker.plannedInWindow)).toEqual(shares);
    expect(record.workers.map((worker) => worker.expectedPlannedInWindow)).toEqual(shares);
    expect(run.outcome.plannedInWindow).toBe(single.plannedInWindow);
    expect(run.reasons.filter((reason) => reason.code === 'worker-share' || reason.code === 'worker-failed' || reason.code === 'worker-not-ready')).toEqual([]);
    // The merge: counts summed, every response in the merged histogram.
    const counts = run.outcome.counts;
    expect(counts.responses + counts.errors + counts.timeouts + counts.dropped).toBe(single.plannedInWindow);
    expect(run.outcome.latencyUs!.count).toBe(counts.responses);
    expect(run.outcome.connections).toBe(12);
    expect(run.outcome.threads).toBe(workers);
    expect(received).toBeGreaterThanOrEqual(counts.responses);
    // One clock: every measured offset is zero within its uncertainty (and 1 ms of `date` granularity and scheduling).
    for (const worker of record.workers) expect(Math.abs(worker.clockOffsetMs!)).toBeLessThanOrEqual(worker.clockUncertaintyMs! + 1);
    expect(record.workers.every((worker) => worker.startLatenessMs !== undefined)).toBe(true);
    expect(run.windowEpochMs.end).toBeGreaterThan(run.windowEpochMs.start);
  });

  it('a worker kept behind by a CPU burner on its CPU makes the run invalid, named', async () => {
    const launcher = launchLocalWorkers({ binary: ENGINE_BINARY, job: job(), workers: 2, cpuLists: pinned(2) });
    const burning = intercepted(launcher, async (endpoint, line, send) => {
      // Worker 1's CPU gets a nice −20 busy loop from its start line on, for at most 5 s.
      // Builtins only (no fork per turn, so it never sleeps), ending itself after 4 s by bash's own clock; its own process
      // group. As root a real-time (SCHED_FIFO) task, which a normal one never preempts (the kernel still leaves others 5 %
      // of each second); else nice −20, which the scheduler's sleeper credit sometimes lets the engine slip past.
      const priority = process.getuid?.() === 0 ? ['chrt', '-f', '1'] : ['nice', '-n', '-20'];
      if (endpoint.index === 1 && line.startsWith('start ')) burner = execa('taskset', ['-c', '1', ...priority, 'bash', '-c', 'while [ "$SECONDS" -lt 4 ]; do :; done'], { reject: false, detached: true, stdio: 'ignore' });
      await send(line);
    });
    const run = await runOnWorkers(() => burning, job(), { workers: 2, readyTimeoutMs: 30_000, description: '2 local workers, one burnt' });
    const second = run.record.workers[1]!;
    expect(second.valid).toBe(false);
    expect(run.reasons.filter((reason) => reason.text.startsWith('worker 1 (')).map((reason) => reason.code)).toEqual(expect.arrayContaining(['worker-behind']));
    expect(second.problems.join('\n')).toContain('worker 1 (local worker 1');
  });

  it('a worker whose start line reached it 300 ms late makes the run invalid, named', async () => {
    const launcher = launchLocalWorkers({ binary: ENGINE_BINARY, job: job(), workers: 2, cpuLists: pinned(2) });
    const slow = intercepted(launcher, async (endpoint, line, send) => {
      if (endpoint.index === 1 && line.startsWith('start ')) {
        const startAt = Number(line.slice('start '.length));
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now()) + 300));
      }
      await send(line);
    });
    const run = await runOnWorkers(() => slow, job(), { workers: 2, readyTimeoutMs: 30_000, description: '2 local workers, one started late' });
    const second = run.record.workers[1]!;
    expect(second.startLatenessMs).toBeGreaterThanOrEqual(300);
    expect(second.valid).toBe(false);
    expect(run.reasons.filter((reason) => reason.text.startsWith('worker 1 (')).map((reason) => reason.code)).toContain('worker-late-start');
  });
});
