/**
 * `rewrite-bench run` with `load.workers.kubernetes`, end to end through the CLI: a project with a
 * remote target (a tiny server this test starts on 127.0.0.1) and a scenario whose kubeconfig
 * points at the SIMULATED API server and kubelet of simulated-kube-api.ts (not a cluster: its
 * "pods" run the Job's own container command as local processes). The run record keeps every
 * worker, summary.md and index.html show them under the run, nothing is left in the "cluster";
 * `--workers` with a wrong value, and workers against a service the harness starts, are refused
 * before anything starts (exit 2).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { CLI } from './helpers.js';
import { startSimulatedApi, type SimulatedApi } from './simulated-kube-api.js';

let api: SimulatedApi;
let server: http.Server;
let project: string;

beforeAll(async () => {
  api = await startSimulatedApi({ cpuOf: (index) => String(index % 2) });
  server = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  project = await mkdtemp(path.join(os.tmpdir(), 'rb-workers-'));
  await writeFile(path.join(project, 'rewrite-bench.yaml'), 'services: [services]\nscenarios: scenarios\nout: runs\n');
  await mkdir(path.join(project, 'services/api'), { recursive: true });
  await writeFile(path.join(project, 'services/api/service.yaml'), `name: api\nlanguage: node\ndescription: a tiny server started by the test\nimplements: [ping]\nready: /health\ntarget:\n  url: http://127.0.0.1:${port}\n`);
  await mkdir(path.join(project, 'services/local'), { recursive: true });
  await writeFile(path.join(project, 'services/local/service.yaml'), 'name: local\nlanguage: sh\ndescription: a service the harness would start\nimplements: [local-ping]\nready: /health\nstart: [/bin/true]\n');
  await mkdir(path.join(project, 'scenarios'));
  await writeFile(
    path.join(project, 'kubeconfig.yaml'),
    `apiVersion: v1\nkind: Config\nclusters: [{name: simulated, cluster: {server: '${api.url}', insecure-skip-tls-verify: true}}]\nusers: [{name: simulated, user: {token: simulated}}]\ncontexts: [{name: simulated, context: {cluster: simulated, user: simulated}}]\ncurrent-context: simulated\n`,
  );
  await writeFile(
    path.join(project, 'scenarios/ping.yaml'),
    'name: ping\ndescription: GET / from two Kubernetes workers\nworkload: ping\nrequests: [{path: /}]\nload:\n  model: open\n  connections: 8\n  ratesPerSecond: [300]\n  workers: {kubernetes: {namespace: load, parallelism: 2, cpus: 1, kubeconfig: ../kubeconfig.yaml, readyTimeoutSeconds: 30}}\nwarmupSeconds: 0.5\ndurationSeconds: 1\nrepetitions: 1\n',
  );
  await writeFile(
    path.join(project, 'scenarios/_long.yaml'),
    'name: ping-long\ndescription: a long run from two Kubernetes workers, interrupted\nworkload: ping\nrequests: [{path: /}]\nload:\n  model: open\n  connections: 8\n  ratesPerSecond: [100]\n  workers: {kubernetes: {namespace: load, parallelism: 2, cpus: 1, kubeconfig: ../kubeconfig.yaml}}\nwarmupSeconds: 1\ndurationSeconds: 60\nrepetitions: 1\n',
  );
  await writeFile(path.join(project, 'scenarios/_local.yaml'), 'name: local-ping\ndescription: workers cannot reach a local service\nworkload: local-ping\nrequests: [{path: /}]\nload: {model: open, connections: 8, ratesPerSecond: [100], workers: {kubernetes: {namespace: load, parallelism: 2, cpus: 1}}}\n');
}, 60_000);

afterAll(async () => {
  await api.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(project, { recursive: true, force: true });
});

async function inProject(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(process.execPath, [CLI, ...args], { cwd: project, reject: false, env: { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('rewrite-bench run with Kubernetes workers (simulated API server)', () => {
  it('records every worker under the run, shows them in the report, and leaves nothing behind', async () => {
    const run = await inProject(['run', 'ping', '--skip-verify', '--out', 'runs/workers']);
    expect(run.exitCode, run.stderr).toBe(0);
    const document = JSON.parse(await readFile(path.join(project, 'runs/workers/results.json'), 'utf8')) as ResultsDocument;
    expect(document.runs).toHaveLength(1);
    const record = document.runs[0]!;
    expect(record.workers!.platform).toBe('kubernetes');
    expect(record.workers!.namespace).toBe('load');
    expect(record.workers!.workers.map((worker) => [worker.index, worker.state, worker.node])).toEqual([
      [0, 'done', 'simulated-node-0'],
      [1, 'done', 'simulated-node-1'],
    ]);
    expect(record.load.plannedInWindow).toBe(record.workers!.workers.reduce((sum, worker) => sum + worker.plannedInWindow!, 0));
    expect(record.load.method).toContain(`2 Kubernetes workers × 1 CPU(s), Indexed Job ${record.workers!.job} in namespace load: one schedule of 300 req/s and 8 connections split exactly, histograms added; each worker: rewrite-bench-engine`);
    const summary = await readFile(path.join(project, 'runs/workers/summary.md'), 'utf8');
    expect(summary).toContain('### Load workers');
    expect(summary).toContain(`| 0 | pod ${record.workers!.job}-0-sim0 | simulated-node-0 |`);
    expect(await readFile(path.join(project, 'runs/workers/index.html'), 'utf8')).toContain('<h3>Load workers</h3>');
    expect([...api.jobs().keys()]).toEqual([]);
    expect([...api.configMaps().keys()]).toEqual([]);
  });

  it('refuses before anything starts: a wrong --workers, and workers against a service the harness starts', async () => {
    const requestsBefore = api.requests.length;
    const wrong = await inProject(['run', 'ping', '--workers', 'k8s']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('Expected --workers to be `kubernetes` or `none`, got `k8s`.');
    await writeFile(path.join(project, 'scenarios/_nokube.yaml'), 'name: ping-nokube\ndescription: a kubeconfig that is not there\nworkload: ping\nrequests: [{path: /}]\nload: {model: open, connections: 8, ratesPerSecond: [100], workers: {kubernetes: {namespace: load, parallelism: 2, cpus: 1, kubeconfig: ../nowhere.yaml}}}\n');
    const missing = await inProject(['run', 'scenarios/_nokube.yaml']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`to name a kubeconfig file, got \`${path.join(project, 'nowhere.yaml')}\`, which does not exist`);
    const local = await inProject(['run', 'scenarios/_local.yaml']);
    expect(local.exitCode).toBe(2);
    expect(local.stderr).toContain('sends its load from Kubernetes workers (`load.workers`), which cannot reach local');
    // Nothing reached the (simulated) cluster.
    expect(api.requests.length).toBe(requestsBefore);
  });

  it('Ctrl-C in the middle of a run deletes the Job and the ConfigMaps (and so the pods)', async () => {
    const child = execa(process.execPath, [CLI, 'run', 'scenarios/_long.yaml', '--skip-verify', '--out', 'runs/interrupted'], { cwd: project, reject: false, env: { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, stdin: 'ignore' });
    // Wait until the Job's pods run and were started (the start line went through the attach).
    const startedBy = Date.now() + 30_000;
    while (!(api.jobs().size === 1 && api.pods().filter((pod) => pod.exitCode === undefined && pod.stdout.includes('"type":"starting"')).length === 2)) {
      if (Date.now() > startedBy) throw new Error(`the workers never started: ${api.requests.slice(-5).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect([...api.jobs().keys()]).toEqual([]);
    expect([...api.configMaps().keys()]).toEqual([]);
    expect(api.requests.filter((request) => request.startsWith('DELETE')).length).toBeGreaterThanOrEqual(2);
  });
});
