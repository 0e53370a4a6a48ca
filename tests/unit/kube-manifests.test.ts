/**
 * The Kubernetes objects of the load workers, validated against the Kubernetes OpenAPI schemas
 * of v1.33.0 (kubernetes-models 4.5.1: "Update schema version to v1.33.0"; its JSON Schemas check
 * types, enums, formats and required fields; unknown fields are caught by `tsc` instead, the
 * objects being typed as @kubernetes/client-node's models, and by the API server itself, which
 * the harness asks for strict field validation). Also: the bundle against the ConfigMap limit
 * with the real engine binary, names, and the RBAC file's freshness. No cluster is involved.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_WORKER_IMAGE, type ResolvedKubernetesWorkers } from '../../harness/config/workers.js';
import { bundleConfigMaps, bundleTooLarge, CONFIGMAP_MAX_BYTES, harnessRole, harnessRoleBinding, jobName, kubernetesArch, rbacYaml, workerJob, type WorkerObjectsInput } from '../../harness/kube/manifests.js';
import { ENGINE_BINARY } from '../../harness/load/engines/native.js';
import { bundleEngine, bundleJob, packBundle, WORKER_SCRIPT } from '../../harness/load/workers/worker-script.js';
import { ROOT } from '../../harness/paths.js';

const workers: ResolvedKubernetesWorkers = { namespace: 'load', parallelism: 3, cpus: 2, image: DEFAULT_WORKER_IMAGE, readyTimeoutSeconds: 180, nodeSelector: { 'node.kubernetes.io/instance-type': 'c7i.xlarge' } };
const input: WorkerObjectsInput = {
  workers,
  name: jobName('json-open/rust/rep1/rate0', 'k3x9a'),
  runId: 'json-open/rust/rep1/rate0',
  engineGz: Buffer.from('not really an engine'),
  jobGz: bundleJob('{"seed":1}'),
  arch: kubernetesArch('x64'),
  runSeconds: 45,
};

describe('the objects validate against the Kubernetes v1.33.0 OpenAPI schemas', () => {
  it('the Indexed Job', () => {
    const job = workerJob(input);
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0, activeDeadlineSeconds: 345 });
    const pod = job.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'c7i.xlarge' });
    expect(pod.containers[0]!.command).toEqual(['/bin/sh', '-c', WORKER_SCRIPT]);
    expect(pod.containers[0]!.resources).toEqual({ requests: { cpu: '2', memory: '256Mi' }, limits: { cpu: '2', memory: '256Mi' } });
    expect(pod.containers[0]!.image).toBe('debian:bookworm-slim');
  });
  it('the ConfigMaps, their binaryData base64 of the gzipped bundle\'s parts', () => {
    const configMaps = bundleConfigMaps(input);
    expect(configMaps.map((configMap) => configMap.metadata!.name)).toEqual(['rb-json-open-rust-rep1-rate0-k3x9a-0']);
    for (const configMap of configMaps) expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
    expect(Object.keys(configMaps[0]!.binaryData!)).toEqual(['engine.gz.00', 'job.json.gz.00']);
    expect(gunzipSync(Buffer.from(configMaps[0]!.binaryData!['job.json.gz.00']!, 'base64')).toString()).toBe('{"seed":1');
  });
  it('an engine over 1 MiB gzipped (with TLS, stripped: 1,049,332 bytes) goes in two ConfigMaps of at most 1 MiB, mounted as one folder', () => {
    const big = { ...input, engineGz: Buffer.alloc(1_049_332, 7) };
    const configMaps = bundleConfigMaps(big);
    expect(configMaps.map((configMap) => Object.keys(configMap.binaryData!))).toEqual([['engine.gz.00', 'job.json.gz.00'], ['engine.gz.01']]);
    for (const configMap of configMaps) {
      expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
      const bytes = Object.values(configMap.binaryData!).reduce((sum, base64) => sum + Buffer.from(base64, 'base64').length, 0);
      expect(bytes).toBeLessThanOrEqual(CONFIGMAP_MAX_BYTES);
    }
    const job = workerJob(big);
    expect(job.spec!.template.spec!.volumes![0]).toEqual({ name: 'bundle', projected: { sources: [{ configMap: { name: `${big.name}-0` } }, { configMap: { name: `${big.name}-1` } }] } });
    expect(() => new Job(job as never).validate()).not.toThrow();
    // The parts, read back in name order (the script's `cat engine.gz.*`), are the bundle.
    const parts = packBundle([{ name: 'engine.gz', bytes: big.engineGz }]).flatMap((group) => Object.entries(group)).sort(([a], [b]) => a.localeCompare(b));
    expect(Buffer.concat(parts.map(([, bytes]) => bytes)).equals(big.engineGz)).toBe(true);
  });
  it('the Role and the RoleBinding', () => {
    expect(() => new Role(harnessRole('load') as never).validate()).not.toThrow();
    expect(() => new RoleBinding(harnessRoleBinding('load', { kind: 'ServiceAccount', name: 'ci' }) as never).validate()).not.toThrow();
    expect(harnessRoleBinding('load', { kind: 'ServiceAccount', name: 'ci' }).subjects).toEqual([{ kind: 'ServiceAccount', name: 'ci', namespace: 'load' }]);
  });
  it('and the schemas do catch a wrong object (the check can fail)', () => {
    const job = workerJob(input);
    expect(() => new Job({ ...job, spec: { ...job.spec!, completionMode: 'indexed' } } as never).validate()).toThrow(/completionMode/);
    expect(() => new Job({ ...job, spec: { ...job.spec!, completions: '3' } } as never).validate()).toThrow(/completions/);
    const pod = job.spec!.template.spec!;
    expect(() => new Job({ ...job, spec: { ...job.spec!, template: { spec: { ...pod, containers: [{ ...pod.containers[0]!, name: undefined }] } } } } as never).validate()).toThrow(/name/);
  });
});

describe('names and sizes', () => {
  it('names a run\'s Job as a DNS label short enough for its pods\' hostnames', () => {
    expect(jobName('json-open/rust/rep1/rate0', 'k3x9a')).toBe('rb-json-open-rust-rep1-rate0-k3x9a');
    const long = jobName('a-very-long-scenario-name-for-testing/api-rewrite-service/rep12/rate3', 'k3x9a');
    expect(long.length).toBeLessThanOrEqual(52);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
  it('refuses a bundle beyond 16 ConfigMaps, naming the sizes', () => {
    expect(bundleTooLarge(2_000_000, 14_000_000)).toBeUndefined();
    expect(bundleTooLarge(2_000_000, 14_000_001)).toBe(
      'The load workers\' bundle is too large: the engine gzipped is 2,000,000 bytes and the job gzipped 14,000,001 bytes, 16,000,001 together, over the 16 ConfigMaps of at most 1,000,000 bytes each the harness creates. Shrink the job (fewer `variants`, a smaller replay file).',
    );
  });
  it('the real engine, gzipped, fits the ConfigMaps the harness creates', () => {
    // `npm test` builds the engine before the tests run.
    expect(existsSync(ENGINE_BINARY), `${ENGINE_BINARY} is missing: build it with \`npm run build && node dist/harness/cli.js build\``).toBe(true);
    const gz = bundleEngine(readFileSync(ENGINE_BINARY));
    expect(bundleTooLarge(gz.length, 1000)).toBeUndefined();
    for (const configMap of bundleConfigMaps({ ...input, engineGz: gz })) {
      expect(Object.values(configMap.binaryData!).reduce((sum, base64) => sum + Buffer.from(base64, 'base64').length, 0)).toBeLessThanOrEqual(CONFIGMAP_MAX_BYTES);
    }
  });
});

describe('docs/kubernetes-rbac.yaml', () => {
  it('equals what the code generates (run `npm run generate` after changing the Role)', () => {
    expect(readFileSync(path.join(ROOT, 'docs/kubernetes-rbac.yaml'), 'utf8')).toBe(rbacYaml(stringify));
  });
});
