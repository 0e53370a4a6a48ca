/**
 * The CI gate's decision for one metric of one scenario point: a one-sided exact Mann–Whitney
 * test over per-run values AND an effect floor (criterion.rs; docs/measurement.md: "regressed"
 * needs both significance and a change beyond noise). Large but not significant, or significant
 * but near the floor, is *borderline*: run more repetitions rather than fail. A baseline median
 * of 0 (errors) against a candidate above 0 is infinitely worse, never "undefined". Pure.
 */
import { median } from 'simple-statistics';
import { medianInterval, perFactorTarget, productInterval, type Estimate } from '../stats/interval.js';
import { mannWhitneyGreaterP } from '../stats/rank-test.js';

export interface GateRule {
  /** Largest tolerated slowdown, e.g. 0.1 for 10 %. */
  readonly maxRegression: number;
  /** Significance level of the rank test. */
  readonly alpha: number;
  /** Fewest valid runs per side before deciding. */
  readonly minRuns: number;
}

/**
 * minRuns 4: with 3 runs a side the exact one-sided p-value cannot go below 1/20 = 0.05, so the
 * test could never reject at α = 0.05; 4 a side reach 1/70.
 */
export const DEFAULT_RULE: GateRule = { maxRegression: 0.1, alpha: 0.05, minRuns: 4 };

/** Runs a side the in-job gate measures unless told otherwise (calibrated by `npm run bench:gate`). */
export const DEFAULT_REPETITIONS = 10;

export type GateVerdict = 'pass' | 'regression' | 'borderline' | 'insufficient';

export interface Comparison {
  readonly verdict: GateVerdict;
  /** How much worse the candidate is: > 1 is worse (ratio of medians, oriented by the metric; Infinity from a zero baseline). */
  readonly worseRatio: Estimate | undefined;
  /** One-sided p-value that the candidate is worse. */
  readonly p: number | undefined;
  readonly baselineMedian: number | undefined;
  readonly candidateMedian: number | undefined;
  readonly baselineRuns: number;
  readonly candidateRuns: number;
  readonly reason: string;
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
 * Compares per-run values of one metric.
 * @param lowerIsBetter true for latency, CPU, memory, errors; false for throughput
 */
export function compareRuns(baseline: readonly number[], candidate: readonly number[], lowerIsBetter: boolean, rule: GateRule = DEFAULT_RULE): Comparison {
  const baselineMedian = baseline.length === 0 ? undefined : median([...baseline]);
  const candidateMedian = candidate.length === 0 ? undefined : median([...candidate]);
  const sizes = { baselineRuns: baseline.length, candidateRuns: candidate.length };
  if (baseline.length < rule.minRuns || candidate.length < rule.minRuns) {
    return {
      verdict: 'insufficient',
      worseRatio: undefined,
      p: undefined,
      baselineMedian,
      candidateMedian,
      ...sizes,
      reason: `${baseline.length} baseline and ${candidate.length} candidate valid runs; at least ${rule.minRuns} each are needed (fewer cannot reach p < ${rule.alpha}); the in-job gate measures ${DEFAULT_REPETITIONS} a side by default`,
    };
  }
  const [worse, better] = lowerIsBetter ? [candidate, baseline] : [baseline, candidate];
  const p = mannWhitneyGreaterP(worse, better)!;
  const ratio = ratioOf(median([...worse]), median([...better]));
  const target = perFactorTarget(2);
  const interval = productInterval([
    { estimate: medianInterval(worse, target)!, power: 1 },
    { estimate: medianInterval(better, target)!, power: -1 },
  ]);
  const worseRatio: Estimate = interval === undefined ? { value: ratio, low: ratio, high: ratio, n: Math.min(worse.length, better.length), coverage: 0 } : { ...interval, value: ratio };
  const floor = 1 + rule.maxRegression;
  const significant = p < rule.alpha;
  const change = formatChange(ratio);
  let verdict: GateVerdict;
  let reason: string;
  if (significant && ratio > floor) {
    verdict = 'regression';
    reason = `${change} worse (limit ${formatChange(floor)}), Mann-Whitney p = ${p.toPrecision(2)} < ${rule.alpha}`;
  } else if ((!significant && ratio > floor) || (significant && ratio > 1 + rule.maxRegression / 2)) {
    verdict = 'borderline';
    reason = `${change} (limit ${formatChange(floor)}), p = ${p.toPrecision(2)}: not conclusive, run more repetitions`;
  } else {
    verdict = 'pass';
    reason = `${change} (limit ${formatChange(floor)}), p = ${p.toPrecision(2)}`;
  }
  return { verdict, worseRatio, p, baselineMedian, candidateMedian, ...sizes, reason };
}
