/**
 * The gate's one-sided Mann–Whitney p-value, with a cache for the common case of no ties.
 *
 * Without ties the exact permutation distribution of U depends only on the two sample sizes
 * (the recursion of Mann & Whitney 1947): the number of orderings of n and m values giving U = u
 * is c(n, m, u) = c(n − 1, m, u − m) + c(n, m − 1, u). The gate reads P(U ≥ u) from a table
 * built once per (n, m), the same number as `mannWhitneyGreaterP` computes with its knapsack over
 * midranks, but in O(n·m) per call instead of O(n²·(n + m)²): the sequential plan's simulations
 * take hundreds of thousands of looks. With ties (histogram buckets, error counts of 0) it
 * defers to `mannWhitneyGreaterP`, whose exact distribution conditions on the tied values. Pure
 * (the cache is a memo of a pure function).
 */
import { EXACT_MAX_SMALLER, mannWhitneyGreaterP, mannWhitneyU } from '../stats/rank-test.js';

const tails = new Map<string, Float64Array>();

/** P(U ≥ u) for u = 0 … n·m under the no-ties null, as a table indexed by u (tail[n·m + 1] = 0). */
export function noTiesUpperTail(n: number, m: number): Float64Array {
  const key = `${n},${m}`;
  const cached = tails.get(key);
  if (cached !== undefined) return cached;
  // previous[j]: counts by U of the orderings of i − 1 candidate and j baseline values (i = 0: one ordering, U = 0).
  let previous: Float64Array[] = Array.from({ length: m + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= n; i += 1) {
    const row: Float64Array[] = [];
    for (let j = 0; j <= m; j += 1) {
      const counts = new Float64Array(i * j + 1);
      if (j === 0) counts[0] = 1;
      else {
        // c(i, j, u) = c(i − 1, j, u − j) + c(i, j − 1, u)
        const fewerCandidate = previous[j]!;
        const fewerBaseline = row[j - 1]!;
        for (let u = 0; u < fewerCandidate.length; u += 1) counts[u + j] = counts[u + j]! + fewerCandidate[u]!;
        for (let u = 0; u < fewerBaseline.length; u += 1) counts[u] = counts[u]! + fewerBaseline[u]!;
      }
      row.push(counts);
    }
    previous = row;
  }
  const counts = previous[m]!;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const tail = new Float64Array(n * m + 2);
  for (let u = n * m; u >= 0; u -= 1) tail[u] = tail[u + 1]! + counts[u]! / total;
  tails.set(key, tail);
  return tail;
}

function hasTies(values: readonly number[]): boolean {
  return new Set(values).size !== values.length;
}

/**
 * One-sided exact p-value that `candidate` is stochastically larger than `baseline`: P(U ≥ observed).
 * @returns undefined when a side is empty
 */
export function greaterP(candidate: readonly number[], baseline: readonly number[]): number | undefined {
  if (candidate.length === 0 || baseline.length === 0) return undefined;
  const pooled = [...candidate, ...baseline];
  if (Math.min(candidate.length, baseline.length) > EXACT_MAX_SMALLER || hasTies(pooled)) return mannWhitneyGreaterP(candidate, baseline);
  // No ties: U is an integer.
  return noTiesUpperTail(candidate.length, baseline.length)[mannWhitneyU(candidate, baseline)]!;
}
