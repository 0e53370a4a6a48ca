/**
 * Assembles the gate's comparisons and budgets into one outcome with its exit code, and renders
 * it as Markdown (PR comments, $GITHUB_STEP_SUMMARY) and JUnit XML. Pure.
 *
 * Every point of either side is shown: compared, or why not (the candidate lacks it, the two
 * sides were offered different rates). Beyond the chosen metrics, a candidate that fails
 * requests where the baseline did not (errors over all runs, valid or not), or that cannot
 * sustain the open-loop rate the baseline sustained, has regressed. Exit code: 1 when anything
 * regressed or a budget broke; otherwise 3 when anything could not be decided (too few valid
 * runs, a point missing or incomparable, a budget not measured, an incomplete or failed
 * candidate run); 0 only when everything passed (borderline passes, asking for more runs).
 */
import { formatBytes, formatMicros } from '../format.js';
import type { RunRecord } from '../results/document.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { describeLoad } from '../stats/summarize.js';
import { evaluateBudget, type Budget, type BudgetResult } from './budget.js';
import { compareRuns, formatChange, type Comparison, type GateRule } from './decide.js';

/** What a row of the gate concluded. */
export type RowVerdict = Comparison['verdict'] | 'not-sustained' | 'missing' | 'incomparable';

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

function compareMetric(metric: string, baseline: readonly RunRecord[], candidate: readonly RunRecord[], rule: GateRule): Comparison {
  const definition = RUN_METRICS[metric]!;
  // Failed requests count on every run (an invalid run is invalid because of them); other metrics on valid runs.
  const pick = (runs: readonly RunRecord[]): number[] =>
    (metric === 'errors' ? runs : runs.filter((run) => run.validity.valid)).map(definition.read).filter((value): value is number => value !== undefined && Number.isFinite(value));
  return compareRuns(pick(baseline), pick(candidate), definition.lowerIsBetter, rule);
}

/** Rows of one point present on both sides. */
function comparePoint(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], rule: GateRule, where: Omit<GateRow, 'metric' | 'verdict' | 'reason' | 'comparison'>): GateRow[] {
  const rows: GateRow[] = [];
  const row = (metric: string, verdict: RowVerdict, reason: string, comparison?: Comparison): GateRow => ({ ...where, metric, verdict, reason, comparison });
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
  if (saturated.length * 2 >= candidate.length && baseValid >= rule.minRuns && baseline.filter(isSaturated).length * 2 < baseline.length) {
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
  for (const metric of chosen) {
    const comparison = compareMetric(metric, baseline, candidate, rule);
    rows.push(row(metric, comparison.verdict, comparison.reason, comparison));
  }
  return rows;
}

/**
 * Compares candidate runs with baseline runs point by point (same scenario, service and rate index).
 * @param metrics run metric names (validated by the caller)
 */
export function decideGate(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], budgets: readonly Budget[], rule: GateRule, context: GateContext = {}): GateOutcome {
  const rows: GateRow[] = [];
  const budgetResults: Array<BudgetResult & { scenario: string; service: string; load: string }> = [];
  const notes = [...(context.notes ?? []), ...(context.candidateProblems ?? [])];
  const keys = [...new Set([...candidate.map(pointKey), ...baseline.map(pointKey)])];
  for (const key of keys) {
    const candidateRuns = candidate.filter((run) => pointKey(run) === key);
    const baselineRuns = baseline.filter((run) => pointKey(run) === key);
    const first = candidateRuns[0] ?? baselineRuns[0]!;
    const where = { scenario: first.scenario, service: first.service, load: describeLoad(first), rateIndex: first.rateIndex };
    if (candidateRuns.length === 0) {
      rows.push({ ...where, metric: metrics.join(', '), verdict: 'missing', reason: 'the candidate has no run of this point (measured in the baseline only)', comparison: undefined });
      continue;
    }
    for (const budget of budgets) budgetResults.push({ ...evaluateBudget(budget, candidateRuns), scenario: where.scenario, service: where.service, load: where.load });
    if (baselineRuns.length === 0) {
      notes.push(`${where.scenario} / ${where.service} (${where.load}) is new in the candidate: budgets checked, nothing to compare it with`);
      continue;
    }
    rows.push(...comparePoint(baselineRuns, candidateRuns, metrics, rule, where));
  }
  const regressions = rows.filter((row) => row.verdict === 'regression' || row.verdict === 'not-sustained');
  const broken = budgetResults.filter((result) => result.kept === false);
  const undecided = rows.filter((row) => row.verdict === 'insufficient' || row.verdict === 'missing' || row.verdict === 'incomparable');
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
  return { rows, budgets: budgetResults, notes, exitCode, summary };
}

