/**
 * The sequential gate: applies a stopping plan (plan.ts) to a family of rows (every metric of
 * every scenario point the gate compares, and failed requests and the sustained rate where they
 * occurred), look by look, and says for each row whether it regressed, passed, is borderline,
 * or needs the plan's next stage. Pure.
 *
 * At look k a row's data are its rounds with repetition ≤ the stage's runs per side (all rounds at
 * the last look), so a results file is judged exactly as the in-job gate would have judged it
 * while measuring. Each look's p is exact (decide.ts, the limit inside the test); a row's
 * sequential p-value q = G(min over its looks of p) is the chance under the null of a p that
 * small at any planned look (rows.ts), so P(q ≤ x) ≤ x.
 *
 * Multiplicity: Holm–Bonferroni over the rows' q (Holm 1979), which holds under any dependence
 * (rows of one point share their rounds) and keeps the whole gate at α for a change of exactly
 * the limit: a gate of 3 load points × 2 metrics, each at α on its own, would flag up to
 * 1 − 0.95⁶ = 26 % of unchanged candidates. Because q only falls as looks are added, a row Holm
 * rejects stays rejected; a row that passes early for futility has p > its threshold > α, so q ≥ p
 * could never have been rejected. Rows without a usable round count in the family (conservative).
 */
import { checkPlan, type GatePlan } from './plan.js';
import { formatChange, type LookEvidence } from './decide.js';
import type { PlanRow } from './rows.js';

