/**
 * Assembles the gate's comparisons and budgets into one outcome with its exit code (render.ts
 * turns it into Markdown and JUnit XML). Pure.
 *
 * Every point of either side is shown: compared, or why not (the candidate lacks it, the two
 * sides were offered different rates). The compared rows — every chosen metric at every point,
 * failed requests where any occurred, and the sustained rate where a run saturated — are one
 * family for the stopping plan (sequential.ts: its looks, Holm over the rows). Exit code: 1
 * when anything regressed or a budget broke; otherwise 3 when anything could not be decided (the
 * plan needs more runs than there are, no usable round, a point missing or incomparable, a
 * budget not measured, an incomplete or failed candidate run); 0 only when everything passed
 * (borderline passes: the last look found a change it could not confirm).
 */
import type { RunRecord } from '../results/document.js';
import { serviceRuns } from '../results/floor-runs.js';
import { describeLoad } from '../stats/summarize.js';
import { countFailures } from '../load/outcome.js';
import { evaluateBudget, type Budget, type BudgetResult } from './budget.js';
import type { Estimate } from '../stats/interval.js';
import type { LookEvidence } from './decide.js';
import type { GatePlan } from './plan.js';
import { anySaturated, failuresRow, metricRow, pairRounds, reachOf, saturationRow, type PlanRow } from './rows.js';
import { evaluatePlan, type PlanState } from './sequential.js';

/** What a row of the gate concluded. */
export type RowVerdict = PlanState | 'not-sustained' | 'missing' | 'incomparable';

/** The plan's finding for one compared row, as the reports show it. */
export interface Comparison {
  readonly verdict: PlanState;
  readonly test: LookEvidence['test'] | undefined;
  /** How much worse the candidate is at the deciding (or last) look: > 1 is worse (Infinity from a zero baseline). */
  readonly worseRatio: Estimate | undefined;
  /** One-sided exact p of that look (the worse side ÷ (1 + limit)). */
  readonly p: number | undefined;
  /** The row's sequential p-value (what Holm compares with α). */
  readonly q: number | undefined;
  /** Medians of counting runs (metrics), or failure and saturation counts. */
  readonly baselineValue: number | undefined;
  readonly candidateValue: number | undefined;
  /** Rounds the deciding look used. */
  readonly rounds: number;
  readonly detail: string | undefined;
  /** The look that decided (1-based), or the last one the data reached. */
  readonly stage: number | undefined;
  readonly stages: number;
  /** The data end before the plan does and this row is not decided: the next stage would tell. */
  readonly awaitsMoreRuns: boolean;
  readonly reason: string;
}

export interface GateRow {
  readonly scenario: string;
  readonly service: string;
  readonly load: string;
  readonly rateIndex: number;
  /** A run metric, `failed requests` or `sustained rate`. */
  readonly metric: string;
  readonly verdict: RowVerdict;
  readonly reason: string;
  /** The comparison of per-round values, when one was made. */
  readonly comparison: Comparison | undefined;
}

export interface GateOutcome {
  readonly plan: GatePlan;
  /** The furthest look any compared row reached (1-based); undefined when none was compared. */
  readonly stageReached: number | undefined;
  /** Runs each side took per point (distinct repetitions, valid or not; the most of any point). */
  readonly runsTaken: { readonly baseline: number; readonly candidate: number };
  /** Some row awaits the plan's next stage and nothing has failed yet: the in-job gate measures on. */
  readonly needsMoreRuns: boolean;
  readonly rows: readonly GateRow[];
  readonly budgets: ReadonlyArray<BudgetResult & { readonly scenario: string; readonly service: string; readonly load: string }>;
  /** Said above the table: the same file twice, an interrupted candidate, failures it recorded, the measuring order. */
  readonly notes: readonly string[];
  readonly exitCode: 0 | 1 | 3;
  readonly summary: string;
}

/** What the gate knows of the two sides besides their runs. */
export interface GateContext {
  /** Lines shown above the table (e.g. "baseline and candidate are the same file"). */
  readonly notes?: readonly string[];
  /** Reasons the candidate's measurement is incomplete (interrupted, failed builds or starts): the gate cannot pass. */
  readonly candidateProblems?: readonly string[];
}

