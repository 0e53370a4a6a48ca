/**
 * One-sided exact Mann–Whitney U test (Mann & Whitney 1947): is `candidate` stochastically
 * larger than `baseline`? The exact null distribution of U comes from the standard recursion on
 * counts (no tie correction in the exact form: ties count ½, which makes it slightly
 * conservative); above 40 values per side the normal approximation with continuity correction is
 * used. Written here because simple-statistics' wilcoxonRankSum returns no p-value. Pure.
 */

/** U of `candidate` over `baseline`: pairs where candidate > baseline, ties ½. */
export function mannWhitneyU(candidate: readonly number[], baseline: readonly number[]): number {
  let u = 0;
  for (const c of candidate) for (const b of baseline) u += c > b ? 1 : c === b ? 0.5 : 0;
  return u;
}

/** Number of arrangements giving each U for sizes n and m: counts[u] for u in 0..n*m. */
function uDistribution(n: number, m: number): number[] {
  // f(n, m, u) = f(n-1, m, u-m) + f(n, m-1, u)
  let previous: number[][] = Array.from({ length: m + 1 }, () => [1]);
  for (let i = 1; i <= n; i += 1) {
    const current: number[][] = [[1]];
    for (let j = 1; j <= m; j += 1) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      const left = previous[j]!;
      const below = current[j - 1]!;
      for (let u = 0; u < size; u += 1) row[u] = (u - j >= 0 ? (left[u - j] ?? 0) : 0) + (below[u] ?? 0);
      current.push(row);
    }
    previous = current;
  }
  return previous[m]!;
}

function normalTail(z: number): number {
  // Abramowitz & Stegun 26.2.17, |error| < 7.5e-8.
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const tail = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? tail : 1 - tail;
}

/**
 * P(U ≥ observed) under the null hypothesis that both samples come from one distribution.
 * @returns undefined when a side is empty.
 */
export function mannWhitneyGreaterP(candidate: readonly number[], baseline: readonly number[]): number | undefined {
  const n = candidate.length;
  const m = baseline.length;
  if (n === 0 || m === 0) return undefined;
  const u = mannWhitneyU(candidate, baseline);
  if (n <= 40 && m <= 40) {
    const counts = uDistribution(n, m);
    const total = counts.reduce((sum, count) => sum + count, 0);
    // Ties make U a half-integer; P(U ≥ u) over integer U is P(U ≥ ceil(u)).
    let tail = 0;
    for (let value = Math.ceil(u); value < counts.length; value += 1) tail += counts[value]!;
    return tail / total;
  }
  const mean = (n * m) / 2;
  const sd = Math.sqrt((n * m * (n + m + 1)) / 12);
  return normalTail((u - 0.5 - mean) / sd);
}
