/**
 * What the Kubernetes API says about a worker's pod, and about a failed API call, in a sentence
 * a user can act on ("pod x (worker 1) is Pending: 0/3 nodes are available: 3 Insufficient cpu").
 * Pure (reads API objects).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { WORKER_CONTAINER } from './manifests.js';

/** A pod's Indexed Job index (annotation, and label since Kubernetes 1.28), or undefined. */
export function indexOfPod(pod: V1Pod): number | undefined {
  const text = pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] ?? pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The worker container's status (the pod's only container; by name when there are several). */
export function workerStatus(pod: V1Pod): NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number] | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.find((status) => status.name === WORKER_CONTAINER) ?? (statuses.length === 1 ? statuses[0] : undefined);
}

/** Whether the pod, or its worker container, has ended. */
export function podEnded(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  return workerStatus(pod)?.state?.terminated !== undefined;
}

/** Where a pod stands: `running` (its container runs: attach now), `ended`, or `waiting` with the reason the API gives. */
export function describePod(pod: V1Pod): { kind: 'waiting' | 'running' | 'ended'; text: string } {
  const name = `pod ${pod.metadata?.name ?? '?'}${pod.spec?.nodeName === undefined ? '' : ` on node ${pod.spec.nodeName}`}`;
  const container = workerStatus(pod);
  const terminated = container?.state?.terminated;
  if (podEnded(pod)) {
    const how = terminated === undefined ? `phase ${pod.status?.phase ?? '?'}${pod.status?.reason === undefined ? '' : ` (${pod.status.reason}${pod.status.message === undefined ? '' : `: ${pod.status.message}`})`}` : `exit code ${terminated.exitCode}${terminated.reason === undefined ? '' : ` (${terminated.reason})`}`;
    return { kind: 'ended', text: `${name} ended: ${how}` };
  }
  if (container?.state?.running !== undefined) return { kind: 'running', text: `${name} is running` };
  const waiting = container?.state?.waiting;
  if (waiting !== undefined) return { kind: 'waiting', text: `${name} is waiting: ${waiting.reason ?? '?'}${waiting.message === undefined ? '' : `: ${waiting.message}`}` };
  const unscheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled' && condition.status === 'False');
  if (unscheduled !== undefined) return { kind: 'waiting', text: `${name} is not scheduled: ${unscheduled.reason ?? '?'}${unscheduled.message === undefined ? '' : `: ${unscheduled.message}`}` };
  return { kind: 'waiting', text: `${name} is ${pod.status?.phase ?? 'being created'}` };
}

/**
 * A failed API call as one sentence: the HTTP status, the API server's own message (its Status
 * object), and for a 401 or 403 what to do.
 */
export function describeApiError(error: unknown, action: string): string {
  const code = (error as { code?: unknown }).code;
  const body = (error as { body?: unknown }).body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      message = body.slice(0, 300);
    }
  } else if (body !== null && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    message = (body as { message: string }).message;
  }
  if (typeof code !== 'number') return `Could not ${action}: ${error instanceof Error ? error.message : String(error)}`;
  const advice = code === 401 ? ' Check the kubeconfig\'s credentials.' : code === 403 ? ' Apply docs/kubernetes-rbac.yaml for the identity running rewrite-bench (README, "Beyond one machine").' : '';
  return `Could not ${action}: HTTP ${code}${message === undefined ? '' : `: ${message}`}.${advice}`;
}
