/**
 * One look of the CI gate at one row: is the candidate worse than the baseline by more than the
 * tolerated limit? Three kinds of row, each an exact one-sided test whose p is small when the
 * candidate is worse:
 *
 * - a metric: per round i (baseline and candidate measured back to back), the log ratio of the
 *   candidate's value to the baseline's, oriented so that worse is positive, minus ln(1 + limit)
 *   — the limit inside the test, so a change of exactly the limit is the null itself. A run that
 *   does not count for verdicts (invalid, or moved by another tenant) is ranked as the worst value
 *   of its side (±∞), not dropped; a round whose two runs both do not count says nothing and is
 *   left out. Signed-rank test (Hodges–Lehmann estimate) by default, the sign test for tail
 *   metrics (plan.ts).
 * - failed requests over all runs: any against none is a regression (p = 0: the README's
 *   promise); otherwise the exact conditional binomial test on the pooled counts: given F
 *   failures in all, the candidate's share under the null is (1 + limit)·Nc ÷ ((1 + limit)·Nc + Nb).
 * - the sustained rate of an open loop: the rounds where only one side saturated (discordant
 *   pairs, McNemar's exact test): under the null each is the candidate's with probability ½.
 * Pure.
 */
import { binomialHalfUpperTail } from '../stats/sign-test.js';
import type { Estimate } from '../stats/interval.js';
import { lookAt } from '../stats/paired-test.js';
import type { PairedTestKind } from '../stats/sequential-null.js';

/** What one look at one row found. */
export interface LookEvidence {
  readonly test: PairedTestKind | 'failures' | 'saturation';
  /** One-sided exact p that the candidate is worse than the limit allows (0: failures against none). */
  readonly p: number;
  /** How much worse the candidate is: > 1 is worse (Infinity from a zero baseline); undefined for saturation. */
  readonly worseRatio: Estimate | undefined;
  /** What the table shows per side: medians of counting runs, or failure and saturation counts. */
  readonly baselineValue: number | undefined;
  readonly candidateValue: number | undefined;
  /** Rounds (pairs) the look used. */
  readonly rounds: number;
  /** Runs ranked worst because they did not count for verdicts, per side. */
  readonly worst: { readonly baseline: number; readonly candidate: number };
  /** A sentence about the data (failure counts, discordant rounds). */
  readonly detail: string | undefined;
}

/** "+30.0 %", "−12.5 %", "+∞ % (from 0)" */
export function formatChange(ratio: number): string {
  if (ratio === Number.POSITIVE_INFINITY) return '+∞ % (from 0)';
  return `${ratio >= 1 ? '+' : '−'}${(Math.abs(ratio - 1) * 100).toFixed(1)} %`;
}

const medianOf = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One round of a metric row: each side's value, undefined when its run does not count. */
export interface MetricPair {
  readonly baseline: number | undefined;
  readonly candidate: number | undefined;
}

/**
 * The look at a metric row's rounds.
 * @param level the per-look one-sided level the interval's ends use (the row's design at α)
 * @returns undefined when no round has a counting run on either side
 */
export function lookAtMetric(pairs: readonly MetricPair[], test: PairedTestKind, lowerIsBetter: boolean, maxRegression: number, level: number): LookEvidence | undefined {
  const shift = Math.log(1 + maxRegression);
  const badness = (value: number | undefined): number => (value === undefined ? Number.POSITIVE_INFINITY : lowerIsBetter ? Math.log(value) : -Math.log(value));
  const used = pairs.filter((pair) => pair.baseline !== undefined || pair.candidate !== undefined);
  if (used.length === 0) return undefined;
  // Oriented log ratio minus the limit: a worst-ranked side is ±∞, never a NaN (both worst are left out above).
  const d = used.map((pair) => badness(pair.candidate) - badness(pair.baseline) - shift);
  const look = lookAt(test, d, level, level)!;
  const ratio = (value: number): number => (1 + maxRegression) * Math.exp(value);
  return {
    test,
    p: look.pUpper,
    worseRatio: { value: ratio(look.estimate), low: ratio(look.low), high: ratio(look.high), n: look.n, coverage: look.coverage },
    baselineValue: medianOf(used.flatMap((pair) => (pair.baseline === undefined ? [] : [pair.baseline]))),
    candidateValue: medianOf(used.flatMap((pair) => (pair.candidate === undefined ? [] : [pair.candidate]))),
    rounds: used.length,
    worst: { baseline: used.filter((pair) => pair.baseline === undefined).length, candidate: used.filter((pair) => pair.candidate === undefined).length },
    detail: undefined,
  };
}

