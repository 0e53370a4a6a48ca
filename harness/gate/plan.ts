/**
 * The gate's stopping plan, fixed before anything is measured: looks after a growing number of
 * runs per side, the share of the family's α each look may spend, and when a look may stop for a
 * pass (futility). Pure.
 *
 * Why it stays at α: each look k rejects only when its exact p < α·share(k) (after Holm over
 * the rows, sequential.ts), and the shares sum to 1, so by the union bound the chance that *any*
 * look rejects a true "no worse than the limit" is at most Σ α·share(k) = α — whatever the
 * correlation between looks, the data's distribution, ties or how many looks the data reached.
 * Stopping early for a pass can only remove rejections. Peeking without such a split is what
 * inflates errors: p < 0.05 at both 5 and 10 a side flags about 7.5 % of A/A comparisons.
 *
 * The default, from simulations of lognormal runs (tests/unit/gate.test.ts) with the tolerance
 * inside the test: 5, 10, then 20 runs a side, spending 10 %, 20 % and 70 % of α. Most of α waits
 * for the last look because a +30 % change is only 1.18× beyond a +10 % limit: at per-run spread
 * 0.15 it takes about 15 runs a side to find at 90 %. Most comparisons are A/A-like and stop at
 * the first look (p > 0.6: the candidate ÷ 1.1 is not even tending to be slower).
 */

export interface GateStage {
  /** Runs per side measured by the end of this stage (cumulative: 5, 10, 20). */
  readonly runsPerSide: number;
  /** Share of the family's α this look may spend; the shares of a plan sum to 1. */
  readonly alphaShare: number;
  /** Interim looks: a row whose p exceeds this passes without more runs. undefined at the last look. */
  readonly futilityP: number | undefined;
}

export interface GatePlan {
  /** Largest tolerated worsening, e.g. 0.1 for 10 %: the test asks whether the candidate ÷ (1 + this) is still worse. */
  readonly maxRegression: number;
  /** Family-wise false-alarm rate at exactly the limit, over all looks and all rows of a gate. */
  readonly alpha: number;
  readonly stages: readonly GateStage[];
}

/** Runs per side of the default plan's looks. */
export const DEFAULT_STAGE_RUNS: readonly number[] = [5, 10, 20];
/** Share of α the last look gets when the stages are given as runs only; the earlier ones share the rest in proportion to their runs. */
const LAST_LOOK_SHARE = 0.7;
/**
 * Futility at the first look, and at later interim looks (more runs make a large p more telling).
 * Simulated at spread 0.15: 0.5 and 0.3 stop A/A comparisons sooner (6.1 runs a side on average,
 * not 6.7) but pass 6.5 % of +30 % changes early, against 3.5 % here (detection 89.6 % → 91.8 %).
 */
const FIRST_FUTILITY_P = 0.6;
const LATER_FUTILITY_P = 0.5;

/**
 * A plan from runs per side at each look: one look gets all of α; otherwise the last look 70 %
 * and the earlier ones 30 % in proportion to their runs (5, 10, 20 → 10 %, 20 %, 70 %).
 * Futility: p > 0.6 at the first look, p > 0.5 at later interim ones. Not validated: see `checkPlan`.
 */
export function planWithStages(runsPerSide: readonly number[], maxRegression = 0.1, alpha = 0.05): GatePlan {
  const earlier = runsPerSide.slice(0, -1);
  const earlierRuns = earlier.reduce((sum, runs) => sum + runs, 0);
  const stages = runsPerSide.map((runs, index): GateStage => {
    const isLast = index === runsPerSide.length - 1;
    // Rounded so that 5, 10, 20 gives 0.1, 0.2, 0.7 rather than 0.10000000000000002.
    const alphaShare = runsPerSide.length === 1 ? 1 : isLast ? LAST_LOOK_SHARE : Number((((1 - LAST_LOOK_SHARE) * runs) / earlierRuns).toPrecision(12));
    return { runsPerSide: runs, alphaShare, futilityP: isLast ? undefined : index === 0 ? FIRST_FUTILITY_P : LATER_FUTILITY_P };
  });
  return { maxRegression, alpha, stages };
}

