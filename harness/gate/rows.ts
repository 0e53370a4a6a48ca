/**
 * The gate's rows for one scenario point, as the stopping plan sees them: the two sides' runs
 * paired by round (repetition), each row able to look at the rounds up to a stage and to turn its
 * smallest p so far into a sequential p-value (the chance under the null of a p that small at
 * any planned look). Pure.
 */
import type { RunRecord } from '../results/document.js';
import { countsForVerdicts } from '../results/validity.js';
import { nominalLevel, sequentialP } from '../stats/sequential-design.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { countFailures } from '../load/outcome.js';
import { lookAtFailures, lookAtMetric, lookAtSaturation, type LookEvidence } from './decide.js';
import { gateTestFor, planDesign, type GatePlan } from './plan.js';

/** One row of the family, as the plan applies it. */
export interface PlanRow {
  /** The evidence of the rounds with repetition ≤ `through` (Infinity: all); undefined without a usable round. */
  readonly look: (through: number) => LookEvidence | undefined;
  /**
   * The sequential p-value of a row whose looks so far gave, by stage, the p-values `pByLook`
   * from `reached` rounds each (undefined: a look without a usable round; the plan's later looks
   * count too).
   */
  readonly sequentialP: (pByLook: ReadonlyArray<number | undefined>, reached: ReadonlyArray<number | undefined>) => number;
  /** Repetitions measured on both sides (the smaller highest repetition): how far the data reach. */
  readonly reach: number;
}

/** A round measured on both sides. */
export interface RoundPair {
  readonly repetition: number;
  readonly baseline: RunRecord;
  readonly candidate: RunRecord;
}

/** The runs of one point paired by repetition (rounds one side lacks are left out). */
export function pairRounds(baseline: readonly RunRecord[], candidate: readonly RunRecord[]): RoundPair[] {
  const pairs: RoundPair[] = [];
  for (const run of candidate) {
    if (pairs.some((pair) => pair.repetition === run.repetition)) continue;
    const other = baseline.find((entry) => entry.repetition === run.repetition);
    if (other !== undefined) pairs.push({ repetition: run.repetition, baseline: other, candidate: run });
  }
  return pairs.sort((a, b) => a.repetition - b.repetition);
}

/** min over the looks taken of p ÷ the look's relative level (1 when none). */
function scaledMinimum(pByLook: ReadonlyArray<number | undefined>, plan: GatePlan): number {
  let minimum = 1;
  pByLook.forEach((p, stage) => {
    if (p !== undefined) minimum = Math.min(minimum, p / plan.stages[stage]!.weight);
  });
  return minimum;
}

const highestRepetition = (runs: readonly RunRecord[]): number => runs.reduce((highest, run) => Math.max(highest, run.repetition), 0);

/** How far both sides were measured. */
export function reachOf(baseline: readonly RunRecord[], candidate: readonly RunRecord[]): number {
  return Math.min(highestRepetition(baseline), highestRepetition(candidate));
}


/** A metric's row: paired log ratios, the limit inside the test, runs that do not count ranked worst. */
export function metricRow(metric: string, pairs: readonly RoundPair[], reach: number, plan: GatePlan): PlanRow {
  const definition = RUN_METRICS[metric]!;
  const test = gateTestFor(metric);
  const value = (run: RunRecord): number | undefined => {
    if (!countsForVerdicts(run.validity)) return undefined;
    const read = definition.read(run);
    return read !== undefined && Number.isFinite(read) && read > 0 ? read : undefined;
  };
  // The interval's ends at the level one row of this test would face at the last look.
  const level = nominalLevel(planDesign(plan, test), plan.alpha).gamma;
  return {
    reach,
    look: (through) => lookAtMetric(pairs.filter((pair) => pair.repetition <= through).map((pair) => ({ baseline: value(pair.baseline), candidate: value(pair.candidate) })), test, definition.lowerIsBetter, plan.maxRegression, level),
    sequentialP: (pByLook, reached) => sequentialP(planDesign(plan, test, reached), scaledMinimum(pByLook, plan)),
  };
}

const requestsOf = (run: RunRecord): number => run.load.counts.responses + run.load.counts.errors + run.load.counts.timeouts + run.load.counts.dropped;

/**
 * Failed requests over all runs (valid or not) of both sides. Its looks are not exchangeable
 * sign walks, so its sequential p-value is Bonferroni over the plan's looks at their relative
 * levels: Σ w × min (p_k ÷ w_k) (K × min p with equal levels).
 */
export function failuresRow(baseline: readonly RunRecord[], candidate: readonly RunRecord[], reach: number, plan: GatePlan): PlanRow {
  const sum = (runs: readonly RunRecord[], through: number): { failed: number; requests: number } => {
    const within = runs.filter((run) => run.repetition <= through);
    return { failed: within.reduce((total, run) => total + countFailures(run.load.counts), 0), requests: within.reduce((total, run) => total + requestsOf(run), 0) };
  };
  return {
    reach,
    look: (through) => {
      const rounds = Math.min(Math.min(through, reach), highestRepetition(candidate));
      if (!candidate.some((run) => run.repetition <= through) || !baseline.some((run) => run.repetition <= through)) return undefined;
      return lookAtFailures(sum(baseline, through), sum(candidate, through), rounds, plan.maxRegression);
    },
    sequentialP: (pByLook) => Math.min(1, plan.stages.reduce((sum, stage) => sum + stage.weight, 0) * scaledMinimum(pByLook, plan)),
  };
}

const isSaturated = (run: RunRecord): boolean => run.validity.reasons.some((reason) => reason.code === 'saturated');

/** Whether any run of either side could not sustain its offered rate. */
export function anySaturated(runs: readonly RunRecord[]): boolean {
  return runs.some(isSaturated);
}

/**
 * The sustained rate: McNemar's exact test on the rounds where only one side saturated. Its
 * sign walk advances only on discordant rounds, so its sequential p-value is the design that
 * looks after every step up to the plan's last look (it covers any looks the data take).
 */
export function saturationRow(pairs: readonly RoundPair[], reach: number, plan: GatePlan): PlanRow {
  // The last look takes every round there is (a file may hold more than the plan's last stage).
  const steps = Math.max(plan.stages.at(-1)!.runsPerSide, reach);
  const every = Array.from({ length: steps }, (_, index) => index + 1);
  return {
    reach,
    look: (through) => {
      const used = pairs.filter((pair) => pair.repetition <= through);
      return used.length === 0 ? undefined : lookAtSaturation(used.map((pair) => ({ baseline: isSaturated(pair.baseline), candidate: isSaturated(pair.candidate) })));
    },
    sequentialP: (pByLook) => sequentialP({ test: 'sign', looks: every }, Math.min(1, ...pByLook.filter((p): p is number => p !== undefined))),
  };
}
