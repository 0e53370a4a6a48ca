/**
 * The harness's Kubernetes API calls (harness/kube/launch.ts, through @kubernetes/client-node)
 * against a recorded conversation of a real API server, replayed by a local HTTP server on
 * 127.0.0.1 posing as it. There is no cluster on these machines.
 *
 * Recorded (tests/fixtures/kubernetes/recorded-v1.33.json, byte for byte): the answers of a kind
 * 0.32.0 cluster running Kubernetes v1.33.13 to Arnavion/k8s-openapi's `job-create` test (commit
 * in the fixture): the Job created (201), read six times while its only pod ran `exit 5` with
 * backoffLimit 0 (empty status, active, then conditions FailureTarget and Failed:
 * BackoffLimitExceeded), the pods listed (the pod Failed, exit code 5, on node
 * v1.33-control-plane), the Job deleted (200); and a 422 Status (Invalid) from its
 * custom-resource test. Not recorded, made here and said so where they are served: the answers to
 * creating and deleting the ConfigMap (the recording has no ConfigMap), shaped as the API's
 * (the object echoed with a uid; a Status of Success).
 *
 * What this shows: the requests the harness makes (paths, strict field validation, the pods'
 * label selector, background deletion), that a Job the cluster failed makes every worker "not
 * ready", named with the API's reason, and that everything created is deleted. What it cannot
 * show: a pod running the engine and attached to (no recording of those exists) — the worker's
 * command itself is run for real in workers-local.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_IMAGE } from '../../harness/config/workers.js';
import { InfrastructureError } from '../../harness/errors.js';
import { launchKubernetesWorkers } from '../../harness/kube/launch.js';
import { workerJob, bundleConfigMaps, type WorkerObjectsInput } from '../../harness/kube/manifests.js';
import type { LoadJob } from '../../harness/load/job.js';
import { runOnWorkers } from '../../harness/load/workers/run-workers.js';
import { bundleJob } from '../../harness/load/workers/worker-script.js';
import { ROOT } from '../../harness/paths.js';

interface Recorded {
  readonly request_url: string;
  readonly request_method: string;
  readonly response_status_code: number;
  readonly response_body: string;
}
const fixture = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/kubernetes/recorded-v1.33.json'), 'utf8')) as { kubernetesVersion: string; jobCreate: Recorded[]; unprocessable: Recorded };
const [created, ...rest] = fixture.jobCreate;
const reads = rest.slice(0, 6);
const podList = rest[6]!;
const jobDeleted = rest[7]!;

const NAME = 'k8s-openapi-tests-create-job';
const NAMESPACE = 'default';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
}

/** A local server answering from a list of routes; every request is kept, an unknown one is a 404 the test reports. */
async function replayServer(routes: Array<{ method: string; path: string; answers: Array<{ status: number; body: string; recorded: boolean }> }>) {
  const seen: Seen[] = [];
  const unknown: string[] = [];
  const served = new Map<string, number>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://replay');
      seen.push({ method: request.method ?? '', path: url.pathname, query: url.searchParams, body });
      const route = routes.find((candidate) => candidate.method === request.method && candidate.path === url.pathname);
      if (route === undefined) {
        unknown.push(`${request.method} ${url.pathname}`);
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}');
        return;
      }
      const key = `${route.method} ${route.path}`;
      const count = served.get(key) ?? 0;
      served.set(key, count + 1);
      const answer = route.answers[Math.min(count, route.answers.length - 1)]!;
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, unknown, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const recorded = (entry: Recorded) => ({ status: entry.response_status_code, body: entry.response_body, recorded: true });
/** Made here (the recording has no ConfigMap): the API's shape for a created object and a deletion. */
const madeConfigMapCreated = (body: string) => ({ status: 201, body, recorded: false });
const madeDeleted = { status: 200, body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"k8s-openapi-tests-create-job-0","kind":"configmaps","uid":"00000000-0000-0000-0000-000000000000"}}', recorded: false };

function kubeConfig(server: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({ clusters: [{ name: 'replay', server, skipTLSVerify: true }], users: [{ name: 'replay', token: 'replayed' }], contexts: [{ name: 'replay', cluster: 'replay', user: 'replay' }], currentContext: 'replay' });
  return config;
}

const objects: WorkerObjectsInput = {
  workers: { namespace: NAMESPACE, parallelism: 2, cpus: 1, image: DEFAULT_WORKER_IMAGE, readyTimeoutSeconds: 30 },
  name: NAME,
  runId: 'json-open/api/rep1/rate0',
  engineGz: Buffer.from('engine bytes'),
  jobGz: bundleJob('{"seed":1}'),
  arch: 'amd64',
  runSeconds: 5,
};
const job: LoadJob = { engine: 'native', threads: 1, baseUrl: 'http://api.shop.svc:8080', sources: [], seed: 1, model: 'open', connections: 4, ratePerSecond: 100, arrival: 'constant', warmupSeconds: 0.5, durationSeconds: 1, timeoutMs: 1000, verifyEvery: 0 };