/** The default plan: looks at 5, 10 and 20 runs a side; α 0.05 split 10 / 20 / 70 %; limit +10 %. */
export const DEFAULT_PLAN: GatePlan = planWithStages(DEFAULT_STAGE_RUNS);

/** C(2n, n): how many ways n of 2n runs can be the candidate's; 1 / C(2n, n) is the smallest exact p of n a side without ties. */
function centralBinomial(n: number): number {
  let value = 1;
  for (let i = 1; i <= n; i += 1) value = (value * (n + i)) / i;
  return value;
}

/** The smallest exact one-sided p with n runs a side (no ties): 1 / C(2n, n), e.g. 1/252 at 5. */
export function smallestP(runsPerSide: number): number {
  return 1 / centralBinomial(runsPerSide);
}

/**
 * Problems with a plan, as sentences (empty when it is usable): runs increasing positive
 * integers, shares positive summing to 1, futility only at interim looks and above what a
 * look can spend, and a last look that can reject at all.
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
    if (!(stage.alphaShare > 0)) problems.push(`look ${index + 1}: the share of α must be positive, got ${stage.alphaShare}`);
    const isLast = index === stages.length - 1;
    if (isLast && stage.futilityP !== undefined) problems.push('the last look stops anyway: it takes no futility threshold');
    // A futility pass must never be a row that a later Holm step could still reject (sequential.ts relies on it).
    if (!isLast && (stage.futilityP === undefined || !(stage.futilityP > plan.alpha * stage.alphaShare && stage.futilityP <= 1))) problems.push(`look ${index + 1}: the futility threshold must be in (α × share, 1], got ${stage.futilityP}`);
  });
  const shares = stages.reduce((sum, stage) => sum + stage.alphaShare, 0);
  if (stages.length > 0 && Math.abs(shares - 1) > 1e-9) problems.push(`the shares of α must sum to 1, got ${shares}`);
  const last = stages.at(-1);
  if (last !== undefined && Number.isInteger(last.runsPerSide) && last.runsPerSide > 0 && smallestP(last.runsPerSide) >= plan.alpha * last.alphaShare) {
    let fewest = last.runsPerSide;
    while (smallestP(fewest) >= plan.alpha * last.alphaShare) fewest += 1;
    problems.push(`the last look cannot reject: with ${last.runsPerSide} runs a side the smallest exact p is ${smallestP(last.runsPerSide).toPrecision(2)}, not below α × share = ${(plan.alpha * last.alphaShare).toPrecision(2)}; it needs at least ${fewest} runs a side`);
  }
  return problems;
}

/** α the look may spend before Holm: α × share. */
export function lookAlpha(plan: GatePlan, stageIndex: number): number {
  return plan.alpha * plan.stages[stageIndex]!.alphaShare;
}

const trim = (value: number): string => String(Number(value.toPrecision(3)));

/** "looks at 5, 10, 20 runs a side: p < 0.005, 0.01, 0.035 (α 0.05 split 10/20/70 %, Holm over the rows); an earlier look passes a row when p > 0.6, 0.5; limit +10 % inside the test". */
export function describePlan(plan: GatePlan): string {
  const { stages } = plan;
  const runs = stages.map((stage) => stage.runsPerSide).join(', ');
  if (stages.length === 1) return `one look at ${runs} runs a side: p < ${trim(plan.alpha)} (Holm over the rows); limit +${trim(plan.maxRegression * 100)} % inside the test`;
  const alphas = stages.map((_, index) => trim(lookAlpha(plan, index))).join(', ');
  const split = stages.map((stage) => trim(stage.alphaShare * 100)).join('/');
  const futility = stages.flatMap((stage) => (stage.futilityP === undefined ? [] : [trim(stage.futilityP)])).join(', ');
  return `looks at ${runs} runs a side: p < ${alphas} (α ${trim(plan.alpha)} split ${split} %, Holm over the rows); an earlier look passes a row when p > ${futility}; limit +${trim(plan.maxRegression * 100)} % inside the test`;
}
