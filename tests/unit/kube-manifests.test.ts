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
import { bundleConfigMap, bundleTooLarge, CONFIGMAP_MAX_BYTES, harnessRole, harnessRoleBinding, jobName, kubernetesArch, rbacYaml, workerJob, type WorkerObjectsInput } from '../../harness/kube/manifests.js';
import { ENGINE_BINARY } from '../../harness/load/engines/native.js';
import { bundleEngine, bundleJob, WORKER_SCRIPT } from '../../harness/load/workers/worker-script.js';
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
  it('the ConfigMap, its binaryData base64 of the gzipped bundle', () => {
    const configMap = bundleConfigMap(input);
    expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
    expect(gunzipSync(Buffer.from(configMap.binaryData!['job.json.gz']!, 'base64')).toString()).toBe('{"seed":1');
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
  it('refuses a bundle over the 1 MiB ConfigMap limit, naming the sizes', () => {
    expect(bundleTooLarge(400_000, 648_576)).toBeUndefined();
    expect(bundleTooLarge(400_000, 648_577)).toBe(
      `The load workers' bundle does not fit in one ConfigMap: the engine gzipped is 400,000 bytes and the job gzipped 648,577 bytes, 1,048,577 together, over Kubernetes' 1,048,576-byte limit. Shrink the job (fewer \`variants\`, a smaller replay file) or build the engine smaller (\`strip\`).`,
    );
  });
  it.skipIf(!existsSync(ENGINE_BINARY))('the real engine, gzipped, leaves most of the 1 MiB to the job', () => {
    const gz = bundleEngine(readFileSync(ENGINE_BINARY));
    expect(gz.length).toBeLessThan(CONFIGMAP_MAX_BYTES / 2);
    expect(bundleTooLarge(gz.length, 1000)).toBeUndefined();
  });
});

describe('docs/kubernetes-rbac.yaml', () => {
  it('equals what the code generates (run `npm run generate` after changing the Role)', () => {
    expect(readFileSync(path.join(ROOT, 'docs/kubernetes-rbac.yaml'), 'utf8')).toBe(rbacYaml(stringify));
  });
});
