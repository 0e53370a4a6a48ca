/**
 * The gate's outcome as Markdown (PR comments, $GITHUB_STEP_SUMMARY, the terminal) and JUnit XML:
 * the plan, the look reached and the runs each side took, then one row per comparison. Pure.
 */
import { formatBytes, formatMicros } from '../format.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { formatChange } from './decide.js';
import type { Comparison, GateOutcome } from './outcome.js';
import { describePlan } from './plan.js';
import { formatP } from './sequential.js';

/** "Plan: looks at 5, 10, 20 runs a side … Reached look 2 of 3: 10 baseline and 10 candidate runs per point." */
export function describeProgress(outcome: GateOutcome): string {
  const { plan, stageReached, runsTaken } = outcome;
  const reached = stageReached === undefined ? 'No look was reached' : `Reached look ${stageReached} of ${plan.stages.length}`;
  return `Plan: ${describePlan(plan)}. ${reached}: ${runsTaken.baseline} baseline and ${runsTaken.candidate} candidate runs per point.`;
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
  if (outcome.rows.some((row) => row.comparison !== undefined)) lines.push(describeProgress(outcome), '');
  if (outcome.rows.length > 0) {
    lines.push('| scenario | service | load | metric | baseline | candidate | change | runs | look | p | verdict |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const row of outcome.rows) {
      const comparison = row.comparison;
      const p = comparison?.p === undefined ? '–' : formatP(comparison.p);
      const runs = comparison === undefined ? '–' : `${comparison.baselineRuns} / ${comparison.candidateRuns}`;
      const look = comparison?.stage === undefined ? '–' : `${comparison.stage} of ${comparison.stages}`;
      const verdict = row.verdict === 'pass' || row.verdict === 'borderline' ? row.verdict : `**${row.verdict}**`;
      const values = comparison === undefined ? ['–', '–'] : [formatMetricValue(row.metric, comparison.baselineMedian), formatMetricValue(row.metric, comparison.candidateMedian)];
      const reason = comparison === undefined || comparison.verdict === 'undecided' || comparison.verdict === 'insufficient' ? `: ${escapeCell(row.reason)}` : '';
      lines.push(`| ${row.scenario} | ${row.service} | ${row.load} | ${row.metric} | ${values[0]} | ${values[1]} | ${changeText(comparison)} | ${runs} | ${look} | ${p} | ${verdict}${reason} |`);
    }
    lines.push(
      '',
      `Values are medians of per-run values (valid runs; failed requests over all runs) at the look that decided; change is the candidate against the baseline; runs = values baseline / candidate at that look. p is one-sided exact Mann–Whitney for the candidate ÷ ${1 + outcome.plan.maxRegression} (the limit inside the test; for throughput the baseline ÷ ${1 + outcome.plan.maxRegression}) being still worse; a regression needs it below its look's share of α after Holm over the ${outcome.rows.filter((row) => row.comparison !== undefined).length} compared row(s).`,
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
      error: row.verdict === 'insufficient' || row.verdict === 'undecided' || row.verdict === 'missing' || row.verdict === 'incomparable' ? row.reason : undefined,
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
