/**
 * One look of the CI gate at one metric of one scenario point: is the candidate worse than the
 * baseline by more than the tolerated limit? The limit is inside the test, not applied to the
 * point estimate: the candidate's per-run values divided by (1 + limit) are tested against the
 * baseline's with a one-sided exact Mann–Whitney test (for throughput, where lower is worse, the
 * baseline's are divided and tested against the candidate's). A change of exactly the limit is
 * then the null hypothesis itself, flagged at most α of the time; a floor on the ratio of
 * medians instead flags 11–32 % of exact +10 % changes against a +10 % limit (issue 15).
 *
 * The ratio of medians and its order-statistic interval are reported beside the p-value. A
 * baseline median of 0 (errors) against a candidate above 0 is infinitely worse, never
 * "undefined". Which look decides, and at what level, is the plan's business (sequential.ts).
 * Pure.
 */
import { median } from 'simple-statistics';
import { medianInterval, perFactorTarget, productInterval, type Estimate } from '../stats/interval.js';
import { greaterP } from './rank-table.js';

/** What one look at one row found. */
export interface LookEvidence {
  /** One-sided exact p that the worse side ÷ (1 + limit) is still stochastically worse (computed as the worse side against the better × (1 + limit)). */
  readonly p: number;
  /** How much worse the candidate is: > 1 is worse (ratio of medians, oriented by the metric; Infinity from a zero baseline). */
  readonly worseRatio: Estimate;
  readonly baselineMedian: number;
  readonly candidateMedian: number;
  readonly baselineRuns: number;
  readonly candidateRuns: number;
}

/** "+30.0 %", "−12.5 %", "from 0" */
export function formatChange(ratio: number): string {
  if (ratio === Number.POSITIVE_INFINITY) return '+∞ % (from 0)';
  return `${ratio >= 1 ? '+' : '−'}${(Math.abs(ratio - 1) * 100).toFixed(1)} %`;
}

/** worse ÷ better medians: 0 → more than 0 is infinitely worse; 0 → 0 is no change. */
function ratioOf(worse: number, better: number): number {
  if (better === 0) return worse === 0 ? 1 : Number.POSITIVE_INFINITY;
  return worse / better;
}

/**
 * Compares per-run values of one metric, the limit inside the test.
 * @param lowerIsBetter true for latency, CPU, memory, errors; false for throughput
 * @param maxRegression the tolerated worsening, e.g. 0.1 for 10 %
 * @returns undefined when a side has no value
 */
export function compareLook(baseline: readonly number[], candidate: readonly number[], lowerIsBetter: boolean, maxRegression: number): LookEvidence | undefined {
  if (baseline.length === 0 || candidate.length === 0) return undefined;
  const [worse, better] = lowerIsBetter ? [candidate, baseline] : [baseline, candidate];
  // worse ÷ (1 + limit) > better ⇔ worse > better × (1 + limit): multiplying keeps exact multiples tied (1000 × 1.1 on both sides is one float).
  const p = greaterP(
    worse,
    better.map((value) => value * (1 + maxRegression)),
  )!;
  const ratio = ratioOf(median([...worse]), median([...better]));
  const target = perFactorTarget(2);
  const interval = productInterval([
    { estimate: medianInterval(worse, target)!, power: 1 },
    { estimate: medianInterval(better, target)!, power: -1 },
  ]);
  const worseRatio: Estimate = interval === undefined ? { value: ratio, low: ratio, high: ratio, n: Math.min(worse.length, better.length), coverage: 0 } : { ...interval, value: ratio };
  return { p, worseRatio, baselineMedian: median([...baseline]), candidateMedian: median([...candidate]), baselineRuns: baseline.length, candidateRuns: candidate.length };
}
