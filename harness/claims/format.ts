/**
 * Claims and capacity as text for the terminal and Markdown. Pure.
 */
import type { CapacityEstimate, CheckResult, ClaimResult } from '../results/claims.js';

/** 3 significant digits, no exponent for ordinary magnitudes. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

/**
 * An end of a claim's interval: `∞` for an upper end the test cannot bound at its level and
 * number of rounds (+∞ in memory, null once read back from JSON), else `formatNumber`.
 */
export function formatBound(value: number | null | undefined): string {
  return value === null || value === Number.POSITIVE_INFINITY ? '∞' : formatNumber(value);
}

/** Whether a check's upper end is open (+∞, or null from JSON). */
export function isOpenEnd(value: number | null | undefined): boolean {
  return value === null || value === Number.POSITIVE_INFINITY;
}

/** `23.4 [18.1, 30.2] >= 10`, `8.3 [4.1, ∞] >= 2`, or `0.85 (single measurement) <= 0.3`; one run has no interval to print. */
export function formatCheckValue(check: CheckResult): string {
  const interval = check.low === undefined || check.high === undefined || check.n === 1 ? '' : ` [${formatNumber(check.low)}, ${formatBound(check.high)}]`;
  return `${check.statistic} = ${formatNumber(check.value)}${interval} (claimed ${check.comparator} ${formatNumber(check.threshold)})`;
}

const VERDICT_WORDS = { holds: 'HOLDS', refuted: 'REFUTED', inconclusive: 'INCONCLUSIVE', 'not-measured': 'NOT MEASURED' } as const;

/** The claims section of the terminal summary. */
export function formatClaims(results: readonly ClaimResult[], capacity: readonly CapacityEstimate[]): string {
  const lines = ['## claims (exact sequential tests on paired rounds: each wrong verdict ≤ 2.5 % over all looks; intervals at the plan\'s per-look level)'];
  for (const result of results) {
    lines.push(`${VERDICT_WORDS[result.verdict].padEnd(12)} ${result.id}${result.scenario === undefined ? '' : ` (${result.scenario}${result.load === undefined ? '' : `, ${result.load}`})`}`);
    for (const check of result.checks) {
      lines.push(`    ${check.verdict.padEnd(12)} ${formatCheckValue(check)}${check.n === undefined ? '' : `, n=${check.n}`}${check.note === undefined ? '' : ` — ${check.note}`}`);
    }
  }
  if (capacity.length > 0) {
    lines.push('', '## cores needed (extrapolated from CPU time per request)');
    for (const estimate of capacity) {
      lines.push(
        `  ${estimate.service.padEnd(12)} ${formatNumber(estimate.coresNeeded.value)} cores ${estimate.coresNeeded.n < 2 ? '(n=1: no interval)' : `[${formatNumber(estimate.coresNeeded.low)}, ${formatNumber(estimate.coresNeeded.high)}] n=${estimate.coresNeeded.n}`} for ${estimate.throughputRps.toLocaleString('en-US')} req/s of ${estimate.scenario}`,
      );
    }
    lines.push(`  assumption: ${capacity[0]!.assumption}`);
  }
  return lines.join('\n');
}
