/**
 * The exact Wilcoxon signed-rank test on paired values d₁ … dₙ (Wilcoxon 1945), the
 * Hodges–Lehmann estimate and its exact interval from Walsh averages (Hodges & Lehmann 1963;
 * Hollander, Wolfe & Chicken, "Nonparametric Statistical Methods", 3rd ed., §3.1–3.2).
 *
 * Assumption: under the null the dᵢ are symmetric about their centre (here log ratios; stated
 * with every verdict that uses it). Null law: each rank 1 … n is positive with probability ½,
 * independently, so W₊ has the distribution of a random subset sum of {1 … n}, computed exactly.
 *
 * The statistic is counted on Walsh averages Aᵢⱼ = (dᵢ + dⱼ)/2, i ≤ j: T₊ = #{Aᵢⱼ > 0} equals
 * W₊ without ties or zeros, and with them equals W₊ under the tie-break least favourable to the
 * upper test (a zero counts as negative, a positive ranks below a negative of the same size) —
 * so T₊ never exceeds the W₊ of a random tie-break, whose null law is the continuous one, and the
 * test stays at or below its level with ties (latencies come out of histogram buckets) and with
 * ±∞ (an invalid run ranked worst; +∞ and −∞ average to a tie, 0). The upper test at a one-sided
 * level γ rejects iff T₊ ≥ c (c critical), which is exactly when the c-th largest Walsh average —
 * the interval's lower end — is above 0: the verdict and the printed interval agree.
 * simple-statistics 7.12.1 has no signed-rank p-value (its `wilcoxonRankSum` is the two-sample
 * statistic only), hence these few lines. Pure.
 */
import { midpoint, type LocationInterval } from './sign-test.js';

const tails = new Map<number, Float64Array>();

/** P(W₊ ≥ w) for w = 0 … n(n+1)/2 + 1 under the null, computed once per n. */
export function signedRankUpperTail(n: number): Float64Array {
  const cached = tails.get(n);
  if (cached !== undefined) return cached;
  const maxW = (n * (n + 1)) / 2;
  // prob[w] = P(subset sum of {1 … k} = w); each rank joins with probability ½.
  let prob = new Float64Array(maxW + 1);
  prob[0] = 1;
  for (let rank = 1; rank <= n; rank += 1) {
    const next = new Float64Array(maxW + 1);
    const reach = (rank * (rank - 1)) / 2;
    for (let w = 0; w <= reach; w += 1) {
      const half = prob[w]! / 2;
      if (half === 0) continue;
      next[w] = next[w]! + half;
      next[w + rank] = next[w + rank]! + half;
    }
    prob = next;
  }
  const tail = new Float64Array(maxW + 2);
  for (let w = maxW; w >= 0; w -= 1) tail[w] = tail[w + 1]! + prob[w]!;
  tails.set(n, tail);
  return tail;
}

/** P(W₊ ≥ w) at n; 1 for w ≤ 0, 0 beyond n(n+1)/2. */
export function signedRankUpperP(n: number, w: number): number {
  if (w <= 0) return 1;
  const maxW = (n * (n + 1)) / 2;
  if (w > maxW) return 0;
  return signedRankUpperTail(n)[w]!;
}

/** The smallest w with P(W₊ ≥ w) ≤ γ; n(n+1)/2 + 1 when none is that rare. */
export function signedRankCritical(n: number, gamma: number): number {
  const tail = signedRankUpperTail(n);
  let c = (n * (n + 1)) / 2 + 1;
  while (c > 0 && tail[c - 1]! <= gamma) c -= 1;
  return c;
}

/** Walsh averages (dᵢ + dⱼ)/2, i ≤ j, sorted ascending. */
export function walshAverages(values: readonly number[]): Float64Array {
  const n = values.length;
  const averages = new Float64Array((n * (n + 1)) / 2);
  let at = 0;
  for (let i = 0; i < n; i += 1) for (let j = i; j < n; j += 1) averages[at++] = midpoint(values[i]!, values[j]!);
  return averages.sort();
}

/** T₊ = #{Walsh averages > 0} (side `upper`) or T₋ = #{< 0} (`lower`). */
export function signedRankCount(values: readonly number[], side: 'upper' | 'lower'): number {
  let count = 0;
  const n = values.length;
  for (let i = 0; i < n; i += 1) {
    for (let j = i; j < n; j += 1) {
      const average = midpoint(values[i]!, values[j]!);
      if (side === 'upper' ? average > 0 : average < 0) count += 1;
    }
  }
  return count;
}

/** One-sided exact p of the signed-rank test for "centre ≤ 0" (`upper`) or "centre ≥ 0" (`lower`). */
export function signedRankTestP(values: readonly number[], side: 'upper' | 'lower'): number {
  return signedRankUpperP(values.length, signedRankCount(values, side));
}

/**
 * The Hodges–Lehmann estimate (median of the Walsh averages) with the exact interval whose lower
 * end is above 0 exactly when the upper test at `gammaLow` rejects, and whose upper end is below
 * 0 exactly when the lower test at `gammaHigh` rejects.
 * @returns undefined for no values
 */
export function signedRankInterval(values: readonly number[], gammaLow: number, gammaHigh: number): LocationInterval | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const averages = walshAverages(values);
  const count = averages.length;
  const middle = Math.floor(count / 2);
  const estimate = count % 2 === 1 ? averages[middle]! : midpoint(averages[middle - 1]!, averages[middle]!);
  const cLow = signedRankCritical(n, gammaLow);
  const cHigh = signedRankCritical(n, gammaHigh);
  const low = cLow > count ? Number.NEGATIVE_INFINITY : averages[count - cLow]!;
  const high = cHigh > count ? Number.POSITIVE_INFINITY : averages[cHigh - 1]!;
  return { estimate, low, high, coverage: 1 - signedRankUpperP(n, cLow) - signedRankUpperP(n, cHigh) };
}
