/**
 * Assembles the gate's comparisons and budgets into one outcome with its exit code, and renders
 * it as Markdown (PR comments, $GITHUB_STEP_SUMMARY) and JUnit XML. Pure.
 */
import type { RunRecord } from '../results/document.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { describeLoad } from '../stats/summarize.js';
import { evaluateBudget, type Budget, type BudgetResult } from './budget.js';
import { compareRuns, type Comparison, type GateRule } from './decide.js';

export interface GateRow {
  readonly scenario: string;
  readonly load: string;
  readonly rateIndex: number;
  readonly metric: string;
  readonly comparison: Comparison;
}

export interface GateOutcome {
  readonly rows: readonly GateRow[];
  readonly budgets: ReadonlyArray<BudgetResult & { readonly scenario: string; readonly load: string }>;
  /** 0 pass (borderline included, with a request for more runs) · 1 regression or budget broken · 3 nothing comparable or too few valid runs to decide. */
  readonly exitCode: 0 | 1 | 3;
  readonly summary: string;
}

/** A scenario point as `scenario\0rateIndex`. */
const pointKey = (run: RunRecord): string => `${run.scenario}\u0000${run.rateIndex}`;

/**
 * Compares candidate runs with baseline runs point by point (same scenario and rate index).
 * @param metrics run metric names (validated by the caller)
 */
export function decideGate(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], budgets: readonly Budget[], rule: GateRule): GateOutcome {
  const rows: GateRow[] = [];
  const budgetResults: Array<BudgetResult & { scenario: string; load: string }> = [];
  const points = [...new Set(candidate.map(pointKey))];
  for (const key of points) {
    const candidateRuns = candidate.filter((run) => pointKey(run) === key);
    const baselineRuns = baseline.filter((run) => pointKey(run) === key);
    const first = candidateRuns[0]!;
    const load = describeLoad(first);
    for (const budget of budgets) budgetResults.push({ ...evaluateBudget(budget, candidateRuns), scenario: first.scenario, load });
    if (baselineRuns.length === 0) continue;
    for (const metric of metrics) {
      const definition = RUN_METRICS[metric]!;
      const values = (runs: readonly RunRecord[]): number[] =>
        runs.filter((run) => run.validity.valid).map(definition.read).filter((value): value is number => value !== undefined && Number.isFinite(value));
      rows.push({ scenario: first.scenario, load, rateIndex: first.rateIndex, metric, comparison: compareRuns(values(baselineRuns), values(candidateRuns), definition.lowerIsBetter, rule) });
    }
  }
  const regressions = rows.filter((row) => row.comparison.verdict === 'regression');
  const broken = budgetResults.filter((result) => !result.kept);
  const undecided = rows.filter((row) => row.comparison.verdict === 'borderline');
  const insufficient = rows.filter((row) => row.comparison.verdict === 'insufficient');
  let exitCode: GateOutcome['exitCode'] = 0;
  let summary: string;
  if (regressions.length > 0 || broken.length > 0) {
    exitCode = 1;
    summary = `FAIL: ${regressions.length} regression(s), ${broken.length} budget(s) broken`;
  } else if (rows.length === 0 && budgetResults.length === 0) {
    exitCode = 3;
    summary = 'NOTHING COMPARED: no scenario point is in both results';
  } else if (insufficient.length > 0) {
    exitCode = 3;
    summary = `UNDECIDED: ${insufficient.length} comparison(s) lack valid runs (${insufficient[0]!.comparison.reason})`;
  } else if (undecided.length > 0) {
    summary = `PASS, but ${undecided.length} comparison(s) are borderline: run more repetitions to decide`;
  } else summary = 'PASS';
  return { rows, budgets: budgetResults, exitCode, summary };
}

const fmt = (value: number | undefined): string => (value === undefined ? '–' : Number(value.toPrecision(4)).toLocaleString('en-US'));

/** The outcome as Markdown. */
export function gateMarkdown(outcome: GateOutcome, title: string): string {
  const lines = [`## ${title}: ${outcome.summary}`, ''];
  if (outcome.rows.length > 0) {
    lines.push('| scenario | load | metric | baseline | candidate | change [95 % CI] | p | verdict |', '|---|---|---|---|---|---|---|---|');
    for (const row of outcome.rows) {
      const ratio = row.comparison.worseRatio;
      const change = ratio === undefined ? '–' : `${fmt((ratio.value - 1) * 100)} % [${fmt((ratio.low - 1) * 100)}, ${fmt((ratio.high - 1) * 100)}]`;
      lines.push(
        `| ${row.scenario} | ${row.load} | ${row.metric} | ${fmt(row.comparison.baselineMedian)} | ${fmt(row.comparison.candidateMedian)} | ${change} worse | ${fmt(row.comparison.p)} | **${row.comparison.verdict}** |`,
      );
    }
    lines.push('', 'Change is how much worse the candidate is (median of per-run values); a regression needs p < α and a change beyond the limit.');
  }
  if (outcome.budgets.length > 0) {
    lines.push('', '| scenario | load | budget | value | kept |', '|---|---|---|---|---|');
    for (const result of outcome.budgets) lines.push(`| ${result.scenario} | ${result.load} | \`${result.budget.source}\` | ${fmt(result.value)} | ${result.kept ? 'yes' : '**no**'} |`);
  }
  return `${lines.join('\n')}\n`;
}

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);

/** The outcome as JUnit XML: one test case per comparison and per budget. */
export function gateJUnit(outcome: GateOutcome): string {
  const cases = [
    ...outcome.rows.map((row) => ({
      name: `${row.scenario} [${row.load}] ${row.metric}`,
      failure: row.comparison.verdict === 'regression' ? row.comparison.reason : undefined,
      output: `${row.comparison.verdict}: ${row.comparison.reason}`,
    })),
    ...outcome.budgets.map((result) => ({
      name: `${result.scenario} [${result.load}] budget ${result.budget.source}`,
      failure: result.kept ? undefined : `value ${fmt(result.value)} breaks \`${result.budget.source}\``,
      output: `value ${fmt(result.value)}`,
    })),
  ];
  const failures = cases.filter((entry) => entry.failure !== undefined).length;
  const body = cases
    .map(
      (entry) =>
        `  <testcase classname="rewrite-bench.gate" name="${escapeXml(entry.name)}">` +
        (entry.failure === undefined ? '' : `<failure message="${escapeXml(entry.failure)}"/>`) +
        `<system-out>${escapeXml(entry.output)}</system-out></testcase>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="rewrite-bench gate" tests="${cases.length}" failures="${failures}">\n${body}\n</testsuite>\n`;
}