/** The row of failed requests and the row of the sustained rate, as the tables name them. */
export const FAILURES_ROW = 'failed requests';
export const SUSTAINED_ROW = 'sustained rate';

/** A point as `scenario\0service\0rateIndex`. */
const pointKey = (run: RunRecord): string => `${run.scenario}\u0000${run.service}\u0000${run.rateIndex}`;
/** Offered rates further apart than this are not the same load. */
const MAX_RATE_DIFFERENCE = 0.05;

const medianOf = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** A gate row waiting for the plan's verdict on the whole family. */
type Slot = { readonly row: GateRow } | { readonly pending: Omit<GateRow, 'verdict' | 'reason' | 'comparison'>; readonly planRow: PlanRow };

/** Rows of one point present on both sides. */
function comparePoint(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], plan: GatePlan, where: Omit<GateRow, 'metric' | 'verdict' | 'reason' | 'comparison'>): Slot[] {
  const row = (metric: string, verdict: RowVerdict, reason: string): Slot => ({ row: { ...where, metric, verdict, reason, comparison: undefined } });
  const offered = (runs: readonly RunRecord[]): number | undefined => medianOf(runs.flatMap((run) => (run.load.offeredRps === undefined || run.load.offeredRps === null ? [] : [run.load.offeredRps])));
  const [baseRate, candidateRate] = [offered(baseline), offered(candidate)];
  if (baseRate !== undefined && candidateRate !== undefined && Math.abs(candidateRate / baseRate - 1) > MAX_RATE_DIFFERENCE) {
    return [
      row(
        metrics.join(', '),
        'incomparable',
        `the sides were offered different loads (baseline ${Math.round(baseRate)} req/s, candidate ${Math.round(candidateRate)} req/s: each at a fraction of its own capacity); gate in one job (both at the baseline's rates) or use absolute ratesPerSecond`,
      ),
    ];
  }
  const pairs = pairRounds(baseline, candidate);
  const reach = reachOf(baseline, candidate);
  const slots: Slot[] = [];
  for (const metric of metrics.filter((name) => name !== 'errors')) slots.push({ pending: { ...where, metric }, planRow: metricRow(metric, pairs, reach, plan) });
  const anyFailures = [...baseline, ...candidate].some((run) => countFailures(run.load.counts) > 0);
  if (anyFailures || metrics.includes('errors')) slots.push({ pending: { ...where, metric: FAILURES_ROW }, planRow: failuresRow(baseline, candidate, reach, plan) });
  if (anySaturated([...baseline, ...candidate])) slots.push({ pending: { ...where, metric: SUSTAINED_ROW }, planRow: saturationRow(pairs, reach, plan) });
  return slots;
}

/**
 * Compares candidate runs with baseline runs point by point (same scenario, service and rate
 * index), round by round (same repetition). The platform floor's runs are left out.
 * @param metrics run metric names (validated by the caller); `errors` stands for the failed-requests row
 */
