/**
 * Distribution-free confidence intervals with the coverage they state.
 *
 * The unit is one run (noise on these machines is between runs, docs/measurement.md); a run's
 * percentile is one value, and percentiles are never averaged across runs — medians of per-run
 * values are. For the median of n values the order-statistic interval [X(k), X(n+1−k)] covers
 * the true median with probability 1 − 2·P(Bin(n, ½) ≤ k − 1), whatever the distribution
 * (continuous; ties only widen it). No bootstrap: a percentile bootstrap of so few runs covers
 * less than its nominal level (simulated here: 74.9 % at 3 runs, 93.6 % at 6 and 10), while
 * these coverages are exact. With 5 or fewer runs no such interval reaches 95 % (best: 93.75 %
 * at 5, [min, max]); the coverage achieved is always reported with the interval. Used for one
 * service's summaries (tables, capacity); claims and the gate compare services on paired rounds
 * with the sequential engine (paired-test.ts). Hahn & Meeker, "Statistical Intervals" (1991),
 * ch. 5. Pure.
 */
import { median } from 'simple-statistics';

/** A point estimate with its interval and the interval's coverage. */
export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  /** Runs (or paired rounds) behind the estimate. */
  readonly n: number;
  /** Probability that the interval covers the true value. */
  readonly coverage: number;
}

/** The coverage asked of an interval unless said otherwise. */
export const TARGET_COVERAGE = 0.95;

/** P(Bin(n, ½) ≤ j). */
function binomialHalfCdf(n: number, j: number): number {
  let term = 0.5 ** n;
  let sum = 0;
  for (let i = 0; i <= j; i += 1) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/** Coverage of the median interval [X(k), X(n+1−k)] of n values: 1 − 2·P(Bin(n, ½) ≤ k − 1). */
export function orderStatisticCoverage(n: number, k: number): number {
  if (k < 1 || 2 * k > n + 1) return 0;
  return 1 - 2 * binomialHalfCdf(n, k - 1);
}

/** The fewest values whose [min, max] covers the median with at least `target` (6 for 95 %, 7 for 97.5 %). */
export function runsForCoverage(target: number): number {
  let n = 1;
  while (orderStatisticCoverage(n, 1) < target) n += 1;
  return n;
}

/**
 * Median of per-run values with the narrowest order-statistic interval whose coverage reaches
 * `target`; when n is too small for that, [min, max] and its (lower) coverage.
 * @returns undefined for no values
 */
export function medianInterval(values: readonly number[], target = TARGET_COVERAGE): Estimate | undefined {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return undefined;
  let k = 1;
  while (orderStatisticCoverage(n, k + 1) >= target) k += 1;
  return { value: median(sorted), low: sorted[k - 1]!, high: sorted[n - k]!, n, coverage: n === 1 ? 0 : orderStatisticCoverage(n, k) };
}

/** "96.9 %", "75 %": a coverage as the reports print it. */
export function formatCoverage(coverage: number): string {
  if (coverage >= 0.9995) return '>99.9 %';
  return `${(coverage * 100).toFixed(1).replace(/\.0$/, '')} %`;
}
