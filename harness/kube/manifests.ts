/**
 * The Kubernetes objects of one run's load workers: ConfigMaps carrying the bundle (the engine
 * gzipped, the job gzipped, in parts of at most 1 MiB) and an Indexed Job whose pods run the worker script
 * (load/workers/worker-script.ts) in a stock image; plus the Role and RoleBinding the harness's
 * own identity needs, which a cluster admin applies once. Typed as @kubernetes/client-node's
 * models (a misspelt field fails `tsc`) and validated in the tests against the Kubernetes
 * OpenAPI schemas (kubernetes-models). Pure.
 */
import type { V1ConfigMap, V1Job, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import type { ResolvedKubernetesWorkers } from '../config/workers.js';
import { BUNDLE_ENGINE, BUNDLE_JOB, BUNDLE_PART_BYTES, packBundle, POD_BUNDLE_DIR, POD_SCRATCH_DIR, WORKER_ENV, WORKER_SCRIPT } from '../load/workers/worker-script.js';

/**
 * The most a ConfigMap may hold: the API server refuses one whose data and binaryData together
 * (decoded) exceed 1 MiB (`MaxSecretSize` in its validation). The bundle is cut to fit.
 */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** The pods' container name (logs and attach address it). */
export const WORKER_CONTAINER = 'worker';
/** Memory each pod requests and is limited to: the engine's histograms and buffers (a few MiB per thread) with room. */
export const WORKER_MEMORY = '256Mi';

/** Labels on everything the harness creates (`kubectl delete job,configmap -l app.kubernetes.io/managed-by=rewrite-bench` removes leftovers). */
export const MANAGED_LABELS = { 'app.kubernetes.io/name': 'rewrite-bench', 'app.kubernetes.io/component': 'load-worker', 'app.kubernetes.io/managed-by': 'rewrite-bench' } as const;

/** What one run's objects are made of. */
export interface WorkerObjectsInput {
  readonly workers: ResolvedKubernetesWorkers;
  /** The Job's and the ConfigMap's name (jobName). */
  readonly name: string;
  /** The run it measures (`scenario/service/rep1/rate0`), as an annotation. */
  readonly runId: string;
  readonly engineGz: Buffer;
  readonly jobGz: Buffer;
  /** The engine's CPU architecture as Kubernetes names it (`amd64`, `arm64`): pods go only to such nodes. */
  readonly arch: string;
  /** The run's longest possible duration (warm-up + window + drain), s: the Job ends itself after the ready timeout plus this. */
  readonly runSeconds: number;
}

/** The Kubernetes architecture of a Node.js `process.arch`. */
export function kubernetesArch(nodeArch: string): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'ia32' ? '386' : nodeArch;
}

/**
 * A name for one run's Job and ConfigMap: `rb-` + the run id's words + a random suffix, a DNS
 * label of at most 52 characters (an Indexed Job's pods are `<job>-<index>-<5 random>`, and the
 * pod's hostname `<job>-<index>` must stay within 63).
 * @param suffix a few random lowercase letters or digits (the caller's randomness)
 */
export function jobName(runId: string, suffix: string): string {
  const words = runId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const head = `rb-${words}`.slice(0, 52 - suffix.length - 1).replace(/-+$/g, '');
  return `${head}-${suffix}`;
}

/** Most ConfigMaps one run's bundle may take (16 MiB of gzipped engine and job). */
export const MAX_BUNDLE_CONFIGMAPS = 16;

/** The bundle's parts, grouped one group per ConfigMap (load/workers/worker-script.ts packBundle). */
export function bundleGroups(input: Pick<WorkerObjectsInput, 'engineGz' | 'jobGz'>): Array<Record<string, Buffer>> {
  return packBundle([
    { name: BUNDLE_ENGINE, bytes: input.engineGz },
    { name: BUNDLE_JOB, bytes: input.jobGz },
  ]);
}

/**
 * The bundle's size against what the harness will create.
 * @returns a message naming the sizes and what to do, or undefined when it fits
 */
export function bundleTooLarge(engineGzBytes: number, jobGzBytes: number): string | undefined {
  const total = engineGzBytes + jobGzBytes;
  if (total <= MAX_BUNDLE_CONFIGMAPS * BUNDLE_PART_BYTES) return undefined;
  return `The load workers' bundle is too large: the engine gzipped is ${engineGzBytes.toLocaleString('en-US')} bytes and the job gzipped ${jobGzBytes.toLocaleString('en-US')} bytes, ${total.toLocaleString('en-US')} together, over the ${MAX_BUNDLE_CONFIGMAPS} ConfigMaps of at most ${BUNDLE_PART_BYTES.toLocaleString('en-US')} bytes each the harness creates. Shrink the job (fewer \`variants\`, a smaller replay file).`;
}

/** The ConfigMaps' names: `<job>-0`, `<job>-1`, … */
export function configMapNames(input: Pick<WorkerObjectsInput, 'name' | 'engineGz' | 'jobGz'>): string[] {
  return bundleGroups(input).map((_, index) => `${input.name}-${index}`);
}

