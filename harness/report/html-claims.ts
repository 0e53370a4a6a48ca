/**
 * The claims section as HTML: each claim's verdict badge, its text, and every check with the
 * measured value, its interval with the coverage it has, and n; then the capacity table with its stated assumption. Claim
 * texts come from user files and are escaped. Pure.
 */
import type { CapacityEstimate, CheckResult, ClaimResult, Verdict } from '../results/claims.js';
import { formatBound, formatNumber } from '../claims/format.js';
import type { ResultsDocument } from '../results/document.js';
import { escapeHtml } from './escape.js';
import type { ReportSource } from './sources.js';
import { formatCoverage } from '../stats/interval.js';

const VERDICT_WORDS: Readonly<Record<Verdict, string>> = { holds: 'holds', refuted: 'refuted', inconclusive: 'inconclusive', 'not-measured': 'not measured' };

/** A verdict badge (colour by verdict). */
export function verdictBadge(verdict: Verdict): string {
  return `<span class="badge verdict verdict-${verdict}">${VERDICT_WORDS[verdict]}</span>`;
}

/** "2 hold · 1 refuted · …" for a list of claim results. */
export function verdictCounts(results: readonly ClaimResult[]): string {
  const order: Verdict[] = ['holds', 'refuted', 'inconclusive', 'not-measured'];
  return order
    .map((verdict) => ({ verdict, count: results.filter((result) => result.verdict === verdict).length }))
    .filter(({ count }) => count > 0)
    .map(({ verdict, count }) => `${verdictBadge(verdict)} × ${count}`)
    .join(' ');
}

function interval(check: CheckResult): string {
  if (check.low === undefined || check.high === undefined) return check.value === undefined ? '–' : 'single measurement';
  if (check.n !== undefined && check.n < 2) return 'n = 1: no interval';
  return `${formatNumber(check.low)} – ${formatBound(check.high)}${check.coverage === undefined ? '' : ` (${formatCoverage(check.coverage)})`}`;
}

function checkRow(check: CheckResult): string {
  return [
    '<tr>',
    `<td><code>${escapeHtml(check.source)}</code></td>`,
    `<td>${verdictBadge(check.verdict)}</td>`,
    `<td class="num">${escapeHtml(formatNumber(check.value))}</td>`,
    `<td class="num">${escapeHtml(interval(check))}</td>`,
    `<td class="num"><code>${escapeHtml(check.comparator)} ${escapeHtml(formatNumber(check.threshold))}</code></td>`,
    `<td class="num">${check.n === undefined ? '–' : check.n}</td>`,
    `<td class="note">${escapeHtml(check.note ?? '')}</td>`,
    '</tr>',
  ].join('');
}

function renderClaim(result: ClaimResult): string {
  const where = [result.scenario, result.load].filter((part): part is string => part !== undefined).map(escapeHtml).join(' · ');
  const source = result.source === undefined ? '' : `<span class="claim-source">source: ${escapeHtml(result.source)}</span>`;
  return [
    `<article class="claim claim-${result.verdict}">`,
    `<header>${verdictBadge(result.verdict)} <span class="claim-id">${escapeHtml(result.id)}</span>${where === '' ? '' : ` <span class="claim-where">${where}</span>`} ${source}</header>`,
    `<blockquote class="claim-text">${escapeHtml(result.text)}</blockquote>`,
    '<div class="table-wrap"><table class="checks"><thead><tr><th>check</th><th>verdict</th><th class="num">measured</th><th class="num">interval (coverage)</th><th class="num">claimed</th><th class="num">n</th><th>note</th></tr></thead>',
    `<tbody>${result.checks.map(checkRow).join('')}</tbody></table></div>`,
    '</article>',
  ].join('');
}

function renderCapacity(capacity: readonly CapacityEstimate[]): string {
  if (capacity.length === 0) return '';
  const rows = capacity.map((estimate) => {
    const ci = estimate.coresNeeded.n < 2 ? 'n = 1: no interval' : `${formatNumber(estimate.coresNeeded.low)} – ${formatNumber(estimate.coresNeeded.high)} (${formatCoverage(estimate.coresNeeded.coverage)})`;
    return `<tr><td>${escapeHtml(estimate.service)}</td><td>${escapeHtml(estimate.scenario)}</td><td>${escapeHtml(estimate.load)}</td><td class="num">${escapeHtml(formatNumber(estimate.throughputRps))} req/s</td><td class="num"><strong>${escapeHtml(formatNumber(estimate.coresNeeded.value))} cores</strong></td><td class="num">${escapeHtml(ci)}</td><td class="num">${estimate.coresNeeded.n}</td></tr>`;
  });
  const assumptions = [...new Set(capacity.map((estimate) => estimate.assumption))];
  return [
    '<h3>Cores needed (extrapolated from CPU time per request)</h3>',
    '<div class="table-wrap"><table class="capacity"><thead><tr><th>service</th><th>scenario</th><th>measured at</th><th class="num">target throughput</th><th class="num">cores needed</th><th class="num">interval (coverage)</th><th class="num">n</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div>`,
    `<div class="assumption"><strong>Assumption${assumptions.length === 1 ? '' : 's'}:</strong><ul>${assumptions.map((assumption) => `<li>${escapeHtml(assumption)}</li>`).join('')}</ul></div>`,
  ].join('');
}

function claimsOf(document: ResultsDocument): NonNullable<ResultsDocument['claims']> | undefined {
  return document.claims === undefined || document.claims === null ? undefined : document.claims;
}

/** The claims of every source (one block per source when the report merges several). */
export function renderClaims(sources: readonly ReportSource[]): string {
  const blocks = sources.flatMap((source) => {
    const claims = claimsOf(source.document);
    if (claims === undefined) return [];
    const heading = sources.length > 1 ? `<h3 class="source-heading">${escapeHtml(source.label)}</h3>` : '';
    return [
      `${heading}<p class="lead">Claims from <code>${escapeHtml(claims.file)}</code>: ${verdictCounts(claims.results)}. Each check is decided on paired rounds (every service of the scenario measured once per round, back to back; the check's value in each round) by an exact sequential test planned before the first round: a signed-rank test on the log ratios (Hodges–Lehmann estimate; it assumes they are symmetric about their centre), or the sign test (median; no such assumption) when a term is a tail metric. A check <em>holds</em> when the claimed side's boundary is crossed at a look, is <em>refuted</em> when the other side's is, and is <em>inconclusive</em> otherwise; each wrong verdict has a chance of at most 2.5 % over all looks (a claim's refutation shares its 2.5 % among its checks). The interval is the deciding (or last) look's exact interval at the plan's per-look level, so it lies on the claimed side exactly when the check holds; the coverage shown is that interval's at its number of rounds. Results files of schema version 2 show the verdicts of the per-service intervals they were decided with.</p>`,
      ...claims.results.map(renderClaim),
      renderCapacity(claims.capacity),
    ];
  });
  return blocks.length === 0 ? '<p class="muted">No claims were evaluated for these results (run with <code>--claims FILE</code>).</p>' : blocks.join('\n');
}
