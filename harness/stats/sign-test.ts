/**
 * The exact sign test on paired values d₁ … dₙ (Fisher 1925; Conover, "Practical Nonparametric
 * Statistics", 3rd ed., §3.4) and its order-statistic interval for the median, at one-sided
 * levels chosen by the caller (the sequential design gives them).
 *
 * Upper test of "median ≤ 0": S₊ = #{dᵢ > 0}, p = P(Bin(n, ½) ≥ S₊). A zero counts against the
 * test (it is not positive), so with ties at 0 the test errs less than its level, never more.
 * The lower test mirrors it (S₋ = #{dᵢ < 0}). At a one-sided level γ the upper test rejects iff
 * S₊ ≥ c, c the smallest count with P(Bin(n, ½) ≥ c) ≤ γ, which is exactly when the c-th largest
 * dᵢ — the interval's lower bound — is above 0: the verdict and the printed interval agree.
 * No symmetry is assumed (what a p99 ratio needs). Pure.
 */

const tails = new Map<number, Float64Array>();

/** P(Bin(n, ½) ≥ s) for s = 0 … n + 1, computed once per n. */
export function binomialHalfUpperTail(n: number): Float64Array {
  const cached = tails.get(n);
  if (cached !== undefined) return cached;
  // Probabilities by Pascal's rule with a halving per row: no overflow at any n.
  let row = Float64Array.of(1);
  for (let size = 1; size <= n; size += 1) {
    const next = new Float64Array(size + 1);
    for (let k = 0; k <= size; k += 1) next[k] = ((k > 0 ? row[k - 1]! : 0) + (k < size ? row[k]! : 0)) / 2;
    row = next;
  }
  const tail = new Float64Array(n + 2);
  for (let s = n; s >= 0; s -= 1) tail[s] = tail[s + 1]! + row[s]!;
  tails.set(n, tail);
  return tail;
}

/** P(Bin(n, ½) ≥ s); 1 for s ≤ 0, 0 above n. */
export function signUpperP(n: number, s: number): number {
  if (s <= 0) return 1;
  if (s > n) return 0;
  return binomialHalfUpperTail(n)[s]!;
}

/** The smallest count c with P(Bin(n, ½) ≥ c) ≤ γ; n + 1 when no count is that rare. */
export function signCritical(n: number, gamma: number): number {
  const tail = binomialHalfUpperTail(n);
  let c = n + 1;
  while (c > 0 && tail[c - 1]! <= gamma) c -= 1;
  return c;
}

/** #{dᵢ > 0} (side `upper`) or #{dᵢ < 0} (`lower`) among the values; zeros count for neither. */
export function signCount(values: readonly number[], side: 'upper' | 'lower'): number {
  let count = 0;
  for (const value of values) if (side === 'upper' ? value > 0 : value < 0) count += 1;
  return count;
}

/** One-sided exact p of the sign test for "median ≤ 0" (`upper`) or "median ≥ 0" (`lower`). */
export function signTestP(values: readonly number[], side: 'upper' | 'lower'): number {
  return signUpperP(values.length, signCount(values, side));
}

/** A location estimate with an interval whose ends are each one-sided at a stated level. */
export interface LocationInterval {
  readonly estimate: number;
  /** −∞ when no value is rare enough at this n (the test cannot reject on that side). */
  readonly low: number;
  readonly high: number;
  /** Exact coverage of [low, high] at this n for a continuous distribution: 1 − the two achieved tails. */
  readonly coverage: number;
}

/**
 * The median of the values with the order-statistic interval [c-th smallest… ] whose lower end
 * is above 0 exactly when the upper test at `gammaLow` rejects, and whose upper end is below 0
 * exactly when the lower test at `gammaHigh` rejects.
 * @returns undefined for no values
 */
export function signInterval(values: readonly number[], gammaLow: number, gammaHigh: number): LocationInterval | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return undefined;
  const middle = Math.floor(n / 2);
  const estimate = n % 2 === 1 ? sorted[middle]! : midpoint(sorted[middle - 1]!, sorted[middle]!);
  const cLow = signCritical(n, gammaLow);
  const cHigh = signCritical(n, gammaHigh);
  // Lower end: the cLow-th largest; upper end: the cHigh-th smallest.
  const low = cLow > n ? Number.NEGATIVE_INFINITY : sorted[n - cLow]!;
  const high = cHigh > n ? Number.POSITIVE_INFINITY : sorted[cHigh - 1]!;
  return { estimate, low, high, coverage: 1 - signUpperP(n, cLow) - signUpperP(n, cHigh) };
}

/** (a + b) / 2 with −∞ + ∞ read as 0 (an invalid run on each side: a tie). */
export function midpoint(a: number, b: number): number {
  if (a === -b && !Number.isFinite(a)) return 0;
  return a / 2 + b / 2;
}
