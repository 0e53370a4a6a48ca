/**
 * A SIMULATED Kubernetes API server and kubelet on 127.0.0.1 — not a recording, not a cluster:
 * just enough of the API for the harness's load workers, answering in the API's shapes (the
 * paths, the Status objects, the WebSocket attach with the v5/v4 channel protocols the API server
 * speaks: one byte of stream number, then the bytes; 255 then 0 closes stdin under v5). Creating
 * the Indexed Job "schedules" its pods: for each index, the ConfigMaps of its projected volume are
 * written to a folder (the "mount"), and the container's own command runs as a local process with
 * the container's env, JOB_COMPLETION_INDEX set, and the mount paths mapped to those folders. Pods
 * are Pending, then Running, then Succeeded or Failed with the exit code; the log is the
 * process's stdout. What a real API server, kubelet and container runtime would do differently
 * (RBAC, admission, image pulls, uid 65534, cgroups, node clocks) is not simulated.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { WebSocketServer, type WebSocket } from 'ws';
import type { V1ConfigMap, V1Job, V1Pod } from '@kubernetes/client-node';

interface SimulatedPod {
  readonly pod: V1Pod;
  /** Undefined for a pod left waiting (its image never pulled). */
  readonly child: ResultPromise | undefined;
  readonly waiting?: { readonly reason: string; readonly message: string };
  stdout: string;
  exitCode: number | undefined;
  attached: WebSocket | undefined;
}

export interface SimulatedApi {
  readonly url: string;
  /** Every request, `METHOD path?query`. */
  readonly requests: string[];
  readonly pods: () => readonly SimulatedPod[];
  readonly configMaps: () => ReadonlyMap<string, V1ConfigMap>;
  readonly jobs: () => ReadonlyMap<string, V1Job>;
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, code });

