/**
 * One load job on Kubernetes workers (`load.workers.kubernetes`): the bundle made from the built
 * engine and the job, checked against the ConfigMap limit before anything is created, then the
 * Indexed Job launched, coordinated, judged and merged (load/workers/run-workers.ts). I/O.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ResolvedKubernetesWorkers } from '../config/workers.js';
import { ConfigError, InfrastructureError } from '../errors.js';
import { ENGINE_BINARY, nativeJobText } from '../load/engines/native.js';
import type { LoadJob } from '../load/job.js';
import { runOnWorkers, type WorkersRun } from '../load/workers/run-workers.js';
import { bundleEngine, bundleJob } from '../load/workers/worker-script.js';
import { launchKubernetesWorkers, loadKubeConfig } from './launch.js';
import { bundleTooLarge, jobName, kubernetesArch } from './manifests.js';

let engineGz: Buffer | undefined;

/** A random DNS-safe suffix, so that runs never reuse a name. */
function suffix(): string {
  return randomBytes(4).readUInt32BE(0).toString(36).padStart(5, '0').slice(-5);
}

/**
 * Runs `job` on the scenario's Kubernetes workers: `threads` per worker become its `cpus`.
 * @throws ConfigError when the bundle exceeds the ConfigMap limit (nothing is created)
 * @throws InfrastructureError when the kubeconfig cannot be read or no worker measured anything
 */
export async function runJobOnKubernetes(job: LoadJob, workers: ResolvedKubernetesWorkers, runId: string): Promise<WorkersRun> {
  try {
    engineGz ??= bundleEngine(readFileSync(ENGINE_BINARY));
  } catch (cause) {
    throw new InfrastructureError(`The native load engine (${ENGINE_BINARY}) is needed for Kubernetes workers and could not be read. Build it: rewrite-bench build.`, { cause });
  }
  const workerJob: LoadJob = { ...job, engine: 'native', threads: workers.cpus };
  const jobGz = bundleJob(nativeJobText(workerJob));
  const tooLarge = bundleTooLarge(engineGz.length, jobGz.length);
  if (tooLarge !== undefined) throw new ConfigError(tooLarge);
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig(workers);
  } catch (cause) {
    throw new InfrastructureError(`Cannot read the kubeconfig${workers.kubeconfig === undefined ? ' (KUBECONFIG, ~/.kube/config or the in-cluster service account)' : ` ${workers.kubeconfig}`}: ${(cause as Error).message}. Set \`load.workers.kubernetes.kubeconfig\` or KUBECONFIG.`, { cause });
  }
  const name = jobName(runId, suffix());
  return runOnWorkers(
    () =>
      launchKubernetesWorkers({
        kubeConfig,
        workers,
        name,
        runId,
        engineGz: engineGz!,
        jobGz,
        arch: kubernetesArch(process.arch),
        runSeconds: job.warmupSeconds + job.durationSeconds + job.timeoutMs / 1000 + 30,
      }),
    workerJob,
    { workers: workers.parallelism, readyTimeoutMs: workers.readyTimeoutSeconds * 1000, description: `${workers.parallelism} Kubernetes workers × ${workers.cpus} CPU(s), Indexed Job ${name} in namespace ${workers.namespace}` },
  );
}
