/**
 * Load workers as a Kubernetes Indexed Job, through the Kubernetes API (@kubernetes/client-node):
 * creates the bundle's ConfigMaps and the Job (harness/kube/manifests.ts), polls the Job and its
 * pods until each index runs, attaches to each pod's stdin and stdout (the clock pings and the
 * start line travel there, through the API server, so the harness needs no network path to the
 * pods), and once a pod has ended reads its log: the engine's JSON lines. Deletes the Job (its
 * pods with it) and the ConfigMaps afterwards, also on Ctrl-C. I/O.
 */
import { Attach, BatchV1Api, CoreV1Api, KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { PassThrough, Writable } from 'node:stream';
import type { ResolvedKubernetesWorkers } from '../config/workers.js';
import { LineQueue, type WorkerEnd, type WorkerEndpoint, type WorkerLauncher } from '../load/workers/endpoint.js';
import { bundleConfigMaps, WORKER_CONTAINER, workerJob, type WorkerObjectsInput } from './manifests.js';
import { describeApiError, describePod, indexOfPod, podEnded, workerStatus } from './pod-state.js';

export interface KubernetesLaunchOptions extends WorkerObjectsInput {
  readonly kubeConfig: KubeConfig;
  /** How often the Job and its pods are read while waiting (default 1 s). */
  readonly pollMs?: number;
}

/**
 * The kubeconfig to use: the scenario's file, else KUBECONFIG, ~/.kube/config, or the in-cluster
 * service account (client-node's default order).
 */
export function loadKubeConfig(workers: ResolvedKubernetesWorkers): KubeConfig {
  const config = new KubeConfig();
  if (workers.kubeconfig === undefined) config.loadFromDefault();
  else config.loadFromFile(workers.kubeconfig);
  return config;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class PodEndpoint implements WorkerEndpoint {
  readonly index: number;
  readonly name: string;
  readonly node: string | undefined;
  readonly #queue = new LineQueue();
  readonly #stdin = new PassThrough();
  readonly #core: CoreV1Api;
  readonly #namespace: string;
  readonly #pollMs: number;
  #socket: { close(): void } | undefined;

  constructor(index: number, pod: V1Pod, core: CoreV1Api, namespace: string, pollMs: number) {
    this.index = index;
    this.name = `pod ${pod.metadata!.name!}`;
    this.node = pod.spec?.nodeName;
    this.#core = core;
    this.#namespace = namespace;
    this.#pollMs = pollMs;
  }

  get podName(): string {
    return this.name.slice('pod '.length);
  }

  async attach(config: KubeConfig): Promise<void> {
    const queue = this.#queue;
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        queue.push(chunk.toString());
        callback();
      },
    });
    const socket = await new Attach(config).attach(this.#namespace, this.podName, WORKER_CONTAINER, stdout, null, this.#stdin, false);
    socket.on('close', () => queue.end());
    this.#socket = socket;
  }

  send(line: string): Promise<void> {
    return new Promise((resolve) => this.#stdin.write(`${line}\n`, () => resolve()));
  }

  nextLine(timeoutMs: number): Promise<string | undefined> {
    return this.#queue.next(timeoutMs);
  }

  closeInput(): void {
    this.#stdin.end();
  }

  close(): void {
    this.#socket?.close();
  }

  async finish(timeoutMs: number): Promise<WorkerEnd> {
    const deadline = Date.now() + timeoutMs;
    let pod: V1Pod | undefined;
    let reason: string | undefined;
    for (;;) {
      try {
        pod = await this.#core.readNamespacedPod({ name: this.podName, namespace: this.#namespace });
      } catch (error) {
        reason = describeApiError(error, `read ${this.name}`);
        break;
      }
      if (podEnded(pod)) break;
      if (Date.now() >= deadline) {
        reason = `still running ${Math.round(timeoutMs / 1000)} s after the start`;
        break;
      }
      await sleep(this.#pollMs);
    }
    this.close();
    const terminated = pod === undefined ? undefined : workerStatus(pod)?.state?.terminated;
    let log = '';
    try {
      log = await this.#core.readNamespacedPodLog({ name: this.podName, namespace: this.#namespace, container: WORKER_CONTAINER });
    } catch (error) {
      reason ??= describeApiError(error, `read the log of ${this.name}`);
    }
    return { lines: log.split('\n'), exitCode: terminated?.exitCode, reason, diagnostics: [terminated?.reason, terminated?.message].filter((part) => part !== undefined && part !== '').join(': ') };
  }
}

/**
 * Creates the ConfigMap and the Indexed Job and hands out each index's pod once it runs and is
 * attached. An index whose pod fails, or does not run within the ready timeout, rejects with
 * what the API said about it (unschedulable, image pull, exit code and the log's last lines).
 */
export function launchKubernetesWorkers(options: KubernetesLaunchOptions): WorkerLauncher {
  const { workers, kubeConfig } = options;
  const namespace = workers.namespace;
  const pollMs = options.pollMs ?? 1000;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const resolvers = Array.from({ length: workers.parallelism }, () => ({}) as { resolve: (endpoint: WorkerEndpoint) => void; reject: (error: Error) => void; settled?: boolean });
  const endpoints = resolvers.map((slot) => new Promise<WorkerEndpoint>((resolve, reject) => Object.assign(slot, { resolve, reject })));
  // Unhandled rejections of indices nobody awaits (the coordinator awaits them all) must not crash.
  for (const pending of endpoints) pending.catch(() => undefined);
  const attached: PodEndpoint[] = [];
  const createdConfigMaps: string[] = [];
  let jobCreated = false;
  let action = 'reach the Kubernetes API';
  let stopped = false;

  const settle = (index: number, outcome: WorkerEndpoint | Error): void => {
    const slot = resolvers[index];
    if (slot === undefined || slot.settled === true) return;
    slot.settled = true;
    if (outcome instanceof Error) slot.reject(outcome);
    else slot.resolve(outcome);
  };
  const rejectRest = (message: (index: number) => string): void => resolvers.forEach((_, index) => settle(index, new Error(message(index))));

  const logTail = async (pod: V1Pod): Promise<string> => {
    try {
      return (await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: WORKER_CONTAINER, tailLines: 20 })).trimEnd() || '(empty)';
    } catch {
      return '(its log could not be read)';
    }
  };

  const watch = async (): Promise<void> => {
    try {
      for (const configMap of bundleConfigMaps(options)) {
        action = `create the ConfigMap ${configMap.metadata!.name!} in namespace ${namespace}`;
        await core.createNamespacedConfigMap({ namespace, body: configMap, fieldValidation: 'Strict' });
        createdConfigMaps.push(configMap.metadata!.name!);
      }
      action = `create the Job ${options.name} in namespace ${namespace}`;
      await batch.createNamespacedJob({ namespace, body: workerJob(options), fieldValidation: 'Strict' });
      jobCreated = true;
    } catch (error) {
      const message = describeApiError(error, action);
      rejectRest(() => message);
      return;
    }
    const deadline = Date.now() + workers.readyTimeoutSeconds * 1000;
    const lastSeen = new Map<number, string>();
    while (!stopped && resolvers.some((slot) => slot.settled !== true)) {
      let job: V1Job;
      let pods: V1Pod[];
      try {
        job = await batch.readNamespacedJob({ name: options.name, namespace });
        pods = (await core.listNamespacedPod({ namespace, labelSelector: `rewrite-bench/job=${options.name}` })).items;
      } catch (error) {
        const message = describeApiError(error, `read the Job ${options.name} and its pods`);
        rejectRest(() => message);
        return;
      }
      for (const pod of pods) {
        const index = indexOfPod(pod);
        if (index === undefined || resolvers[index]?.settled === true) continue;
        const state = describePod(pod);
        lastSeen.set(index, state.text);
        if (state.kind === 'running') {
          const endpoint = new PodEndpoint(index, pod, core, namespace, pollMs);
          try {
            await endpoint.attach(kubeConfig);
            attached.push(endpoint);
            settle(index, endpoint);
          } catch (error) {
            // A container that ended at once (an image without sh, an engine that does not run) cannot be attached to: its log says why.
            settle(index, new Error(`${describeApiError(error, `attach to pod ${pod.metadata?.name ?? '?'}`)}; its last output:\n${await logTail(pod)}`));
          }
        } else if (state.kind === 'ended') {
          settle(index, new Error(`${state.text} before it was ready; its last output:\n${await logTail(pod)}`));
        }
      }
      const failed = job.status?.conditions?.find((condition) => condition.type === 'Failed' && condition.status === 'True');
      if (failed !== undefined) {
        rejectRest((index) => `the Job ${options.name} failed (${failed.reason ?? 'no reason'}: ${failed.message ?? ''})${lastSeen.has(index) ? `; its pod: ${lastSeen.get(index)}` : '; no pod was created for this index'}`);
        return;
      }
      if (Date.now() >= deadline) {
        rejectRest((index) => `not running ${workers.readyTimeoutSeconds} s after the Job was created: ${lastSeen.get(index) ?? 'no pod was created for this index'}`);
        return;
      }
      await sleep(pollMs);
    }
  };
  void watch();

  let cleaned: Promise<void> | undefined;
  return {
    platform: 'kubernetes',
    endpoints,
    namespace,
    jobName: options.name,
    cleanup: () => {
      cleaned ??= (async () => {
        stopped = true;
        rejectRest(() => 'the run ended before this worker was ready');
        for (const endpoint of attached) endpoint.close();
        // Background propagation: the Job goes at once, its pods after it. A 404 means already gone.
        const gone = (error: unknown): void => {
          if ((error as { code?: number }).code !== 404) throw error;
        };
        const deletions = [
          jobCreated ? batch.deleteNamespacedJob({ name: options.name, namespace, propagationPolicy: 'Background' }).then(() => undefined, gone) : Promise.resolve(),
          ...createdConfigMaps.map((name) => core.deleteNamespacedConfigMap({ name, namespace }).then(() => undefined, gone)),
        ];
        const results = await Promise.allSettled(deletions);
        const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failures.length > 0) {
          throw new Error(`Could not remove the load workers' objects (${failures.map((failure) => describeApiError(failure.reason, 'delete')).join('; ')}). Remove them with: kubectl -n ${namespace} delete job,configmap -l rewrite-bench/job=${options.name}`);
        }
      })();
      return cleaned;
    },
  };
}