export function decideGate(baselineAll: readonly RunRecord[], candidateAll: readonly RunRecord[], metrics: readonly string[], budgets: readonly Budget[], plan: GatePlan, context: GateContext = {}): GateOutcome {
  // The platform floor's runs (a results file of `run`) are the machine's, never a service to gate.
  const [baseline, candidate] = [serviceRuns(baselineAll), serviceRuns(candidateAll)];
  const slots: Slot[] = [];
  const budgetResults: Array<BudgetResult & { scenario: string; service: string; load: string }> = [];
  const notes = [...(context.notes ?? []), ...(context.candidateProblems ?? [])];
  const keys = [...new Set([...candidate.map(pointKey), ...baseline.map(pointKey)])];
  for (const key of keys) {
    const candidateRuns = candidate.filter((run) => pointKey(run) === key);
    const baselineRuns = baseline.filter((run) => pointKey(run) === key);
    const first = candidateRuns[0] ?? baselineRuns[0]!;
    const where = { scenario: first.scenario, service: first.service, load: describeLoad(first), rateIndex: first.rateIndex };
    if (candidateRuns.length === 0) {
      slots.push({ row: { ...where, metric: metrics.join(', '), verdict: 'missing', reason: 'the candidate has no run of this point (measured in the baseline only)', comparison: undefined } });
      continue;
    }
    for (const budget of budgets) budgetResults.push({ ...evaluateBudget(budget, candidateRuns), scenario: where.scenario, service: where.service, load: where.load });
    if (baselineRuns.length === 0) {
      notes.push(`${where.scenario} / ${where.service} (${where.load}) is new in the candidate: budgets checked, nothing to compare it with`);
      continue;
    }
    slots.push(...comparePoint(baselineRuns, candidateRuns, metrics, plan, where));
  }
  const family = slots.flatMap((slot) => ('planRow' in slot ? [slot.planRow] : []));
  const results = evaluatePlan(family, plan);
  let next = 0;
  const rows = slots.map((slot): GateRow => {
    if ('row' in slot) return slot.row;
    const result = results[next]!;
    next += 1;
    const { evidence } = result;
    const comparison: Comparison = {
      verdict: result.state,
      test: evidence?.test,
      worseRatio: evidence?.worseRatio,
      p: evidence?.p,
      q: result.q,
      baselineValue: evidence?.baselineValue,
      candidateValue: evidence?.candidateValue,
      rounds: evidence?.rounds ?? 0,
      detail: evidence?.detail,
      stage: result.stage,
      stages: plan.stages.length,
      awaitsMoreRuns: result.awaitsMoreRuns,
      reason: result.reason,
    };
    const verdict: RowVerdict = slot.pending.metric === SUSTAINED_ROW && result.state === 'regression' ? 'not-sustained' : result.state;
    return { ...slot.pending, verdict, reason: result.reason, comparison };
  });
  const regressions = rows.filter((row) => row.verdict === 'regression' || row.verdict === 'not-sustained');
  const broken = budgetResults.filter((result) => result.kept === false);
  const undecided = rows.filter((row) => row.verdict === 'insufficient' || row.verdict === 'undecided' || row.verdict === 'missing' || row.verdict === 'incomparable');
  const unmeasured = budgetResults.filter((result) => result.kept === undefined);
  const borderline = rows.filter((row) => row.verdict === 'borderline');
  const problems = context.candidateProblems ?? [];
  let exitCode: GateOutcome['exitCode'];
  let summary: string;
  if (regressions.length > 0 || broken.length > 0) {
    exitCode = 1;
    summary = `FAIL: ${regressions.length} regression(s), ${broken.length} budget(s) broken`;
  } else if (rows.length === 0 && budgetResults.length === 0) {
    exitCode = 3;
    summary = 'NOTHING COMPARED: no scenario point was measured by the candidate';
  } else if (undecided.length > 0 || unmeasured.length > 0 || problems.length > 0) {
    exitCode = 3;
    const parts = [
      undecided.length > 0 ? `${undecided.length} comparison(s) undecided (${undecided[0]!.reason})` : undefined,
      unmeasured.length > 0 ? `${unmeasured.length} budget(s) not measured (no valid run)` : undefined,
      problems.length > 0 ? `the candidate's measurement is incomplete (${problems[0]})` : undefined,
    ];
    summary = `UNDECIDED: ${parts.filter(Boolean).join('; ')}`;
  } else if (borderline.length > 0) {
    exitCode = 0;
    summary = `PASS, but ${borderline.length} comparison(s) are borderline: run more repetitions to decide`;
  } else {
    exitCode = 0;
    summary = 'PASS';
  }
  const stages = rows.flatMap((row) => (row.comparison?.stage === undefined ? [] : [row.comparison.stage]));
  const distinctRepetitions = (runs: readonly RunRecord[]): number => {
    const byPoint = new Map<string, Set<number>>();
    for (const run of runs) byPoint.set(pointKey(run), (byPoint.get(pointKey(run)) ?? new Set()).add(run.repetition));
    return Math.max(0, ...[...byPoint.values()].map((repetitions) => repetitions.size));
  };
  return {
    plan,
    stageReached: stages.length === 0 ? undefined : Math.max(...stages),
    runsTaken: { baseline: distinctRepetitions(baseline), candidate: distinctRepetitions(candidate) },
    needsMoreRuns: exitCode !== 1 && rows.some((row) => row.comparison?.awaitsMoreRuns === true),
    rows,
    budgets: budgetResults,
    notes,
    exitCode,
    summary,
  };
}