/**
 * The ConfigMaps: the engine and the job, gzipped and cut into parts of at most 1,000,000 bytes,
 * as binaryData (base64 in the API, bytes in the pod's files), at most 1 MiB each (the API server
 * refuses a larger one). A stripped engine with TLS gzips to about 1 MiB, so it takes two.
 */
export function bundleConfigMaps(input: WorkerObjectsInput): V1ConfigMap[] {
  return bundleGroups(input).map((group, index) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${input.name}-${index}`, namespace: input.workers.namespace, labels: { ...MANAGED_LABELS, 'rewrite-bench/job': input.name }, annotations: { 'rewrite-bench/run': input.runId } },
    immutable: true,
    binaryData: Object.fromEntries(Object.entries(group).map(([key, bytes]) => [key, bytes.toString('base64')])),
  }));
}

/** The Indexed Job: `parallelism` pods, each worker `JOB_COMPLETION_INDEX` of them, never retried (a retried worker would start its share late). */
export function workerJob(input: WorkerObjectsInput): V1Job {
  const { workers } = input;
  const cpu = String(workers.cpus);
  const labels = { ...MANAGED_LABELS, 'rewrite-bench/job': input.name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: workers.namespace, labels, annotations: { 'rewrite-bench/run': input.runId } },
    spec: {
      completionMode: 'Indexed',
      completions: workers.parallelism,
      parallelism: workers.parallelism,
      backoffLimit: 0,
      // If the harness dies, the cluster still ends the Job and then removes it.
      activeDeadlineSeconds: Math.ceil(workers.readyTimeoutSeconds + input.runSeconds + 120),
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          nodeSelector: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': input.arch, ...workers.nodeSelector },
          // One worker per node where the cluster has room: workers on one node compete for it.
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'rewrite-bench/job': input.name } } }],
          securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: WORKER_CONTAINER,
              image: workers.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', WORKER_SCRIPT],
              // The harness attaches once, pings, sends the start line, then closes stdin.
              stdin: true,
              stdinOnce: true,
              env: [
                { name: WORKER_ENV.workers, value: String(workers.parallelism) },
                { name: WORKER_ENV.bundle, value: POD_BUNDLE_DIR },
                { name: WORKER_ENV.scratch, value: POD_SCRATCH_DIR },
              ],
              // requests = limits: Guaranteed QoS, so a static CPU manager gives the pod whole CPUs.
              resources: { requests: { cpu, memory: WORKER_MEMORY }, limits: { cpu, memory: WORKER_MEMORY } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'bundle', mountPath: POD_BUNDLE_DIR, readOnly: true },
                { name: 'scratch', mountPath: POD_SCRATCH_DIR },
              ],
            },
          ],
          volumes: [
            // Every ConfigMap of the bundle in one folder.
            { name: 'bundle', projected: { sources: configMapNames(input).map((name) => ({ configMap: { name } })) } },
            { name: 'scratch', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

/** What the harness's identity may do in the namespace: create and delete the ConfigMap and the Job, watch the pods, read their logs, attach to them. */
export function harnessRole(namespace: string): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'rewrite-bench-load', namespace, labels: { ...MANAGED_LABELS } },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'delete'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      // The WebSocket upgrade is a GET; since Kubernetes 1.30 attach is also authorised as create.
      { apiGroups: [''], resources: ['pods/attach'], verbs: ['get', 'create'] },
    ],
  };
}

/** Binds the Role to who runs the harness: a user, a group, or a service account (CI in the cluster). */
export function harnessRoleBinding(namespace: string, subject: { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string }): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'rewrite-bench-load', namespace, labels: { ...MANAGED_LABELS } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rewrite-bench-load' },
    subjects: [subject.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace ?? namespace } : { kind: subject.kind, name: subject.name, apiGroup: 'rbac.authorization.k8s.io' }],
  };
}

/** The Role and RoleBinding as one YAML file to `kubectl apply -f` (docs/kubernetes-rbac.yaml; README "Beyond one machine"). */
export function rbacYaml(stringify: (value: unknown) => string, namespace = 'load', subject: { kind: 'User' | 'Group' | 'ServiceAccount'; name: string } = { kind: 'User', name: 'you@example.com' }): string {
  return [
    '# What rewrite-bench needs to run its load workers in one namespace (`load.workers.kubernetes`).',
    '# A cluster admin applies it once: kubectl apply -f docs/kubernetes-rbac.yaml',
    '# (change the namespace and the subject: a User, Group, or the ServiceAccount a CI job runs as).',
    '# Generated by `npm run generate` from harness/kube/manifests.ts.',
    stringify(harnessRole(namespace)).trimEnd(),
    '---',
    stringify(harnessRoleBinding(namespace, subject)).trimEnd(),
    '',
  ].join('\n');
}
