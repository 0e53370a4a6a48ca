/**
 * Numbering of sequenced requests (`{{seq}}`) across the jobs of one service start. A service
 * keeps its database from one load point to the next (it is started once per repetition), so the
 * numbers of a later job must not repeat an earlier job's: each job starts past every number the
 * jobs before it can have used. Pure.
 *
 * The engines number per send: thread `i` of `T` takes `start + i, start + i + T, …`, so the
 * highest number a job uses is below `start + T × (the most sends of one thread)`. An open loop
 * sends at most its planned sends (the warm-up ramp only drops some); with Poisson arrivals a
 * thread's count is Poisson with mean λ = rate × seconds ÷ T, and λ + 10√λ + 10 (ten standard
 * deviations) is below 1.5 λ + 100 for every λ ≥ 0, which is the span used.
 */
import type { LoadJob } from './job.js';

/**
 * Numbers a closed loop is given: its sends are not bounded in advance (the service sets the
 * pace). A closed-loop scenario has one job per service start, so this only keeps a later job, if
 * there ever is one, out of its range.
 */
export const CLOSED_LOOP_SPAN = 1_000_000_000_000;

/** How many sequence numbers `job` may use: an upper bound (see the module comment). */
export function sequenceSpan(job: Pick<LoadJob, 'model' | 'ratePerSecond' | 'warmupSeconds' | 'durationSeconds' | 'threads'>): number {
  if (job.model === 'closed' || job.ratePerSecond === undefined) return CLOSED_LOOP_SPAN;
  return Math.ceil(1.5 * job.ratePerSecond * (job.warmupSeconds + job.durationSeconds)) + 100 * Math.max(1, job.threads);
}

/** The start of the job after `job` against the same service start. */
export function nextSequenceStart(job: Pick<LoadJob, 'model' | 'ratePerSecond' | 'warmupSeconds' | 'durationSeconds' | 'threads' | 'sequenceStart'>): number {
  return (job.sequenceStart ?? 1) + sequenceSpan(job);
}
