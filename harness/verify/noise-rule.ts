/**
 * When a candidate's differences at one location are more than the reference's own noise there.
 * Pure.
 *
 * Diffy compares, per endpoint and field, how often the candidate differed from the primary with
 * how often the secondary (the same code as the primary) did, and reports the field when the
 * candidate's rate is clearly above. Its thresholds are fixed percentages; here "clearly above"
 * is a one-sided exact test, so that one odd answer of the reference never excuses a candidate
 * that is wrong on every request, and a rare flake in both is not called a regression.
 *
 * For one kind of request and one location (the status, the content type, or a JSON path), over
 * the n requests of that kind sent to the primary P, the secondary S and the candidate C:
 * - k: requests in which S differed from P there (the noise); c: in which C differed from P;
 * - a: requests in which only S differed; b: in which only C differed (both: c − b = k − a).
 *
 * The rule:
 * - k = 0: the reference is deterministic there, and every difference of the candidate is
 *   reported (c ≥ 1).
 * - k > 0: the candidate's differences are reported when b is clearly above a: the one-sided
 *   exact sign test (McNemar's exact test) P(X ≥ b | X ~ Binomial(a + b, ½)) ≤ α = 0.01.
 *
 * Why this test: if the candidate behaved like a third instance of the reference (C and S
 * exchangeable on every request), each request on which exactly one of them differs from P is as
 * likely to be S's as C's, whatever the noise rate and however the three depend on P; so the
 * rule flags such a candidate at one noisy location at most 1 % of the time (exactly, for every
 * a + b: the tests enumerate it). Examples at n = 300: the status differed on 1 request between
 * the reference's instances (a = 1): the candidate is reported from b = 10 on (a 500 on all 300
 * requests is); a = 3: from b = 14; a = 30: from b = 52.
 *
 * What it cannot tell: a location that differs in the reference rarely (less often than about
 * once in n requests) may not differ in any of its n pairs; it then counts as deterministic and a
 * candidate that shows the same rare difference is reported. Declare it (`compare.ignore` with a
 * reason) when that is what happens.
 */

/** False-alarm rate of the rule at one noisy location for a candidate that behaves like the reference. */
export const NOISE_ALPHA = 0.01;

/** Counts at one location of one kind of request (see the module comment). */
export interface LocationCounts {
  /** Requests of the kind compared. */
  readonly requests: number;
  /** Requests in which the reference's two instances differed there. */
  readonly noiseCount: number;
  /** Requests in which the candidate differed from the primary there. */
  readonly differedCount: number;
  /** Requests in which the candidate differed and the secondary did not. */
  readonly onlyCandidate: number;
  /** Requests in which the secondary differed and the candidate did not. */
  readonly onlySecondary: number;
}

/** The rule's verdict at one location. */
export interface NoiseJudgement {
  /** The candidate's differences there are reported. */
  readonly isDifference: boolean;
  /** The sign test's one-sided p; undefined where the reference never differed (k = 0) or the candidate never did. */
  readonly p: number | undefined;
}

/**
 * One-sided exact sign test: P(X ≥ successes) for X ~ Binomial(trials, ½).
 * Written here because simple-statistics' binomialDistribution drops the tail once the table's
 * mass is within 1e-4 of 1, which is where these p-values live.
 * @returns 1 for successes ≤ 0; 0 for successes > trials
 */
export function signTestP(successes: number, trials: number): number {
  if (successes <= 0) return 1;
  if (successes > trials) return 0;
  // log C(trials, i) from i = trials downwards: log C(m, i − 1) = log C(m, i) + ln i − ln(m − i + 1).
  let logC = 0;
  let logSum = Number.NEGATIVE_INFINITY;
  for (let index = trials; index >= successes; index -= 1) {
    const high = Math.max(logSum, logC);
    logSum = high + Math.log(Math.exp(logSum - high) + Math.exp(logC - high));
    logC += Math.log(index) - Math.log(trials - index + 1);
  }
  return Math.min(1, Math.exp(logSum - trials * Math.LN2));
}

/** Applies the rule (module comment) to one location's counts. */
export function judgeLocation(counts: LocationCounts): NoiseJudgement {
  if (counts.differedCount === 0) return { isDifference: false, p: undefined };
  if (counts.noiseCount === 0) return { isDifference: true, p: undefined };
  const p = signTestP(counts.onlyCandidate, counts.onlyCandidate + counts.onlySecondary);
  return { isDifference: p <= NOISE_ALPHA, p };
}

/**
 * The most requests on which only the candidate differed that the rule still excuses when only
 * the secondary differed on `onlySecondary` of `requests` (for the README's and the tests'
 * examples). 0 when onlySecondary is 0: the location is deterministic and nothing is excused.
 */
export function mostExcused(onlySecondary: number, requests: number): number {
  if (onlySecondary === 0) return 0;
  let excused = 0;
  for (let onlyCandidate = 1; onlyCandidate + onlySecondary <= requests; onlyCandidate += 1) {
    if (signTestP(onlyCandidate, onlyCandidate + onlySecondary) <= NOISE_ALPHA) break;
    excused = onlyCandidate;
  }
  return excused;
}