let close: (() => void) | undefined;
afterEach(() => close?.());

describe(`the Kubernetes API calls against a recorded ${fixture.kubernetesVersion} API server`, () => {
  it('a Job the cluster failed: every worker is named not ready with the API\'s reason, and the Job and the ConfigMap are deleted', async () => {
    const [configMap] = bundleConfigMaps(objects);
    const configMapEcho = JSON.stringify({ ...configMap, metadata: { ...configMap!.metadata, uid: '11111111-2222-3333-4444-555555555555', resourceVersion: '560', creationTimestamp: '2026-06-15T04:15:56Z' } });
    const replay = await replayServer([
      { method: 'POST', path: `/api/v1/namespaces/${NAMESPACE}/configmaps`, answers: [madeConfigMapCreated(configMapEcho)] },
      { method: 'POST', path: `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`, answers: [recorded(created!)] },
      { method: 'GET', path: `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${NAME}`, answers: reads.map(recorded) },
      { method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/pods`, answers: [recorded(podList)] },
      { method: 'DELETE', path: `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${NAME}`, answers: [recorded(jobDeleted)] },
      { method: 'DELETE', path: `/api/v1/namespaces/${NAMESPACE}/configmaps/${NAME}-0`, answers: [madeDeleted] },
    ]);
    close = () => replay.server.close();
    const failure = await runOnWorkers(() => launchKubernetesWorkers({ ...objects, kubeConfig: kubeConfig(replay.url), pollMs: 5 }), job, { workers: 2, readyTimeoutMs: 30_000, description: 'replayed' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    const message = (failure as Error).message;
    expect(message).toContain('No load worker of 2 measured anything');
    // From the recorded Job status of the sixth read.
    expect(message).toContain(`worker 0: the Job ${NAME} failed (BackoffLimitExceeded: Job has reached the specified backoff limit); no pod was created for this index`);
    expect(message).toContain('worker 1: the Job');
    expect(replay.unknown).toEqual([]);
    const calls = replay.seen.map((request) => `${request.method} ${request.path}`);
    expect(calls.slice(0, 2)).toEqual([`POST /api/v1/namespaces/${NAMESPACE}/configmaps`, `POST /apis/batch/v1/namespaces/${NAMESPACE}/jobs`]);
    // The Job was read until the recorded sixth answer said Failed, the pods listed each time.
    expect(calls.filter((call) => call === `GET /apis/batch/v1/namespaces/${NAMESPACE}/jobs/${NAME}`)).toHaveLength(6);
    expect(calls.slice(-2).sort()).toEqual([`DELETE /api/v1/namespaces/${NAMESPACE}/configmaps/${NAME}-0`, `DELETE /apis/batch/v1/namespaces/${NAMESPACE}/jobs/${NAME}`]);
    const posts = replay.seen.filter((request) => request.method === 'POST');
    expect(posts.map((request) => request.query.get('fieldValidation'))).toEqual(['Strict', 'Strict']);
    expect(JSON.parse(posts[1]!.body)).toEqual(JSON.parse(JSON.stringify(workerJob(objects))));
    expect(JSON.parse(posts[0]!.body).binaryData['job.json.gz.00']).toBe(objects.jobGz.toString('base64'));
    expect(replay.seen.find((request) => request.path.endsWith('/pods'))!.query.get('labelSelector')).toBe(`rewrite-bench/job=${NAME}`);
    expect(replay.seen.find((request) => request.method === 'DELETE' && request.path.includes('/jobs/'))!.query.get('propagationPolicy')).toBe('Background');
  });

  it('a creation the API server rejects: its own message (a recorded 422 Status), and nothing left to delete', async () => {
    const replay = await replayServer([{ method: 'POST', path: `/api/v1/namespaces/${NAMESPACE}/configmaps`, answers: [recorded(fixture.unprocessable)] }]);
    close = () => replay.server.close();
    const failure = await runOnWorkers(() => launchKubernetesWorkers({ ...objects, kubeConfig: kubeConfig(replay.url), pollMs: 5 }), job, { workers: 2, readyTimeoutMs: 30_000, description: 'replayed' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect((failure as Error).message).toContain(`worker 0: Could not create the ConfigMap ${NAME}-0 in namespace ${NAMESPACE}: HTTP 422: FooBar.k8s-openapi-tests-custom-resource-definition.com "fb3" is invalid: spec.prop2: Invalid value: "boolean": spec.prop2 in body must be of type array: "boolean".`);
    expect(replay.seen.map((request) => request.method)).toEqual(['POST']);
  });
});
