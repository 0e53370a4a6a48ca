/**
 * The Kubernetes launcher's whole path — ConfigMaps and Indexed Job created, pods polled until
 * running, attached over WebSocket (the channel protocol), clock pings and the start line through
 * the attach, logs read once the pods ended, everything deleted — against a SIMULATED API server
 * (tests/integration/simulated-kube-api.ts: not a recording, not a cluster) whose "pods" run the
 * Job's own container command as local processes with JOB_COMPLETION_INDEX set and the
 * ConfigMaps' bytes as their mounted files, against a local service. It shows that the objects the
 * harness creates carry everything a pod needs (the bundle's parts reassemble into a running
 * engine, the env, the command) and that the harness drives and collects them through the API;
 * what only a real cluster shows is listed in the README ("Beyond one machine").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_IMAGE } from '../../harness/config/workers.js';
import { launchKubernetesWorkers } from '../../harness/kube/launch.js';
import { jobName } from '../../harness/kube/manifests.js';
import { ENGINE_BINARY, nativeJobText } from '../../harness/load/engines/native.js';
import type { LoadJob } from '../../harness/load/job.js';
import { runOnWorkers } from '../../harness/load/workers/run-workers.js';
import { plannedInWindowOfWorker } from '../../harness/load/workers/split.js';
import { bundleEngine, bundleJob } from '../../harness/load/workers/worker-script.js';
import { prepareSources } from '../../harness/requests/prepare.js';
import { startSimulatedApi, type SimulatedApi } from './simulated-kube-api.js';

let baseUrl: string;
beforeAll(async () => {
  const server = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
});

let api: SimulatedApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('the Kubernetes launcher against a simulated API server and kubelet', () => {
  it('creates, attaches, starts, collects through the API and deletes everything', async () => {
    api = await startSimulatedApi({ cpuOf: (index) => String(index % 2) });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({ clusters: [{ name: 'simulated', server: api.url, skipTLSVerify: true }], users: [{ name: 'simulated', token: 'simulated' }], contexts: [{ name: 'simulated', cluster: 'simulated', user: 'simulated' }], currentContext: 'simulated' });
    const job: LoadJob = { engine: 'native', threads: 1, baseUrl, sources: prepareSources([{ weight: 1, method: 'GET', path: '/', headers: {}, expectStatus: 200 }], 1), seed: 3, model: 'open', connections: 8, ratePerSecond: 300, arrival: 'constant', warmupSeconds: 0.5, durationSeconds: 1, timeoutMs: 2000, verifyEvery: 0 };
    const workers = { namespace: 'load', parallelism: 2, cpus: 1, image: DEFAULT_WORKER_IMAGE, readyTimeoutSeconds: 30 };
    const name = jobName('simulated/api/rep1/rate0', 'sim01');
    const run = await runOnWorkers(
      () => launchKubernetesWorkers({ kubeConfig, workers, name, runId: 'simulated/api/rep1/rate0', engineGz: bundleEngine(readFileSync(ENGINE_BINARY)), jobGz: bundleJob(nativeJobText(job)), arch: 'amd64', runSeconds: 10, pollMs: 50 }),
      job,
      { workers: 2, readyTimeoutMs: 30_000, description: 'simulated' },
    );
    expect(run.record.platform).toBe('kubernetes');
    expect(run.record.namespace).toBe('load');
    expect(run.record.job).toBe(name);
    expect(run.record.workers.map((worker) => [worker.name, worker.node, worker.state])).toEqual([
      [`pod ${name}-0-sim0`, 'simulated-node-0', 'done'],
      [`pod ${name}-1-sim1`, 'simulated-node-1', 'done'],
    ]);
    expect(run.record.workers.map((worker) => worker.plannedInWindow)).toEqual([0, 1].map((index) => plannedInWindowOfWorker({ ratePerSecond: 300, warmupSeconds: 0.5, durationSeconds: 1, index, workers: 2, threads: 1 })));
    expect(run.outcome.latencyUs!.count).toBe(run.outcome.counts.responses);
    // Through the API: attached with stdin, logs read, and nothing left behind.
    expect(api.requests.filter((request) => request.startsWith('UPGRADE')).every((request) => request.includes('stdin=true') && request.includes('container=worker'))).toBe(true);
    expect(api.requests.filter((request) => request.startsWith('UPGRADE'))).toHaveLength(2);
    expect(api.requests.filter((request) => /^GET \/api\/v1\/namespaces\/load\/pods\/[^/]+\/log\?container=worker$/.test(request))).toHaveLength(2);
    expect(api.requests.filter((request) => request.startsWith('POST /api/v1/namespaces/load/configmaps')).length).toBeGreaterThanOrEqual(1);
    expect([...api.configMaps().keys()]).toEqual([]);
    expect([...api.jobs().keys()]).toEqual([]);
  });

  it('a pod that never runs (its image never pulls) is named not ready in time; the others run, the run is invalid', async () => {
    api = await startSimulatedApi({ cpuOf: (index) => String(index % 2), waitingOf: (index) => (index === 1 ? { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example/missing:1"' } : undefined) });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({ clusters: [{ name: 'simulated', server: api.url, skipTLSVerify: true }], users: [{ name: 'simulated', token: 'simulated' }], contexts: [{ name: 'simulated', cluster: 'simulated', user: 'simulated' }], currentContext: 'simulated' });
    const job: LoadJob = { engine: 'native', threads: 1, baseUrl, sources: prepareSources([{ weight: 1, method: 'GET', path: '/', headers: {}, expectStatus: 200 }], 1), seed: 3, model: 'open', connections: 8, ratePerSecond: 300, arrival: 'constant', warmupSeconds: 0.5, durationSeconds: 1, timeoutMs: 2000, verifyEvery: 0 };
    const workers = { namespace: 'load', parallelism: 2, cpus: 1, image: 'registry.example/missing:1', readyTimeoutSeconds: 4 };
    const name = jobName('simulated/api/rep1/rate0', 'sim02');
    const run = await runOnWorkers(
      () => launchKubernetesWorkers({ kubeConfig, workers, name, runId: 'simulated/api/rep1/rate0', engineGz: bundleEngine(readFileSync(ENGINE_BINARY)), jobGz: bundleJob(nativeJobText(job)), arch: 'amd64', runSeconds: 10, pollMs: 50 }),
      job,
      { workers: 2, readyTimeoutMs: 4000, description: 'simulated' },
    );
    expect(run.record.workers.map((worker) => worker.state)).toEqual(['done', 'not-ready']);
    const notReady = run.reasons.find((reason) => reason.code === 'worker-not-ready')!;
    expect(notReady.text).toBe(`worker 1 was not ready: not running 4 s after the Job was created: pod ${name}-1-sim1 on node simulated-node-1 is waiting: ImagePullBackOff: Back-off pulling image "registry.example/missing:1"; its share of the schedule was never sent`);
    expect(run.outcome.plannedInWindow).toBe(run.record.workers[0]!.plannedInWindow);
    expect([...api.jobs().keys()]).toEqual([]);
    expect([...api.configMaps().keys()]).toEqual([]);
  });
});