/** What one look at a row saw. */
export interface LookResult {
  /** 1-based. */
  readonly stage: number;
  /** The data ended inside this stage: fewer rounds than it plans. */
  readonly isPartial: boolean;
  /** undefined: no usable round yet. */
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
  /** Sequential p-value G(min p); undefined before any look with values. */
  readonly q: number | undefined;
  /** The row's state would change with more runs: undecided, or without a usable round, before the plan's last look. */
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

/** A p-value as the gate prints it: "0.0040", "1.1e-5", "0" (failures against none). */
export function formatP(p: number): string {
  if (p === 0) return '0';
  return p < 0.0001 ? p.toExponential(1) : p.toPrecision(2);
}
const trim = (value: number): string => String(Number(value.toPrecision(2)));

const TEST_NAMES: Readonly<Record<LookEvidence['test'], string>> = { 'signed-rank': 'signed-rank', sign: 'sign test', failures: 'failed requests', saturation: 'McNemar' };

/** "+30.0 %" of the evidence, or the discordant rounds of a saturation row. */
function changeOf(evidence: LookEvidence): string {
  return evidence.worseRatio === undefined ? (evidence.detail ?? '') : formatChange(evidence.worseRatio.value);
}

/** The looks a row's data reach, with their evidence. */
function looksOf(row: PlanRow, plan: GatePlan): LookResult[] {
  const { stages } = plan;
  const looks: LookResult[] = [];
  for (const [index, stage] of stages.entries()) {
    const previous = index === 0 ? 0 : stages[index - 1]!.runsPerSide;
    if (index > 0 && row.reach <= previous) break;
    const through = index === stages.length - 1 ? Number.POSITIVE_INFINITY : stage.runsPerSide;
    looks.push({ stage: index + 1, isPartial: row.reach < stage.runsPerSide, evidence: row.look(through) });
  }
  return looks;
}

interface Open {
  looks: LookResult[];
  /** p of each look by stage, and its rounds (undefined: no usable round at that look). */
  pByLook: Array<number | undefined>;
  reached: Array<number | undefined>;
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
  const states: Open[] = rows.map((row) => ({ looks: looksOf(row, plan), pByLook: [], reached: [], q: undefined, qLook: undefined, state: undefined, stage: undefined, reason: '' }));
  const roundsText = (evidence: LookEvidence): string => `${evidence.rounds} round${evidence.rounds === 1 ? '' : 's'}${evidence.worst.baseline + evidence.worst.candidate > 0 ? `, runs ranked worst: ${evidence.worst.baseline} baseline / ${evidence.worst.candidate} candidate` : ''}`;
  for (let index = 0; index <= last; index += 1) {
    for (const [rowIndex, state] of states.entries()) {
      const evidence = state.looks[index]?.evidence;
      if (state.state !== undefined || evidence === undefined) continue;
      state.reached[index] = evidence.rounds;
      state.pByLook[index] = evidence.p;
      const q = rows[rowIndex]!.sequentialP(state.pByLook, state.reached);
      if (state.q === undefined || q < state.q) state.qLook = index;
      state.q = state.q === undefined ? q : Math.min(state.q, q);
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
        state.state = 'regression';
        state.stage = index + 1;
        const what = from.test === 'failures' && from.p === 0 ? 'failed requests against none' : `${changeOf(from)} worse (limit ${limit}, inside the test)`;
        state.reason = `${what}: ${TEST_NAMES[from.test]} p = ${formatP(from.p)} at look ${state.qLook! + 1} of ${stages.length} (${roundsText(from)}); sequential p = ${formatP(state.q!)} < ${trim(levels[rowIndex]!)} (α ${plan.alpha} over ${rows.length} row${rows.length === 1 ? '' : 's'}, Holm)`;
        continue;
      }
      const evidence = look?.evidence;
      if (look === undefined || evidence === undefined) continue;
      const futility = stages[index]!.futilityP;
      if (index < last && futility !== undefined && evidence.p > futility) {
        state.state = 'pass';
        state.stage = index + 1;
        state.reason = `${changeOf(evidence)} (limit ${limit}), p = ${formatP(evidence.p)} > ${futility}: no sign of a regression beyond the limit at look ${index + 1} of ${stages.length} (${roundsText(evidence)}), no more runs needed`;
      } else if (index === last && !look.isPartial) {
        const beyond = evidence.worseRatio !== undefined && evidence.worseRatio.value > 1 + maxRegression;
        const alone = state.q! < plan.alpha;
        state.stage = index + 1;
        state.state = beyond || alone ? 'borderline' : 'pass';
        const why = alone ? `significant on its own (sequential p = ${formatP(state.q!)} < α ${plan.alpha}) but not after Holm over ${rows.length} rows` : beyond ? 'the estimate is beyond the limit but not significantly' : 'not significant';
        state.reason = `${changeOf(evidence)} (limit ${limit}), p = ${formatP(evidence.p)}, sequential p = ${formatP(state.q!)}, not below ${trim(levels[rowIndex]!)} at the last look (${roundsText(evidence)}): ${why}${beyond || alone ? '; more runs would tell' : ''}`;
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
    const reachedEnd = lastLook !== undefined && lastLook.stage === stages.length && !lastLook.isPartial;
    const next = stages[lastLook?.stage ?? 0];
    const evidence = withValues.at(-1)?.evidence;
    if (withValues.length === 0) {
      const reason = `no usable round (${row.reach} measured on both sides): a round needs a run that counts on at least one side, and runs that are invalid or that another tenant moved (machine busy) do not`;
      return { state: 'insufficient', stage: lastLook?.stage, looks: state.looks, evidence, q: state.q, awaitsMoreRuns: !reachedEnd, reason };
    }
    const where = lastLook!.isPartial ? `undecided: the data end inside stage ${lastLook!.stage} of ${stages.length} (${row.reach} of its ${stages[lastLook!.stage - 1]!.runsPerSide} rounds)` : `undecided after look ${lastLook!.stage} of ${stages.length}`;
    const needed = next === undefined ? `the plan's last look needs ${stages[last]!.runsPerSide} runs a side` : `the plan's next look needs ${next.runsPerSide} runs a side`;
    const reason = `${changeOf(evidence!)} (limit ${limit}), p = ${formatP(evidence!.p)}: ${where}; ${needed}`;
    return { state: 'undecided', stage: lastLook!.stage, looks: state.looks, evidence, q: state.q, awaitsMoreRuns: !reachedEnd, reason };
  });
}
