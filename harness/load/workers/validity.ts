/**
 * Per-worker validity of a run made by several load workers. Before any histogram is added, each
 * worker must have run, kept its own schedule and planned exactly its share of it, and all must
 * have started within a stated skew of each other:
 *
 * - **ready and done**: a worker that never answered, or failed, makes the run invalid, named;
 * - **its share**: the sends it planned in the window equal its slice of the one global schedule
 *   (constant arrivals: exactly; Poisson: within 4.5 σ — load/workers/split.ts); a worker running
 *   the whole rate, or none, is caught here;
 * - **its schedule**: its p90 send lag at most 1 ms (the single engine's rule, run/validity.ts),
 *   and at most 1 % of its sends waited for a free connection — beyond that, when another worker
 *   against the same service stayed within it, or its answers were quick enough that its rate ×
 *   their mean hold needed under half its connections (Little's law), the worker fell behind (a
 *   starved engine queues its sends, whose lag is then not measured); else it ran out of
 *   connections;
 * - **its start**: its engine started the schedule at most 10 ms after the agreed instant by its
 *   own clock, and the workers' starts on the harness's clock (that instant + lateness − clock
 *   offset, each ± half its ping round trip) spread over at most 10 ms (loadgen-rs accepts
 *   < 10 ms). A spread beyond the limit by more than the clocks' uncertainty is invalid; one the
 *   uncertainty cannot rule out is a warning.
 *
 * Pure.
 */
import type { Finding, Concern } from '../../results/validity.js';
import { isPlannedShare } from './split.js';
import type { WorkerResult } from './result.js';

export const WORKER_RULES = {
  /** Workers' starts may spread over this much, and each engine may start this late by its own clock. */
  maxStartSkewMs: 10,
  maxSendLagP90Us: 1000,
  maxConnectionWaitShare: 0.01,
} as const;

/** The job facts the share check needs. */
export interface SplitJob {
  readonly model: 'open' | 'closed';
  readonly ratePerSecond: number | undefined;
  readonly arrival: 'constant' | 'poisson';
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Engine threads per worker. */
  readonly threads: number;
  readonly workers: number;
}

/** One worker judged. */
export interface WorkerVerdict {
  readonly index: number;
  readonly valid: boolean;
  /** Its sends planned in the window by the model (open loop). */
  readonly expectedPlannedInWindow: number | undefined;
  /** Its schedule's start on the harness's clock, ms after the agreed instant (± its clock uncertainty). */
  readonly startDeviationMs: number | undefined;
  readonly reasons: readonly Finding[];
}

/** The run's verdict over its workers: findings to add to the merged run's validity. */
export interface WorkersVerdict {
  readonly workers: readonly WorkerVerdict[];
  readonly reasons: readonly Finding[];
  readonly warnings: readonly Finding[];
  /** Latest minus earliest start on the harness's clock, ms (undefined with fewer than two started). */
  readonly startSpreadMs: number | undefined;
}

const EVERYTHING: readonly Concern[] = ['p50', 'p90', 'p99', 'p999', 'max', 'rps', 'cpuCores', 'cpuUsPerRequest'];
const LOAD: readonly Concern[] = ['p50', 'p90', 'p99', 'p999', 'max', 'rps'];