/** A metric's value with its unit: "1.23 ms", "12.9 MiB", "1,020 req/s". */
export function formatMetricValue(metric: string, value: number | undefined): string {
  if (value === undefined) return '–';
  const unit = RUN_METRICS[metric]?.unit;
  switch (unit) {
    case 'µs':
      return formatMicros(value);
    case 'bytes':
      return formatBytes(value);
    case 'req/s':
      return `${Math.round(value).toLocaleString('en-US')} req/s`;
    case 'cores':
      return `${value.toFixed(2)} cores`;
    case 'ms':
      return `${Math.round(value)} ms`;
    default:
      return Number(value.toPrecision(4)).toLocaleString('en-US');
  }
}

/** "+30.0 % worse [+18.2, +45.1] (96.9 % CI)" or "−12.0 % better …"; "–" without a comparison. */
function changeText(comparison: Comparison | undefined): string {
  const ratio = comparison?.worseRatio;
  if (ratio === undefined) return '–';
  const word = ratio.value > 1 ? 'worse' : ratio.value < 1 ? 'better' : 'no change';
  const bound = (value: number): string => (value === Number.POSITIVE_INFINITY ? '+∞' : formatChange(value).replace(' %', ''));
  const interval = ratio.coverage > 0 ? ` [${bound(ratio.low)}, ${bound(ratio.high)}] (${Math.round(ratio.coverage * 1000) / 10} % CI)` : '';
  return `${formatChange(ratio.value)} ${word}${interval}`;
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|');

/** The outcome as Markdown. */
export function gateMarkdown(outcome: GateOutcome, title: string): string {
  const lines = [`## ${title}: ${outcome.summary}`, ''];
  for (const note of outcome.notes) lines.push(`> ${escapeCell(note)}`);
  if (outcome.notes.length > 0) lines.push('');
  if (outcome.rows.length > 0) {
    lines.push('| scenario | service | load | metric | baseline | candidate | change | runs | p | verdict |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const row of outcome.rows) {
      const comparison = row.comparison;
      const p = comparison?.p === undefined ? '–' : comparison.p.toPrecision(2);
      const runs = comparison === undefined ? '–' : `${comparison.baselineRuns} / ${comparison.candidateRuns}`;
      const verdict = row.verdict === 'pass' || row.verdict === 'borderline' ? row.verdict : `**${row.verdict}**`;
      const values = comparison === undefined ? ['–', '–'] : [formatMetricValue(row.metric, comparison.baselineMedian), formatMetricValue(row.metric, comparison.candidateMedian)];
      const reason = comparison === undefined ? `: ${escapeCell(row.reason)}` : '';
      lines.push(`| ${row.scenario} | ${row.service} | ${row.load} | ${row.metric} | ${values[0]} | ${values[1]} | ${changeText(comparison)} | ${runs} | ${p} | ${verdict}${reason} |`);
    }
    lines.push(
      '',
      'Values are medians of per-run values (valid runs; failed requests over all runs); change is the candidate against the baseline; runs = valid runs baseline / candidate. A regression needs p < α and a change beyond the limit.',
    );
  }
  if (outcome.budgets.length > 0) {
    lines.push('', '| scenario | service | load | budget | value | kept |', '|---|---|---|---|---|---|');
    for (const result of outcome.budgets) {
      const kept = result.kept === undefined ? '**not measured**' : result.kept ? 'yes' : '**no**';
      lines.push(`| ${result.scenario} | ${result.service} | ${result.load} | \`${result.budget.source}\` | ${formatMetricValue(result.budget.metric, result.value)} | ${kept} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);

/** The outcome as JUnit XML: one test case per comparison and per budget; undecided ones are errors. */
export function gateJUnit(outcome: GateOutcome): string {
  const cases = [
    ...outcome.rows.map((row) => ({
      name: `${row.scenario} / ${row.service} [${row.load}] ${row.metric}`,
      failure: row.verdict === 'regression' || row.verdict === 'not-sustained' ? row.reason : undefined,
      error: row.verdict === 'insufficient' || row.verdict === 'missing' || row.verdict === 'incomparable' ? row.reason : undefined,
      output: `${row.verdict}: ${row.reason}`,
    })),
    ...outcome.budgets.map((result) => ({
      name: `${result.scenario} / ${result.service} [${result.load}] budget ${result.budget.source}`,
      failure: result.kept === false ? `value ${formatMetricValue(result.budget.metric, result.value)} breaks \`${result.budget.source}\`` : undefined,
      error: result.kept === undefined ? 'not measured: no valid run' : undefined,
      output: `value ${formatMetricValue(result.budget.metric, result.value)}`,
    })),
  ];
  const failures = cases.filter((entry) => entry.failure !== undefined).length;
  const errors = cases.filter((entry) => entry.error !== undefined).length;
  const body = cases
    .map(
      (entry) =>
        `  <testcase classname="rewrite-bench.gate" name="${escapeXml(entry.name)}">` +
        (entry.failure === undefined ? '' : `<failure message="${escapeXml(entry.failure)}"/>`) +
        (entry.error === undefined ? '' : `<error message="${escapeXml(entry.error)}"/>`) +
        `<system-out>${escapeXml(entry.output)}</system-out></testcase>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="rewrite-bench gate" tests="${cases.length}" failures="${failures}" errors="${errors}">\n${body}\n</testsuite>\n`;
}
