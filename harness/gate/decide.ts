/**
 * The CI gate's decision for one metric of one scenario point: a one-sided exact Mann–Whitney
 * test over per-run values AND an effect floor (criterion.rs and ../shared/notes/measurement.md
 * §5: "regressed" needs both significance and a change beyond noise). Large but not significant,
 * or significant but near the floor, is *borderline*: run more repetitions rather than fail. Pure.
 */
import { median } from 'simple-statistics';
import { ratioOfMedians, seededRandom, type Estimate } from '../stats/bootstrap.js';
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

export type GateVerdict = 'pass' | 'regression' | 'borderline' | 'insufficient';

export interface Comparison {
  readonly verdict: GateVerdict;
  /** How much worse the candidate is: > 1 is worse (median ratio, oriented by the metric). */
  readonly worseRatio: Estimate | undefined;
  /** One-sided p-value that the candidate is worse. */
  readonly p: number | undefined;
  readonly baselineMedian: number | undefined;
  readonly candidateMedian: number | undefined;
  readonly reason: string;
}

const percent = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;

/**
 * Compares per-run values of one metric.
 * @param lowerIsBetter true for latency, CPU, memory; false for throughput
 */
export function compareRuns(baseline: readonly number[], candidate: readonly number[], lowerIsBetter: boolean, rule: GateRule = DEFAULT_RULE, seed = 1): Comparison {
  const baselineMedian = baseline.length === 0 ? undefined : median([...baseline]);
  const candidateMedian = candidate.length === 0 ? undefined : median([...candidate]);
  if (baseline.length < rule.minRuns || candidate.length < rule.minRuns) {
    return {
      verdict: 'insufficient',
      worseRatio: undefined,
      p: undefined,
      baselineMedian,
      candidateMedian,
      reason: `${baseline.length} baseline and ${candidate.length} candidate valid runs; at least ${rule.minRuns} each are needed (fewer cannot reach p < ${rule.alpha}: use 5 or more repetitions)`,
    };
  }
  const [worse, better] = lowerIsBetter ? [candidate, baseline] : [baseline, candidate];
  const p = mannWhitneyGreaterP(worse, better)!;
  const worseRatio = ratioOfMedians(worse, better, seededRandom(seed));
  const ratio = worseRatio?.value ?? Number.NaN;
  const floor = 1 + rule.maxRegression;
  const significant = p < rule.alpha;
  const change = Number.isFinite(ratio) ? percent(ratio) : 'undefined';
  let verdict: GateVerdict;
  let reason: string;
  if (significant && ratio > floor) {
    verdict = 'regression';
    reason = `${change} worse (limit ${percent(floor)}), Mann-Whitney p = ${p.toPrecision(2)} < ${rule.alpha}`;
  } else if ((!significant && ratio > floor) || (significant && ratio > 1 + rule.maxRegression / 2)) {
    verdict = 'borderline';
    reason = `${change} (limit ${percent(floor)}), p = ${p.toPrecision(2)}: not conclusive, run more repetitions`;
  } else {
    verdict = 'pass';
    reason = `${change} (limit ${percent(floor)}), p = ${p.toPrecision(2)}`;
  }
  return { verdict, worseRatio, p, baselineMedian, candidateMedian, reason };
}
