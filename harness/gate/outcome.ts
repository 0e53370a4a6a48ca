/**
 * Assembles the gate's comparisons and budgets into one outcome with its exit code (render.ts
 * turns it into Markdown and JUnit XML). Pure.
 *
 * Every point of either side is shown: compared, or why not (the candidate lacks it, the two
 * sides were offered different rates). The compared rows (every chosen metric at every point)
 * are one family for the stopping plan (sequential.ts: its looks, Holm over the rows). Beyond
 * the chosen metrics, a candidate that fails requests where the baseline did not (errors over
 * all runs, valid or not), or that cannot sustain the open-loop rate the baseline sustained, has
 * regressed. Exit code: 1 when anything regressed or a budget broke; otherwise 3 when anything
 * could not be decided (the plan needs more runs than there are, too few valid runs, a point
 * missing or incomparable, a budget not measured, an incomplete or failed candidate run); 0 only
 * when everything passed (borderline passes: the last look found a change it could not confirm).
 */
import type { RunRecord } from '../results/document.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { describeLoad } from '../stats/summarize.js';
import { evaluateBudget, type Budget, type BudgetResult } from './budget.js';
import type { Estimate } from '../stats/interval.js';
import type { GatePlan } from './plan.js';
import { evaluatePlan, type PlanRow, type PlanState, type RunValue } from './sequential.js';

/** What a row of the gate concluded. */
export type RowVerdict = PlanState | 'not-sustained' | 'missing' | 'incomparable';

/** The plan's finding for one compared row, as the reports show it. */
export interface Comparison {
  readonly verdict: PlanState;
  /** How much worse the candidate is at the deciding (or last) look: > 1 is worse (ratio of medians, oriented by the metric; Infinity from a zero baseline). */
  readonly worseRatio: Estimate | undefined;
  /** One-sided exact p of that look (the worse side ÷ (1 + limit)). */
  readonly p: number | undefined;
  readonly baselineMedian: number | undefined;
  readonly candidateMedian: number | undefined;
  /** Values (valid runs; failed requests: all runs) the deciding look used, or all there are without a look. */
  readonly baselineRuns: number;
  readonly candidateRuns: number;
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
  readonly metric: string;
  readonly verdict: RowVerdict;
  readonly reason: string;
  /** The comparison of per-run values, when one was made. */
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
  /** Said above the table: the same file twice, an interrupted candidate, failures it recorded. */
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

/** A point as `scenario\0service\0rateIndex`. */
const pointKey = (run: RunRecord): string => `${run.scenario}\u0000${run.service}\u0000${run.rateIndex}`;
/** Offered rates further apart than this are not the same load. */
const MAX_RATE_DIFFERENCE = 0.05;

const failuresOf = RUN_METRICS.errors!.read;
const isSaturated = (run: RunRecord): boolean => run.validity.reasons.some((reason) => reason.code === 'saturated');
const medianOf = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const highestRepetition = (runs: readonly RunRecord[]): number => runs.reduce((highest, run) => Math.max(highest, run.repetition), 0);

/** The plan's view of one metric at one point: per-run values by repetition, and how far both sides were measured. */
function planRowOf(metric: string, baseline: readonly RunRecord[], candidate: readonly RunRecord[]): PlanRow {
  const definition = RUN_METRICS[metric]!;
  // Failed requests count on every run (an invalid run is invalid because of them); other metrics on valid runs.
  const pick = (runs: readonly RunRecord[]): RunValue[] =>
    (metric === 'errors' ? runs : runs.filter((run) => run.validity.valid)).flatMap((run) => {
      const value = definition.read(run);
      return value !== undefined && Number.isFinite(value) ? [{ repetition: run.repetition, value }] : [];
    });
  return { baseline: pick(baseline), candidate: pick(candidate), reach: Math.min(highestRepetition(baseline), highestRepetition(candidate)), lowerIsBetter: definition.lowerIsBetter };
}

/** A gate row waiting for the plan's verdict on the whole family. */
type Slot = { readonly row: GateRow } | { readonly pending: Omit<GateRow, 'verdict' | 'reason' | 'comparison'>; readonly planRow: PlanRow };

/** Rows of one point present on both sides. */
function comparePoint(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], plan: GatePlan, where: Omit<GateRow, 'metric' | 'verdict' | 'reason' | 'comparison'>): Slot[] {
  const rows: Slot[] = [];
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
  const saturated = candidate.filter(isSaturated);
  const baseValid = baseline.filter((run) => run.validity.valid).length;
  if (saturated.length * 2 >= candidate.length && baseValid >= plan.stages[0]!.runsPerSide && baseline.filter(isSaturated).length * 2 < baseline.length) {
    const achieved = medianOf(saturated.map((run) => run.load.achievedRps)) ?? 0;
    rows.push(
      row(
        'sustained rate',
        'not-sustained',
        `the candidate could not sustain the offered ${Math.round(candidateRate ?? 0)} req/s in ${saturated.length} of ${candidate.length} runs (median achieved ${Math.round(achieved)} req/s), which the baseline sustained in ${baseValid} of ${baseline.length}`,
      ),
    );
  }
  const anyFailures = [...baseline, ...candidate].some((run) => (failuresOf(run) ?? 0) > 0);
  const chosen = anyFailures && !metrics.includes('errors') ? [...metrics, 'errors'] : metrics;
  for (const metric of chosen) rows.push({ pending: { ...where, metric }, planRow: planRowOf(metric, baseline, candidate) });
  return rows;
}

/**
 * Compares candidate runs with baseline runs point by point (same scenario, service and rate index).
 * @param metrics run metric names (validated by the caller)
 */
export function decideGate(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], budgets: readonly Budget[], plan: GatePlan, context: GateContext = {}): GateOutcome {
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
      worseRatio: evidence?.worseRatio,
      p: evidence?.p,
      baselineMedian: evidence?.baselineMedian,
      candidateMedian: evidence?.candidateMedian,
      baselineRuns: evidence?.baselineRuns ?? slot.planRow.baseline.length,
      candidateRuns: evidence?.candidateRuns ?? slot.planRow.candidate.length,
      stage: result.stage,
      stages: plan.stages.length,
      awaitsMoreRuns: result.awaitsMoreRuns,
      reason: result.reason,
    };
    return { ...slot.pending, verdict: result.state, reason: result.reason, comparison };
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
