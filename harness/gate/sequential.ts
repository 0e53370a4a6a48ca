/**
 * The sequential gate: applies a stopping plan (plan.ts) to a family of rows (every metric of
 * every scenario point the gate compares), look by look, and says for each row whether it
 * regressed, passed, is borderline, or needs the plan's next stage. Pure.
 *
 * At look k a row's data are its runs with repetition ≤ the stage's runs per side (all runs at
 * the last look), so a results file is judged exactly as the in-job gate would have judged it
 * while measuring. Each look's p is exact (decide.ts, the limit inside the test).
 *
 * Multiplicity: Holm–Bonferroni over the rows (Holm 1979) on each row's sequential p-value
 * q = min over its looks of p(k) ÷ share(k). q is a valid p-value whatever the looks' correlation
 * (P(q < x) ≤ Σ P(p(k) < x·share(k)) ≤ x), so Holm on the q's keeps the family's false-alarm
 * rate at α: a gate over 3 load points × 2 metrics, each at α on its own, would flag up to
 * 1 − 0.95⁶ = 26 % of unchanged candidates. Holm rather than a plain α ÷ rows split: it is
 * never less powerful, and it holds under any dependence (rows of one point share their runs).
 * Because q only falls as looks are added, a row Holm rejects at a look stays rejected; rows
 * that pass early have q above α (checkPlan guarantees futility thresholds above α × share), so
 * no later step could have rejected them. Rows with too few valid runs still count in the
 * family (conservative).
 */
import { checkPlan, lookAlpha, type GatePlan } from './plan.js';
import { compareLook, formatChange, type LookEvidence } from './decide.js';

/** A per-run value with the repetition it came from. */
export interface RunValue {
  readonly repetition: number;
  readonly value: number;
}

/** One row of the family: one metric at one point, both sides. */
export interface PlanRow {
  /** Values the test may use (valid runs; failed requests over all runs). */
  readonly baseline: readonly RunValue[];
  readonly candidate: readonly RunValue[];
  /** Repetitions measured on both sides (the smaller highest repetition, valid or not): how far the data reaches. */
  readonly reach: number;
  readonly lowerIsBetter: boolean;
}

/** What one look at a row saw. */
export interface LookResult {
  /** 1-based. */
  readonly stage: number;
  /** The data ended inside this stage: fewer runs than it plans. */
  readonly isPartial: boolean;
  /** undefined: too few valid values for a look (fewer than the plan's first stage). */
  readonly evidence: LookEvidence | undefined;
}

export type PlanState = 'regression' | 'pass' | 'borderline' | 'undecided' | 'insufficient';

export interface PlanResult {
  readonly state: PlanState;
  /** The look that decided, or the last look the data reached; undefined when it reached none. */
  readonly stage: number | undefined;
  readonly looks: readonly LookResult[];
  /** Evidence of the deciding (or last) look with values. */
  readonly evidence: LookEvidence | undefined;
  /** Sequential p-value min p(k) ÷ share(k); undefined before any look with values. */
  readonly q: number | undefined;
  /** The row's state would change with more runs: undecided, or too few valid runs, before the plan's last look. */
  readonly awaitsMoreRuns: boolean;
  readonly reason: string;
}

/** Holm–Bonferroni: which of the p-values (undefined: not tested) are rejected at family level α, and the level each faced. */
export function holm(pValues: ReadonlyArray<number | undefined>, alpha: number): { rejected: boolean[]; levels: number[] } {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p: p ?? Number.POSITIVE_INFINITY, index })).sort((a, b) => a.p - b.p);
  const rejected = pValues.map(() => false);
  const levels = pValues.map(() => alpha / m);
  let stillRejecting = true;
  for (const [rank, { p, index }] of order.entries()) {
    levels[index] = alpha / (m - rank);
    if (stillRejecting && p < alpha / (m - rank)) rejected[index] = true;
    else stillRejecting = false;
  }
  return { rejected, levels };
}

/** A p-value as the gate prints it: "0.0040", "1.1e-5". */
export function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : p.toPrecision(2);
}
const precision = formatP;
const trim = (value: number): string => String(Number(value.toPrecision(2)));

/** The looks a row's data reach, with their values. */
function looksOf(row: PlanRow, plan: GatePlan): LookResult[] {
  const { stages } = plan;
  const minRuns = stages[0]!.runsPerSide;
  const looks: LookResult[] = [];
  for (const [index, stage] of stages.entries()) {
    const previous = index === 0 ? 0 : stages[index - 1]!.runsPerSide;
    if (index > 0 && row.reach <= previous) break;
    const limit = index === stages.length - 1 ? Number.POSITIVE_INFINITY : stage.runsPerSide;
    const baseline = row.baseline.filter((entry) => entry.repetition <= limit).map((entry) => entry.value);
    const candidate = row.candidate.filter((entry) => entry.repetition <= limit).map((entry) => entry.value);
    const enough = baseline.length >= minRuns && candidate.length >= minRuns;
    looks.push({ stage: index + 1, isPartial: row.reach < stage.runsPerSide, evidence: enough ? compareLook(baseline, candidate, row.lowerIsBetter, plan.maxRegression) : undefined });
  }
  return looks;
}

interface Open {
  looks: LookResult[];
  q: number | undefined;
  /** Index of the look whose p gave q. */
  qLook: number | undefined;
  state: PlanState | undefined;
  stage: number | undefined;
  reason: string;
}

/**
 * Applies the plan to a family of rows.
 * @throws Error when the plan is not usable (callers validate it first: checkPlan)
 */