/** Starts the simulation; `cpuOf(index)` pins a pod's process (a node of its own, in effect). */
export async function startSimulatedApi(options: { cpuOf?: (index: number) => string | undefined; waitingOf?: (index: number) => { reason: string; message: string } | undefined } = {}): Promise<SimulatedApi> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rewrite-bench-simulated-kube-'));
  const configMaps = new Map<string, V1ConfigMap>();
  const jobs = new Map<string, V1Job>();
  const pods: SimulatedPod[] = [];
  const requests: string[] = [];
  let uid = 0;

  const podStatus = (entry: SimulatedPod): V1Pod['status'] => {
    if (entry.waiting !== undefined) return { phase: 'Pending', containerStatuses: [{ name: 'worker', image: 'simulated', imageID: '', ready: false, restartCount: 0, state: { waiting: entry.waiting } }] };
    if (entry.exitCode !== undefined) return { phase: entry.exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'worker', image: 'simulated', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: entry.exitCode, reason: entry.exitCode === 0 ? 'Completed' : 'Error' } } }] };
    return { phase: 'Running', containerStatuses: [{ name: 'worker', image: 'simulated', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] };
  };
  const podObject = (entry: SimulatedPod): V1Pod => ({ ...entry.pod, status: podStatus(entry) });

  const schedule = (job: V1Job): void => {
    const spec = job.spec!.template.spec!;
    const container = spec.containers[0]!;
    for (let index = 0; index < job.spec!.completions!; index += 1) {
      const name = `${job.metadata!.name}-${index}-sim${index}`;
      // The "kubelet": volumes become folders, the container's mount paths point at them.
      const mounts = new Map<string, string>();
      for (const volume of spec.volumes ?? []) {
        const folder = path.join(root, name, volume.name);
        mkdirSync(folder, { recursive: true });
        for (const source of volume.projected?.sources ?? []) {
          const configMap = configMaps.get(source.configMap!.name!);
          for (const [key, base64] of Object.entries(configMap?.binaryData ?? {})) writeFileSync(path.join(folder, key), Buffer.from(base64, 'base64'));
        }
        const mountPath = container.volumeMounts?.find((mount) => mount.name === volume.name)?.mountPath;
        if (mountPath !== undefined) mounts.set(mountPath, folder);
      }
      // The suite's owner tag, so that its check for leftover processes covers the simulated pods too.
      const waiting = options.waitingOf?.(index);
      const podMeta: V1Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: job.metadata!.namespace, uid: `pod-${(uid += 1)}`, labels: { ...job.spec!.template.metadata?.labels, 'batch.kubernetes.io/job-completion-index': String(index) }, annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } },
        spec: { ...spec, nodeName: `simulated-node-${index}` },
      };
      if (waiting !== undefined) {
        pods.push({ pod: podMeta, child: undefined, waiting, stdout: '', exitCode: undefined, attached: undefined });
        continue;
      }
      const env: Record<string, string> = { JOB_COMPLETION_INDEX: String(index), PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.REWRITE_BENCH_OWNER === undefined ? {} : { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER }) };
      for (const variable of container.env ?? []) env[variable.name] = mounts.get(variable.value ?? '') ?? variable.value ?? '';
      const cpu = options.cpuOf?.(index);
      const argv = [...(cpu === undefined ? [] : ['taskset', '-c', cpu]), ...container.command!];
      const child = execa(argv[0]!, argv.slice(1), { env, extendEnv: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false });
      const entry: SimulatedPod = {
        pod: podMeta,
        child,
        stdout: '',
        exitCode: undefined,
        attached: undefined,
      };
      child.stdout?.on('data', (chunk: Buffer) => {
        entry.stdout += chunk.toString();
        entry.attached?.send(Buffer.concat([Buffer.from([1]), chunk]));
      });
      void child.then((result) => {
        entry.exitCode = result.exitCode ?? 137;
        entry.attached?.close();
      });
      pods.push(entry);
    }
  };

  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://simulated');
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      const send = (code: number, value: unknown, type = 'application/json'): void => {
        response.writeHead(code, { 'content-type': type }).end(typeof value === 'string' ? value : JSON.stringify(value));
      };
      let match: RegExpMatchArray | null;
      if (request.method === 'POST' && (match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/configmaps$/))) {
        const configMap = JSON.parse(body) as V1ConfigMap;
        configMaps.set(configMap.metadata!.name!, configMap);
        return send(201, { ...configMap, metadata: { ...configMap.metadata, uid: `cm-${(uid += 1)}` } });
      }
      if (request.method === 'DELETE' && (match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/))) {
        if (!configMaps.delete(match[2]!)) return send(404, status(404, 'NotFound', `configmaps "${match[2]}" not found`));
        return send(200, status(200, '', ''));
      }
      if (request.method === 'POST' && (match = url.pathname.match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/))) {
        const job = JSON.parse(body) as V1Job;
        jobs.set(job.metadata!.name!, job);
        schedule(job);
        return send(201, job);
      }
      if ((match = url.pathname.match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/))) {
        const job = jobs.get(match[2]!);
        if (job === undefined) return send(404, status(404, 'NotFound', `jobs.batch "${match[2]}" not found`));
        if (request.method === 'DELETE') {
          jobs.delete(match[2]!);
          for (const entry of pods) if (entry.exitCode === undefined && entry.child?.pid !== undefined) entry.child.kill('SIGKILL');
          return send(200, status(200, '', ''));
        }
        return send(200, { ...job, status: { active: pods.filter((entry) => entry.exitCode === undefined).length } });
      }
      if (request.method === 'GET' && (match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/))) {
        const [key, value] = (url.searchParams.get('labelSelector') ?? '=').split('=');
        return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: pods.filter((entry) => entry.pod.metadata!.labels?.[key!] === value).map(podObject) });
      }
      if (request.method === 'GET' && (match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/log)?$/))) {
        const entry = pods.find((candidate) => candidate.pod.metadata!.name === match![2]);
        if (entry === undefined) return send(404, status(404, 'NotFound', `pods "${match[2]}" not found`));
        if (match[3] === undefined) return send(200, podObject(entry));
        const tail = url.searchParams.get('tailLines');
        const lines = entry.stdout.split('\n');
        return send(200, tail === null ? entry.stdout : lines.slice(-Number(tail) - 1).join('\n'), 'text/plain');
      }
      send(404, status(404, 'NotFound', `${request.method} ${url.pathname} is not simulated`));
    });
  });

  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://simulated');
    requests.push(`UPGRADE ${url.pathname}${url.search}`);
    const match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/attach$/);
    const entry = match === null ? undefined : pods.find((candidate) => candidate.pod.metadata!.name === match[2]);
    if (entry?.child === undefined || entry.exitCode !== undefined || url.searchParams.get('container') !== 'worker') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      entry.attached = ws;
      ws.on('message', (data: Buffer) => {
        const stream = data[0];
        if (stream === 0) entry.child?.stdin?.write(data.subarray(1));
        else if (stream === 255 && data[1] === 0) entry.child?.stdin?.end();
      });
      // v4 has no close-stream message: the client closes the socket instead, which ends stdin (stdinOnce).
      ws.on('close', () => entry.child?.stdin?.end());
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    pods: () => pods,
    configMaps: () => configMaps,
    jobs: () => jobs,
    close: async () => {
      for (const entry of pods) if (entry.exitCode === undefined) entry.child?.kill('SIGKILL');
      await Promise.allSettled(pods.map((entry) => entry.child));
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
