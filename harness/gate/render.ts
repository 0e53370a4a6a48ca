/**
 * The gate's outcome as Markdown (PR comments, $GITHUB_STEP_SUMMARY, the terminal) and JUnit XML:
 * the plan, the look reached and the runs each side took, then one row per comparison. Pure.
 */
import { formatBytes, formatMicros } from '../format.js';
import type { RunRecord } from '../results/document.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { formatChange } from './decide.js';
import { FAILURES_ROW, SUSTAINED_ROW, type Comparison, type GateOutcome, type GateRow } from './outcome.js';
import { describePlan, GATE_SIGN_TEST_METRICS } from './plan.js';
import { formatP } from './sequential.js';

/** "Plan: looks at 5, 10, 20 rounds … Reached look 2 of 3: 10 baseline and 10 candidate runs per point." */
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

/** The two sides' values of a row: medians, failed requests, or saturated runs. */
function sideValues(row: GateRow): [string, string] {
  const comparison = row.comparison;
  if (comparison === undefined) return ['–', '–'];
  if (row.metric === FAILURES_ROW) return [String(comparison.baselineValue ?? '–'), String(comparison.candidateValue ?? '–')];
  if (row.metric === SUSTAINED_ROW) return [`${comparison.baselineValue ?? 0} saturated`, `${comparison.candidateValue ?? 0} saturated`];
  return [formatMetricValue(row.metric, comparison.baselineValue), formatMetricValue(row.metric, comparison.candidateValue)];
}

/** "+30.0 % worse [+18.2, +45.1] (98.8 % CI)" or "−12.0 % better …"; the discordant rounds of a saturation row; "–" without a comparison. */
function changeText(comparison: Comparison | undefined): string {
  const ratio = comparison?.worseRatio;
  if (ratio === undefined) return comparison?.detail ?? '–';
  const word = ratio.value > 1 ? 'worse' : ratio.value < 1 ? 'better' : 'no change';
  const bound = (value: number): string => (value === Number.POSITIVE_INFINITY ? '+∞' : value === 0 ? '−100' : formatChange(value).replace(' %', ''));
  const interval = ratio.coverage > 0 ? ` [${bound(ratio.low)}, ${bound(ratio.high)}] (${Math.round(ratio.coverage * 1000) / 10} % CI)` : '';
  return `${formatChange(ratio.value)} ${word}${interval}`;
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|');

/**
 * "… the candidate was measured first in 5 of 10 rounds and second in 5 …": the in-job gate's
 * measuring order, from the runs' `orderInRound` (one point's runs per round).
 */
export function describePositions(runs: readonly RunRecord[]): string {
  const places = runs.filter((run) => run.service === 'candidate' && run.rateIndex === 0).map((run) => run.orderInRound);
  const first = places.filter((place) => place === 1).length;
  const second = places.filter((place) => place === 2).length;
  return `Rounds measure both sides back to back, the order alternating (baseline first, then candidate first, …): the candidate was measured first in ${first} of ${places.length} rounds and second in ${second}, so an effect of the position cancels instead of biasing the comparison.`;
}

/** The sentence under the table where a tail metric is shown. */
export const TAIL_JITTER_NOTE =
  "A fast service's per-run p99 (and p999, max) on a VM is mostly the platform's jitter — halted vCPUs taking 0.1–0.5 ms to wake, one-off pauses of the VM — rather than the service's own time (`rewrite-bench run` measures that floor beside the services): trust p50 for a change in the service's own work, and p99 for a change in its tail larger than that jitter.";

/** The outcome as Markdown. */
export function gateMarkdown(outcome: GateOutcome, title: string): string {
  const lines = [`## ${title}: ${outcome.summary}`, ''];
  for (const note of outcome.notes) lines.push(`> ${escapeCell(note)}`);
  if (outcome.notes.length > 0) lines.push('');
  if (outcome.rows.some((row) => row.comparison !== undefined)) lines.push(describeProgress(outcome), '');
  if (outcome.rows.length > 0) {
    lines.push('| scenario | service | load | metric | baseline | candidate | change | rounds | look | p | verdict |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const row of outcome.rows) {
      const comparison = row.comparison;
      const p = comparison?.p === undefined ? '–' : formatP(comparison.p);
      const rounds = comparison === undefined ? '–' : String(comparison.rounds);
      const look = comparison?.stage === undefined ? '–' : `${comparison.stage} of ${comparison.stages}`;
      const verdict = row.verdict === 'pass' || row.verdict === 'borderline' ? row.verdict : `**${row.verdict}**`;
      const [baseline, candidate] = sideValues(row);
      const reason = comparison === undefined || comparison.verdict === 'undecided' || comparison.verdict === 'insufficient' ? `: ${escapeCell(row.reason)}` : '';
      lines.push(`| ${row.scenario} | ${row.service} | ${row.load} | ${row.metric} | ${baseline} | ${candidate} | ${changeText(comparison)} | ${rounds} | ${look} | ${p} | ${verdict}${reason} |`);
    }
    const compared = outcome.rows.filter((row) => row.comparison !== undefined).length;
    const limit = 1 + outcome.plan.maxRegression;
    lines.push(
      '',
      `Each round measures baseline and candidate back to back, in alternating order; a metric's change is the candidate's value over the baseline's in each round (oriented so that worse is above 1), estimated by Hodges–Lehmann with the look's exact interval, and p is the one-sided exact test — signed-rank on the log ratios ÷ ${limit} (the limit inside the test), the sign test for ${[...GATE_SIGN_TEST_METRICS].join(', ')} — that the candidate is still worse; a run that did not count (invalid, or moved by another tenant) is ranked the worst of its side. Failed requests: any against none is a regression, otherwise an exact test on the pooled counts; sustained rate: McNemar's exact test on the rounds where only one side saturated. A regression needs the row's sequential p-value (the chance of so small a p at any look of the plan) below its Holm level over the ${compared} compared row(s). Values are medians of the counting runs at the look that decided.`,
    );
    if (outcome.rows.some((row) => GATE_SIGN_TEST_METRICS.has(row.metric))) lines.push('', TAIL_JITTER_NOTE);
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
