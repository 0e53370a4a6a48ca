/**
 * One load job run by W workers: launch them (Kubernetes pods, or local processes), coordinate
 * the start, judge every worker, merge what they measured, remove everything they left — also on
 * Ctrl-C. What measure.ts calls instead of one local engine when a scenario has `load.workers`.
 * I/O.
 */
import { InfrastructureError } from '../../errors.js';
import { onInterrupt } from '../../process/registry.js';
import type { Finding } from '../../results/validity.js';
import type { WorkerRecord, WorkersRecord } from '../../results/document.js';
import type { LoadJob } from '../job.js';
import type { LoadOutcome } from '../outcome.js';
import { coordinateWorkers, type CoordinatedRun } from './coordinate.js';
import type { WorkerLauncher } from './endpoint.js';
import { mergeWorkerOutcomes, placeWorkerWindow } from './merge.js';
import { describeWorker, judgeWorkers, WORKER_RULES, type WorkersVerdict } from './validity.js';

/** A run made by several workers. */
export interface WorkersRun {
  /** The workers' outcomes merged (load/workers/merge.ts). */
  readonly outcome: LoadOutcome;
  /** The window all workers measured at once, on the harness's clock (epoch ms). */
  readonly windowEpochMs: { readonly start: number; readonly end: number };
  readonly record: WorkersRecord;
  /** Findings to add to the merged run's validity. */
  readonly reasons: readonly Finding[];
  readonly warnings: readonly Finding[];
}

/** The record of each worker and of the split. */
export function workersRecord(launcher: Pick<WorkerLauncher, 'platform' | 'namespace' | 'jobName'>, run: CoordinatedRun, verdict: WorkersVerdict, threadsPerWorker: number): WorkersRecord {
  const skewText = verdict.reasons.filter((finding) => finding.code === 'worker-skew').map((finding) => finding.text);
  const workers: WorkerRecord[] = run.workers.map((worker, position) => {
    const judged = verdict.workers[position]!;
    return {
      index: worker.index,
      name: worker.name,
      node: worker.node,
      state: worker.state,
      valid: judged.valid,
      clockOffsetMs: worker.clock?.offsetMs,
      clockUncertaintyMs: worker.clock?.uncertaintyMs,
      startLatenessMs: worker.startLatenessMs,
      startDeviationMs: judged.startDeviationMs,
      plannedInWindow: worker.outcome?.plannedInWindow,
      expectedPlannedInWindow: judged.expectedPlannedInWindow,
      achievedRps: worker.outcome?.achievedRps,
      sendLagP90Us: worker.outcome?.sendLagP90Us,
      sendLagP99Us: worker.outcome?.sendLagP99Us,
      connectionWaits: worker.outcome?.connectionWaits,
      problems: [...judged.reasons.map((finding) => finding.text), ...(judged.valid || judged.reasons.length > 0 ? [] : skewText)],
    };
  });
  return {
    platform: launcher.platform,
    namespace: launcher.namespace,
    job: launcher.jobName,
    count: run.workers.length,
    threadsPerWorker,
    startAtEpochMs: run.startAtEpochMs,
    readyMs: run.readyMs,
    maxStartSkewMs: WORKER_RULES.maxStartSkewMs,
    startSpreadMs: verdict.startSpreadMs,
    workers,
  };
}

/**
 * Runs `job` on W workers from `launch`. Worker failures are findings of the run (it comes out
 * invalid, naming them); only a run where no worker measured anything throws.
 * @param job the whole job: the whole rate and connections, `threads` per worker
 * @throws InfrastructureError when no worker produced an outcome, naming each worker's problem
 */
export async function runOnWorkers(launch: () => WorkerLauncher, job: LoadJob, options: { readonly workers: number; readonly readyTimeoutMs: number; readonly description: string }): Promise<WorkersRun> {
  const launcher = launch();
  const removeHook = onInterrupt(() => launcher.cleanup());
  let run: CoordinatedRun;
  try {
    run = await coordinateWorkers(launcher, { readyTimeoutMs: options.readyTimeoutMs, runTimeoutMs: (job.warmupSeconds + job.durationSeconds) * 1000 + job.timeoutMs + 30_000 });
  } finally {
    await launcher.cleanup();
    removeHook();
  }
  const verdict = judgeWorkers(run.workers, {
    model: job.model,
    ratePerSecond: job.ratePerSecond,
    arrival: job.arrival ?? 'constant',
    warmupSeconds: job.warmupSeconds,
    durationSeconds: job.durationSeconds,
    threads: job.threads,
    workers: options.workers,
  });
  const done = run.workers.filter((worker) => worker.state === 'done' && worker.outcome !== undefined);
  if (done.length === 0) {
    throw new InfrastructureError(`No load worker of ${options.workers} measured anything:\n${run.workers.map((worker) => `- ${describeWorker(worker)}: ${worker.problem ?? 'no outcome'}`).join('\n')}`);
  }
  const placed = done.map((worker) => ({
    outcome: worker.outcome!,
    windowEpochMs: placeWorkerWindow({ startAtEpochMs: run.startAtEpochMs, startLatenessMs: worker.startLatenessMs, clockOffsetMs: worker.clock?.offsetMs, warmupSeconds: job.warmupSeconds, windowSeconds: worker.outcome!.windowSeconds }),
  }));
  const merged = mergeWorkerOutcomes(placed, job.model === 'open' ? job.ratePerSecond : undefined, options.description);
  return { outcome: merged.outcome, windowEpochMs: merged.commonWindowEpochMs, record: workersRecord(launcher, run, verdict, job.threads), reasons: verdict.reasons, warnings: verdict.warnings };
}