export function evaluatePlan(rows: readonly PlanRow[], plan: GatePlan): PlanResult[] {
  const problems = checkPlan(plan);
  if (problems.length > 0) throw new Error(`unusable gate plan: ${problems.join('; ')}`);
  const { stages, maxRegression } = plan;
  const last = stages.length - 1;
  const limit = formatChange(1 + maxRegression);
  const states: Open[] = rows.map((row) => ({ looks: looksOf(row, plan), q: undefined, qLook: undefined, state: undefined, stage: undefined, reason: '' }));
  const runsText = (evidence: LookEvidence): string => `${evidence.baselineRuns} / ${evidence.candidateRuns} runs`;
  for (let index = 0; index <= last; index += 1) {
    const share = stages[index]!.alphaShare;
    for (const state of states) {
      const evidence = state.looks[index]?.evidence;
      if (state.state !== undefined || evidence === undefined) continue;
      const q = evidence.p / share;
      if (state.q === undefined || q < state.q) {
        state.q = q;
        state.qLook = index;
      }
    }
    const { rejected, levels } = holm(
      states.map((state) => state.q),
      plan.alpha,
    );
    for (const [rowIndex, state] of states.entries()) {
      if (state.state !== undefined) continue;
      const look = state.looks[index];
      if (rejected[rowIndex]!) {
        const from = state.looks[state.qLook!]!.evidence!;
        const threshold = (levels[rowIndex]! / plan.alpha) * lookAlpha(plan, state.qLook!);
        state.state = 'regression';
        state.stage = index + 1;
        state.reason = `${formatChange(from.worseRatio.value)} worse (limit ${limit}, inside the test), Mann-Whitney p = ${precision(from.p)} < ${trim(threshold)} at look ${state.qLook! + 1} of ${stages.length} (${runsText(from)})`;
        continue;
      }
      const evidence = look?.evidence;
      if (look === undefined || evidence === undefined) continue;
      const futility = stages[index]!.futilityP;
      if (index < last && futility !== undefined && evidence.p > futility) {
        state.state = 'pass';
        state.stage = index + 1;
        state.reason = `${formatChange(evidence.worseRatio.value)} (limit ${limit}), p = ${precision(evidence.p)} > ${futility}: no sign of a regression beyond the limit at look ${index + 1} of ${stages.length} (${runsText(evidence)}), no more runs needed`;
      } else if (index === last && !look.isPartial) {
        const threshold = (levels[rowIndex]! / plan.alpha) * lookAlpha(plan, index);
        const beyond = evidence.worseRatio.value > 1 + maxRegression;
        const alone = state.q! < plan.alpha;
        state.stage = index + 1;
        state.state = beyond || alone ? 'borderline' : 'pass';
        const why = alone ? `significant on its own (q = ${precision(state.q!)} < α ${plan.alpha}) but not after Holm over ${rows.length} rows` : beyond ? 'the median is beyond the limit but not significantly' : 'not significant';
        state.reason = `${formatChange(evidence.worseRatio.value)} (limit ${limit}), p = ${precision(evidence.p)}, not below ${trim(threshold)} at the last look (${runsText(evidence)}): ${why}${beyond || alone ? '; more runs would tell' : ''}`;
      }
    }
  }
  return states.map((state, rowIndex): PlanResult => {
    const withValues = state.looks.filter((look) => look.evidence !== undefined);
    const lastLook = state.looks.at(-1);
    if (state.state !== undefined) {
      const deciding = state.looks[state.stage! - 1];
      const evidence = deciding?.evidence ?? withValues.at(-1)?.evidence;
      return { state: state.state, stage: state.stage, looks: state.looks, evidence, q: state.q, awaitsMoreRuns: false, reason: state.reason };
    }
    const row = rows[rowIndex]!;
    const sides = `${row.baseline.length} / ${row.candidate.length} valid runs`;
    const reachedEnd = lastLook !== undefined && lastLook.stage === stages.length && !lastLook.isPartial;
    const next = stages[lastLook?.stage ?? 0];
    const evidence = withValues.at(-1)?.evidence;
    if (withValues.length === 0) {
      const reason = `${sides}; a look needs at least ${stages[0]!.runsPerSide} valid runs a side`;
      return { state: 'insufficient', stage: lastLook?.stage, looks: state.looks, evidence, q: state.q, awaitsMoreRuns: !reachedEnd, reason };
    }
    const where = lastLook!.isPartial ? `undecided: the data end inside stage ${lastLook!.stage} of ${stages.length} (${row.reach} of its ${stages[lastLook!.stage - 1]!.runsPerSide} runs a side)` : `undecided after look ${lastLook!.stage} of ${stages.length}`;
    const needed = next === undefined ? `the plan's last look needs ${stages[last]!.runsPerSide} runs a side` : `the plan's next look needs ${next.runsPerSide} runs a side`;
    const reason = `${formatChange(evidence!.worseRatio.value)} (limit ${limit}), p = ${precision(evidence!.p)}: ${where}; ${needed}`;
    return { state: 'undecided', stage: lastLook!.stage, looks: state.looks, evidence, q: state.q, awaitsMoreRuns: !reachedEnd, reason };
  });
}

/**
 * The plan applied to one row of per-run values, in the order they were measured (repetition 1, 2, …).
 * @param lowerIsBetter true for latency, CPU, memory, errors; false for throughput
 */
export function compareRuns(baseline: readonly number[], candidate: readonly number[], lowerIsBetter: boolean, plan: GatePlan): PlanResult {
  const numbered = (values: readonly number[]): RunValue[] => values.map((value, index) => ({ repetition: index + 1, value }));
  return evaluatePlan([{ baseline: numbered(baseline), candidate: numbered(candidate), reach: Math.min(baseline.length, candidate.length), lowerIsBetter }], plan)[0]!;
}
