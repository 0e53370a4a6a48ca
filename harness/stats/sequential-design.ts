/**
 * Sequential designs for the paired tests: looks planned in advance (sample sizes n₁ < … < n_K),
 * one nominal one-sided level γ at every look (Pocock 1977's shape), γ solved so that the chance
 * of crossing at ANY look under the null — G(γ), computed exactly or by a seeded simulation
 * (sequential-null.ts) — is at most the level asked for. "p ≤ γ at a look" is then the same as
 * "the fixed-n exact interval with one-sided level γ lies on one side", so a verdict and the
 * interval printed beside it agree.
 *
 * The sequential p-value of a path is G(min over its looks of p): P(G(min p) ≤ x) ≤ x under the
 * null, so it can enter Holm's procedure across rows (Maurer & Bretz 2013: nested designs of one
 * shape at every level), and it only falls as looks are added. Pure (the caches memoise pure
 * functions).
 */
import { EXACT_SIGNED_RANK_MAX, signCrossing, signedRankCrossing, simulateMinP, SIMULATED_PATHS, type PairedTestKind } from './sequential-null.js';
import { signCritical, binomialHalfUpperTail } from './sign-test.js';
import { signedRankCritical, signedRankUpperTail } from './signed-rank.js';

/** A paired test and the sample sizes it looks at. */
export interface SequentialDesign {
  readonly test: PairedTestKind;
  /** Increasing positive integers. */
  readonly looks: readonly number[];
}

/** How a crossing probability was obtained. */
export type DesignMethod = 'exact' | 'simulated';

/** The nominal level of a design at an overall level. */
export interface NominalLevel {
  /** Per-look one-sided level (an attainable p-value; 0 when no look can reject at the level). */
  readonly gamma: number;
  /** G(γ): the chance under the null of crossing at any look, ≤ the level asked for. */
  readonly achieved: number;
  readonly method: DesignMethod;
}

const keyOf = (design: SequentialDesign): string => `${design.test}:${design.looks.join(',')}`;

/** Whether a design's crossing probability is computed exactly. */
export function isExact(design: SequentialDesign): boolean {
  return design.test === 'sign' || (design.looks.at(-1) ?? 0) <= EXACT_SIGNED_RANK_MAX;
}

/** The critical value of the fixed-n test at one-sided level γ (reject when the statistic reaches it). */
export function criticalValue(test: PairedTestKind, n: number, gamma: number): number {
  return test === 'sign' ? signCritical(n, gamma) : signedRankCritical(n, gamma);
}

/** Attainable one-sided p-values at n, ascending, up to `cap`. */
function attainable(test: PairedTestKind, n: number, cap: number): number[] {
  const tail = test === 'sign' ? binomialHalfUpperTail(n) : signedRankUpperTail(n);
  const values: number[] = [];
  for (let at = tail.length - 2; at >= 0 && tail[at]! <= cap; at -= 1) values.push(tail[at]!);
  return values;
}

/**
 * The design without looks that cannot reject at `level` (their smallest p, 2⁻ⁿ, is above it):
 * they spend nothing, and dropping them lets equal designs share their computations.
 */
export function normalizeDesign(design: SequentialDesign, level: number): SequentialDesign {
  const looks = design.looks.filter((n) => 2 ** -n <= level);
  return { test: design.test, looks: looks.length === 0 ? [design.looks.at(-1)!] : looks };
}

const exactCache = new Map<string, Map<string, number>>();
const simulatedCache = new Map<string, Float64Array>();

/** The simulated minima of a design's null paths (memoised). */
function simulatedMinima(design: SequentialDesign, paths: number): Float64Array {
  const key = `${keyOf(design)}#${paths}`;
  let minima = simulatedCache.get(key);
  if (minima === undefined) {
    minima = simulateMinP(design.test, design.looks, paths);
    simulatedCache.set(key, minima);
  }
  return minima;
}

/** Share of sorted `values` at or below x. */
function shareAtOrBelow(values: Float64Array, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= x) low = middle + 1;
    else high = middle;
  }
  return low / values.length;
}

/**
 * G(γ): the chance under the null that some look's fixed-n one-sided p is ≤ γ.
 * Exact for the sign test and for the signed-rank test up to EXACT_SIGNED_RANK_MAX values,
 * simulated beyond (seeded: the same number every time).
 */
export function crossingProbability(design: SequentialDesign, gamma: number, paths = SIMULATED_PATHS): { probability: number; method: DesignMethod } {
  if (design.looks.length === 0 || !(gamma > 0)) return { probability: 0, method: 'exact' };
  if (!isExact(design)) return { probability: shareAtOrBelow(simulatedMinima(design, paths), gamma), method: 'simulated' };
  const key = keyOf(design);
  let cache = exactCache.get(key);
  if (cache === undefined) {
    cache = new Map();
    exactCache.set(key, cache);
  }
  const crit = design.looks.map((n) => criticalValue(design.test, n, gamma));
  // γ values with the same critical values give the same probability: key the cache by them.
  const critKey = crit.join(',');
  let probability = cache.get(critKey);
  if (probability === undefined) {
    probability = design.test === 'sign' ? signCrossing(design.looks, crit) : signedRankCrossing(design.looks, crit);
    cache.set(critKey, probability);
  }
  return { probability, method: 'exact' };
}

const nominalCache = new Map<string, NominalLevel>();

/**
 * The largest attainable per-look level γ whose G(γ) is at most `level` — every look at one
 * nominal level, the error over all looks at most `level`. A simulated design keeps two standard
 * errors of the simulation below `level`.
 * @param paths null paths of a simulated design (fewer for rough projections)
 */
export function nominalLevel(design: SequentialDesign, level: number, paths = SIMULATED_PATHS): NominalLevel {
  const normal = normalizeDesign(design, level);
  const key = `${keyOf(normal)}@${level}#${paths}`;
  const cached = nominalCache.get(key);
  if (cached !== undefined) return cached;
  const candidates = [...new Set(normal.looks.flatMap((n) => attainable(normal.test, n, level)))].sort((a, b) => a - b);
  const method: DesignMethod = isExact(normal) ? 'exact' : 'simulated';
  const margin = (g: number): number => (method === 'exact' ? 0 : 2 * Math.sqrt((g * (1 - g)) / paths));
  const fits = (gamma: number): boolean => {
    const g = crossingProbability(normal, gamma, paths).probability;
    return g + margin(g) <= level;
  };
  // G is non-decreasing in γ: the largest candidate that fits, by bisection.
  let low = -1;
  let high = candidates.length;
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (fits(candidates[middle]!)) low = middle;
    else high = middle;
  }
  const gamma = low < 0 ? 0 : candidates[low]!;
  const result = { gamma, achieved: crossingProbability(normal, gamma, paths).probability, method };
  nominalCache.set(key, result);
  return result;
}

/**
 * The sequential p-value G(min p) of a path whose looks so far gave `minP` as their smallest
 * fixed-n one-sided p (the design's looks still to come count too: G is over all planned looks).
 */
export function sequentialP(design: SequentialDesign, minP: number): number {
  if (!(minP < 1)) return 1;
  return Math.min(1, crossingProbability(design, minP).probability);
}