/** Failed requests and requests sent by one side over a look's runs. */
export interface FailureCounts {
  readonly failed: number;
  readonly requests: number;
}

/** P(Bin(n, π) ≥ k), summed directly (n is a count of failures: at most a few thousand here). */
function binomialUpperTail(n: number, k: number, pi: number): number {
  if (k <= 0) return 1;
  if (k > n || pi <= 0) return 0;
  if (pi >= 1) return 1;
  // Log-space terms: no underflow of π^n for large n.
  let logTerm = k * Math.log(pi) + (n - k) * Math.log(1 - pi);
  for (let i = 0; i < k; i += 1) logTerm += Math.log(n - i) - Math.log(i + 1);
  let sum = 0;
  for (let i = k; i <= n; i += 1) {
    sum += Math.exp(logTerm);
    logTerm += Math.log(n - i) - Math.log(i + 1) + Math.log(pi) - Math.log(1 - pi);
  }
  return Math.min(1, sum);
}

/** The failures row's look: any against none, or the conditional binomial test on pooled counts. */
export function lookAtFailures(baseline: FailureCounts, candidate: FailureCounts, rounds: number, maxRegression: number): LookEvidence {
  const rate = (counts: FailureCounts): number => (counts.requests === 0 ? 0 : counts.failed / counts.requests);
  const ratioValue = baseline.failed === 0 ? (candidate.failed === 0 ? 1 : Number.POSITIVE_INFINITY) : rate(candidate) / rate(baseline);
  let p: number;
  if (candidate.failed === 0) p = 1;
  else if (baseline.failed === 0) p = 0;
  else {
    const weight = (1 + maxRegression) * candidate.requests;
    p = binomialUpperTail(baseline.failed + candidate.failed, candidate.failed, weight / (weight + baseline.requests));
  }
  return {
    test: 'failures',
    p,
    worseRatio: { value: ratioValue, low: ratioValue, high: ratioValue, n: rounds, coverage: 0 },
    baselineValue: baseline.failed,
    candidateValue: candidate.failed,
    rounds,
    worst: { baseline: 0, candidate: 0 },
    detail: `failed requests: baseline ${baseline.failed.toLocaleString('en-US')} of ${baseline.requests.toLocaleString('en-US')}, candidate ${candidate.failed.toLocaleString('en-US')} of ${candidate.requests.toLocaleString('en-US')}${baseline.failed === 0 && candidate.failed > 0 ? ' (any against none)' : ''}`,
  };
}

/** One round of the saturation row: whether each side's run could not sustain the offered rate. */
export interface SaturationPair {
  readonly baseline: boolean;
  readonly candidate: boolean;
}

/** The saturation row's look: McNemar's exact test on the discordant rounds. */
export function lookAtSaturation(pairs: readonly SaturationPair[]): LookEvidence {
  const onlyCandidate = pairs.filter((pair) => pair.candidate && !pair.baseline).length;
  const onlyBaseline = pairs.filter((pair) => pair.baseline && !pair.candidate).length;
  const discordant = onlyCandidate + onlyBaseline;
  const p = discordant === 0 ? 1 : binomialHalfUpperTail(discordant)[onlyCandidate]!;
  return {
    test: 'saturation',
    p,
    worseRatio: undefined,
    baselineValue: pairs.filter((pair) => pair.baseline).length,
    candidateValue: pairs.filter((pair) => pair.candidate).length,
    rounds: pairs.length,
    worst: { baseline: 0, candidate: 0 },
    detail: `of ${pairs.length} rounds, only the candidate saturated in ${onlyCandidate}, only the baseline in ${onlyBaseline}`,
  };
}
