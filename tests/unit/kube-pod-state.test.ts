/**
 * What the harness says about a pod and a failed API call, read from objects a real API server
 * returned: the recorded answers of a kind cluster running Kubernetes v1.33.13
 * (tests/fixtures/kubernetes/recorded-v1.33.json, from Arnavion/k8s-openapi's recordings). Made
 * here, not recorded: the same pod with its container state changed to running and to waiting on
 * an image, and a 403 in the API's Status shape (no recording of those was found).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeApiError, describePod, indexOfPod, podEnded } from '../../harness/kube/pod-state.js';
import { ROOT } from '../../harness/paths.js';

const fixture = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/kubernetes/recorded-v1.33.json'), 'utf8')) as { jobCreate: Array<{ response_body: string }>; unprocessable: { response_status_code: number; response_body: string } };
const failedPod = (JSON.parse(fixture.jobCreate[7]!.response_body) as { items: V1Pod[] }).items[0]!;

describe('a recorded pod and a recorded error, described', () => {
  it('a pod whose container exited 5: ended, with its node and exit code', () => {
    expect(podEnded(failedPod)).toBe(true);
    expect(describePod(failedPod)).toEqual({ kind: 'ended', text: 'pod k8s-openapi-tests-create-job-cgpxt on node v1.33-control-plane ended: exit code 5 (Error)' });
    // A pod of a non-indexed Job has no completion index.
    expect(indexOfPod(failedPod)).toBeUndefined();
    expect(indexOfPod({ ...failedPod, metadata: { ...failedPod.metadata, annotations: { 'batch.kubernetes.io/job-completion-index': '2' } } })).toBe(2);
  });
  it('the same pod still running, and waiting on its image, as the kubelet reports them', () => {
    const running = { ...failedPod, status: { ...failedPod.status, phase: 'Running', containerStatuses: [{ ...failedPod.status!.containerStatuses![0]!, state: { running: { startedAt: new Date(0) } } }] } };
    expect(describePod(running).kind).toBe('running');
    const pulling = { ...failedPod, status: { ...failedPod.status, phase: 'Pending', containerStatuses: [{ ...failedPod.status!.containerStatuses![0]!, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "debian:bookworm-slim"' } } }] } };
    expect(describePod(pulling)).toEqual({ kind: 'waiting', text: 'pod k8s-openapi-tests-create-job-cgpxt on node v1.33-control-plane is waiting: ImagePullBackOff: Back-off pulling image "debian:bookworm-slim"' });
  });
  it('an API error: the status code and the API server\'s own message; a 403 says which RBAC to apply', () => {
    const error = Object.assign(new Error('HTTP-Code: 422'), { code: fixture.unprocessable.response_status_code, body: fixture.unprocessable.response_body });
    expect(describeApiError(error, 'create the Job x')).toBe('Could not create the Job x: HTTP 422: FooBar.k8s-openapi-tests-custom-resource-definition.com "fb3" is invalid: spec.prop2: Invalid value: "boolean": spec.prop2 in body must be of type array: "boolean".');
    const forbidden = Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: '{"kind":"Status","message":"configmaps is forbidden: User \\"ci\\" cannot create resource \\"configmaps\\" in API group \\"\\" in the namespace \\"load\\""}' });
    expect(describeApiError(forbidden, 'create the ConfigMap x-0 in namespace load')).toBe('Could not create the ConfigMap x-0 in namespace load: HTTP 403: configmaps is forbidden: User "ci" cannot create resource "configmaps" in API group "" in the namespace "load". Apply docs/kubernetes-rbac.yaml for the identity running rewrite-bench (README, "Beyond one machine").');
    expect(describeApiError(new Error('connect ECONNREFUSED 127.0.0.1:6443'), 'read the Job x')).toBe('Could not read the Job x: connect ECONNREFUSED 127.0.0.1:6443');
  });
});
