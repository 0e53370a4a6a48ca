/**
 * The gate's stopping plan, fixed before anything is measured: looks after a growing number of
 * paired rounds (runs per side), and when an interim look may stop a row with a pass
 * (futility). Pure.
 *
 * Why it stays at α: every row is a sequential test on the shared engine (stats/): one nominal
 * level at every look, and its sequential p-value G(min p) — the chance under the null of a p
 * that small at ANY look, computed exactly (the sign walk; the signed-rank masks up to 20
 * rounds) or by a seeded simulation beyond. Holm over the rows' sequential p-values keeps the
 * whole gate at α for a change of exactly the limit, and spends all of it: no union bound over
 * looks that wastes what the early looks do not use. Stopping early for a pass only removes
 * chances to flag.
 *
 * The default: 5, 10, then 20 rounds; an interim look tests at half the last look's nominal level
 * and passes a row whose p is above 0.6 (first) or 0.5 (later): most comparisons are unchanged
 * candidates, and they stop at the first look. The half level is a tilt towards the last look
 * (simulated with round effects, harness/bench/gate-model.ts): +20 % is found within 20 rounds in
 * 91 % instead of 87 % with one level at every look, +30 % after 10.9 rounds instead of 10.2.
 */
import type { PairedTestKind } from '../stats/sequential-null.js';

export interface GateStage {
  /** Rounds (runs per side) measured by the end of this stage (cumulative: 5, 10, 20). */
  readonly runsPerSide: number;
  /** Interim looks: a row whose p exceeds this passes without more runs. undefined at the last look. */
  readonly futilityP: number | undefined;
  /** This look's nominal level relative to the last look's (1 there; in (0, 1]). */
  readonly weight: number;
}

export interface GatePlan {
  /** Largest tolerated worsening, e.g. 0.1 for 10 %: the test asks whether the candidate ÷ (1 + this) is still worse. */
  readonly maxRegression: number;
  /** Family-wise false-alarm rate at exactly the limit, over all looks and all rows of a gate. */
  readonly alpha: number;
  readonly stages: readonly GateStage[];
}

/** The metrics compared without --metric: the service's own time and its tail (README, "CI gate"). */
export const DEFAULT_METRICS: readonly string[] = ['p50', 'p99'];

/** Runs per side of the default plan's looks. */
export const DEFAULT_STAGE_RUNS: readonly number[] = [5, 10, 20];
/** Futility at the first interim look, and at later ones (more rounds make a large p more telling). */
const FIRST_FUTILITY_P = 0.6;
const LATER_FUTILITY_P = 0.5;
/** An interim look's nominal level relative to the last look's. */
const INTERIM_WEIGHT = 0.5;

/** Metrics whose rows use the sign test: tail percentiles, whose per-round ratios one-off spikes skew (no symmetry assumed). */
export const GATE_SIGN_TEST_METRICS: ReadonlySet<string> = new Set(['p99', 'p999', 'max']);

/** The test a metric's row uses, pre-specified by its name. */
export function gateTestFor(metric: string): PairedTestKind {
  return GATE_SIGN_TEST_METRICS.has(metric) ? 'sign' : 'signed-rank';
}

/**
 * A plan from runs per side at each look; interim looks at half the last look's level, futility
 * p > 0.6 at the first interim look, 0.5 at later ones. Not validated: see `checkPlan`.
 */
export function planWithStages(runsPerSide: readonly number[], maxRegression = 0.1, alpha = 0.05): GatePlan {
  const stages = runsPerSide.map((runs, index): GateStage => {
    const isLast = index === runsPerSide.length - 1;
    return { runsPerSide: runs, futilityP: isLast ? undefined : index === 0 ? FIRST_FUTILITY_P : LATER_FUTILITY_P, weight: isLast ? 1 : INTERIM_WEIGHT };
  });
  return { maxRegression, alpha, stages };
}

/**
 * The plan's looks as a sequential design of one test (rows.ts), with the rounds each look
 * reached (by stage; undefined: not taken yet) in place of the planned ones.
 */