/** "worker 1 (pod rb-x-1-abcde on node n1)". */
export function describeWorker(worker: Pick<WorkerResult, 'index' | 'name' | 'node'>): string {
  const where = [worker.name, worker.node === undefined ? undefined : `on node ${worker.node}`].filter((part) => part !== undefined).join(' ');
  return `worker ${worker.index}${where === '' ? '' : ` (${where})`}`;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** A worker's sends that waited for a free connection, as a share of its planned sends (0 without any). */
function waitShare(worker: WorkerResult): number {
  const planned = worker.outcome?.plannedInWindow ?? 0;
  return planned > 0 ? (worker.outcome?.connectionWaits ?? 0) / planned : 0;
}

/**
 * @param othersKeptUp another worker against the same service stayed within the connection-wait
 *   limit: then this one's waits are its own lateness (a starved engine queues its sends), not the
 *   service holding every connection.
 */
function judgeOne(worker: WorkerResult, job: SplitJob, othersKeptUp: boolean): { reasons: Finding[]; expected: number | undefined } {
  const who = describeWorker(worker);
  if (worker.state === 'not-ready') {
    return {
      expected: undefined,
      reasons: [{ code: 'worker-not-ready', text: `${who} was not ready: ${worker.problem ?? 'no reason given'}; its share of the schedule was never sent`, next: 'see the pod\'s events (kubectl describe pod): the image pull, scheduling (each pod requests `cpus` CPUs), a quota; or raise `readyTimeoutSeconds`', concerns: EVERYTHING }],
    };
  }
  if (worker.state === 'failed' || worker.outcome === undefined) {
    return { expected: undefined, reasons: [{ code: 'worker-failed', text: `${who} failed: ${worker.problem ?? 'no outcome'}`, next: 'fix what the message names (the pod\'s log holds the rest); a run missing a worker\'s share is not measured', concerns: EVERYTHING }] };
  }
  const outcome = worker.outcome;
  const reasons: Finding[] = [];
  let expected: number | undefined;
  if (job.model === 'open' && job.ratePerSecond !== undefined && outcome.plannedInWindow !== undefined) {
    const share = isPlannedShare(outcome.plannedInWindow, { ratePerSecond: job.ratePerSecond, warmupSeconds: job.warmupSeconds, durationSeconds: job.durationSeconds, index: worker.index, workers: job.workers, threads: job.threads, arrival: job.arrival });
    expected = job.arrival === 'constant' ? share.expected : undefined;
    if (!share.ok) {
      reasons.push({
        code: 'worker-share',
        text: `${who} planned ${outcome.plannedInWindow} sends in the window; its share of the schedule is ${job.arrival === 'constant' ? `exactly ${share.expected}` : `about ${Math.round(share.expected)} (Poisson, within 4.5 σ)`}: it did not take its slice of the one schedule`,
        next: 'the workers must run an engine that splits the schedule (`worker` in the job): rebuild the engine (`rewrite-bench build`)',
        concerns: LOAD,
      });
    }
  }
  if (outcome.sendLagP90Us !== undefined && outcome.sendLagP90Us > WORKER_RULES.maxSendLagP90Us) {
    reasons.push({
      code: 'worker-behind',
      text: `${who} sent ${outcome.sendLagP90Us.toLocaleString('en-US')} µs late at p90 (limit ${WORKER_RULES.maxSendLagP90Us.toLocaleString('en-US')} µs): it did not keep its own schedule`,
      next: 'give each worker CPUs of its own (`cpus` per pod, one engine thread per CPU) and keep other work off its node; or more workers at the same total rate',
      concerns: LOAD,
    });
  }
  const planned = outcome.plannedInWindow ?? 0;
  const waits = outcome.connectionWaits ?? 0;
  if (planned > 0 && waits > WORKER_RULES.maxConnectionWaitShare * planned) {
    const waited = `${waits} of its ${planned} sends (${((waits / planned) * 100).toFixed(1)} %) waited for a free connection`;
    // Little's law: the connections its share needed are its rate × how long an answer held one.
    const holdUs = outcome.uncorrectedLatencyUs?.meanUs ?? outcome.latencyUs?.meanUs ?? 0;
    const neededConnections = ((outcome.offeredRps ?? (job.ratePerSecond ?? 0) / job.workers) * holdUs) / 1e6;
    const littleRoom = neededConnections < outcome.connections / 2;
    reasons.push(
      othersKeptUp || littleRoom
        ? {
            code: 'worker-behind',
            text: `${who}: ${waited}, ${othersKeptUp ? `while another worker against the same service stayed within ${WORKER_RULES.maxConnectionWaitShare * 100} %` : `though its answers held a connection ${holdUs.toLocaleString('en-US')} µs on average (rate × that ≈ ${neededConnections.toFixed(1)} of its ${outcome.connections} connections)`}: it fell behind its own schedule (its CPU, not the service)`,
            next: 'give each worker CPUs of its own (`cpus` per pod) and keep other work off its node',
            concerns: LOAD,
          }
        : { code: 'worker-connections', text: `${who}: ${waited}: it ran out of its share of the connections`, next: 'raise `load.connections` (they are split across the workers and their threads)', concerns: LOAD },
    );
  }
  if (worker.startLatenessMs !== undefined && worker.startLatenessMs > WORKER_RULES.maxStartSkewMs) {
    reasons.push({
      code: 'worker-late-start',
      text: `${who} started its schedule ${ms(worker.startLatenessMs)} after the agreed instant by its own clock (limit ${WORKER_RULES.maxStartSkewMs} ms)`,
      next: 'the start instant reached it late or its engine started slowly: check the node, or give the pods more `cpus`',
      concerns: LOAD,
    });
  }
  return { reasons, expected };
}

/** Where a started worker's schedule began on the harness's clock, relative to the agreed instant, with its uncertainty. */
function startOnHarnessClock(worker: WorkerResult): { deviationMs: number; uncertaintyMs: number } | undefined {
  if (worker.state !== 'done' || worker.clock === undefined || worker.startLatenessMs === undefined) return undefined;
  return { deviationMs: worker.startLatenessMs - worker.clock.offsetMs, uncertaintyMs: worker.clock.uncertaintyMs };
}

/** Judges every worker and their start spread. */
export function judgeWorkers(workers: readonly WorkerResult[], job: SplitJob): WorkersVerdict {
  const keptUp = workers.filter((worker) => worker.state === 'done' && (worker.outcome?.plannedInWindow ?? 0) > 0 && waitShare(worker) <= WORKER_RULES.maxConnectionWaitShare);
  const judged = workers.map((worker) => ({ worker, ...judgeOne(worker, job, keptUp.some((other) => other !== worker)), start: startOnHarnessClock(worker) }));
  const reasons: Finding[] = judged.flatMap((entry) => entry.reasons);
  const warnings: Finding[] = [];
  const started = judged.filter((entry): entry is typeof entry & { start: NonNullable<typeof entry.start> } => entry.start !== undefined);
  let startSpreadMs: number | undefined;
  const skewed = new Set<number>();
  if (started.length >= 2) {
    const earliest = started.reduce((best, entry) => (entry.start.deviationMs < best.start.deviationMs ? entry : best));
    const latest = started.reduce((best, entry) => (entry.start.deviationMs > best.start.deviationMs ? entry : best));
    startSpreadMs = latest.start.deviationMs - earliest.start.deviationMs;
    const uncertaintyMs = latest.start.uncertaintyMs + earliest.start.uncertaintyMs;
    // Surely later than the earliest possible start by more than the limit.
    const earliestPossible = Math.min(...started.map((entry) => entry.start.deviationMs + entry.start.uncertaintyMs));
    for (const entry of started) if (entry.start.deviationMs - entry.start.uncertaintyMs > earliestPossible + WORKER_RULES.maxStartSkewMs) skewed.add(entry.worker.index);
    if (skewed.size > 0) {
      const named = started.filter((entry) => skewed.has(entry.worker.index)).map((entry) => `${describeWorker(entry.worker)} ${ms(entry.start.deviationMs - earliest.start.deviationMs)} after ${describeWorker(earliest.worker)}`);
      reasons.push({
        code: 'worker-skew',
        text: `the workers did not start together: ${named.join('; ')} on the harness's clock (each start is the agreed instant + the engine's lateness − its clock offset, ± ${ms(uncertaintyMs)} together; limit ${WORKER_RULES.maxStartSkewMs} ms)`,
        next: 'synchronise the nodes\' clocks (NTP, chrony): each worker starts at the agreed instant by its own clock',
        concerns: LOAD,
      });
    } else if (startSpreadMs + uncertaintyMs > WORKER_RULES.maxStartSkewMs) {
      warnings.push({
        code: 'worker-skew',
        text: `the workers' starts spread over ${ms(startSpreadMs)} ± ${ms(uncertaintyMs)} on the harness's clock: within ${WORKER_RULES.maxStartSkewMs} ms cannot be confirmed (the clock pings' round trips are too long)`,
        next: 'run the harness closer to the cluster (its pings go through the API server), or check the nodes\' clock synchronisation',
        concerns: LOAD,
      });
    }
  }
  const verdicts: WorkerVerdict[] = judged.map((entry) => ({
    index: entry.worker.index,
    valid: entry.reasons.length === 0 && !skewed.has(entry.worker.index),
    expectedPlannedInWindow: entry.expected,
    startDeviationMs: entry.start?.deviationMs,
    reasons: entry.reasons,
  }));
  return { workers: verdicts, reasons, warnings, startSpreadMs };
}