export function planDesign(plan: GatePlan, test: PairedTestKind, reached: ReadonlyArray<number | undefined> = []): { test: PairedTestKind; looks: number[]; weights: number[] } {
  const looks: number[] = [];
  const weights: number[] = [];
  plan.stages.forEach((stage, index) => {
    const n = reached[index] ?? stage.runsPerSide;
    // A look whose rounds did not grow sees the same data again: it adds nothing.
    if (n <= (looks.at(-1) ?? 0)) return;
    looks.push(n);
    weights.push(stage.weight);
  });
  return { test, looks, weights };
}

/** The default plan: looks at 5, 10 and 20 runs a side; α 0.05; limit +10 %. */
export const DEFAULT_PLAN: GatePlan = planWithStages(DEFAULT_STAGE_RUNS);

/** The smallest exact one-sided p of n rounds, for the sign and signed-rank tests alike: 2⁻ⁿ. */
export function smallestP(rounds: number): number {
  return 2 ** -rounds;
}

/**
 * Problems with a plan, as sentences (empty when it is usable): runs increasing positive
 * integers, futility only at interim looks and above α, and a last look that can reject at all.
 */
export function checkPlan(plan: GatePlan): string[] {
  const problems: string[] = [];
  const { stages } = plan;
  if (stages.length === 0) problems.push('a plan needs at least one look');
  if (!(plan.alpha > 0 && plan.alpha < 1)) problems.push(`α must be between 0 and 1, got ${plan.alpha}`);
  if (!(plan.maxRegression >= 0 && Number.isFinite(plan.maxRegression))) problems.push(`the limit must be a non-negative number, got ${plan.maxRegression}`);
  stages.forEach((stage, index) => {
    const previous = index === 0 ? 0 : stages[index - 1]!.runsPerSide;
    if (!Number.isInteger(stage.runsPerSide) || stage.runsPerSide <= previous) problems.push(`look ${index + 1}: runs per side must be an integer above ${previous}, got ${stage.runsPerSide}`);
    const isLast = index === stages.length - 1;
    if (isLast && stage.futilityP !== undefined) problems.push('the last look stops anyway: it takes no futility threshold');
    if (!(stage.weight > 0 && stage.weight <= 1)) problems.push(`look ${index + 1}: the relative level must be in (0, 1], got ${stage.weight}`);
    // A futility pass must never be a row that Holm could still reject: its sequential p is at least its p.
    if (!isLast && (stage.futilityP === undefined || !(stage.futilityP > plan.alpha && stage.futilityP <= 1))) problems.push(`look ${index + 1}: the futility threshold must be in (α, 1], got ${stage.futilityP}`);
  });
  const last = stages.at(-1);
  if (last !== undefined && Number.isInteger(last.runsPerSide) && last.runsPerSide > 0 && smallestP(last.runsPerSide) > plan.alpha) {
    const fewest = Math.ceil(Math.log2(1 / plan.alpha));
    problems.push(`the last look cannot reject: with ${last.runsPerSide} rounds the smallest exact p is 2^-${last.runsPerSide} = ${smallestP(last.runsPerSide).toPrecision(2)}, above α = ${plan.alpha}; it needs at least ${fewest} runs a side`);
  }
  return problems;
}

const trim = (value: number): string => String(Number(value.toPrecision(3)));

/** "looks at 5, 10, 20 rounds (runs a side, paired); an earlier look passes a row when p > 0.6, 0.5; limit +10 % inside the test; α 0.05 over all looks and rows (Holm)". */
export function describePlan(plan: GatePlan): string {
  const { stages } = plan;
  const runs = stages.map((stage) => stage.runsPerSide).join(', ');
  const looks = stages.length === 1 ? `one look at ${runs} rounds (runs a side, paired)` : `looks at ${runs} rounds (runs a side, paired)`;
  const futility = stages.flatMap((stage) => (stage.futilityP === undefined ? [] : [trim(stage.futilityP)])).join(', ');
  const tilt = stages.length > 1 && stages.slice(0, -1).every((stage) => stage.weight === INTERIM_WEIGHT) ? '; earlier looks test at half the last look\'s level' : '';
  return `${looks}${tilt}${futility === '' ? '' : `; an earlier look passes a row when p > ${futility}`}; limit +${trim(plan.maxRegression * 100)} % inside the test; α ${trim(plan.alpha)} over all looks and rows (exact sequential levels, Holm over the rows)`;
}
