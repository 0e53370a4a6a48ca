/**
 * Sequential designs for the paired tests: looks planned in advance (sample sizes n₁ < … < n_K),
 * a nominal one-sided level γ·w_k at look k — one level at every look (w = 1: Pocock 1977's
 * shape, the claims') or a fixed tilt towards the last look (the gate's interim looks at half
 * its level) — γ solved so that the chance of crossing at ANY look under the null — G(γ),
 * computed exactly or by a seeded simulation (sequential-null.ts) — is at most the level asked
 * for. "p ≤ γ·w at a look" is then the same as "the fixed-n exact interval with one-sided level
 * γ·w lies on one side", so a verdict and the interval printed beside it agree.
 *
 * The sequential p-value of a path is G(min over its looks of p_k ÷ w_k): P(G(min p/w) ≤ x) ≤ x
 * under the null, so it can enter Holm's procedure across rows (Maurer & Bretz 2013: nested
 * designs of one shape at every level), and it only falls as looks are added. Pure (the caches
 * memoise pure functions).
 */
import { EXACT_SIGNED_RANK_MAX, signCrossing, signedRankCrossing, simulateMinP, SIMULATED_PATHS, type PairedTestKind } from './sequential-null.js';
import { signCritical, binomialHalfUpperTail } from './sign-test.js';
import { signedRankCritical, signedRankUpperTail } from './signed-rank.js';

/** A paired test and the sample sizes it looks at. */
export interface SequentialDesign {
  readonly test: PairedTestKind;
  /** Increasing positive integers. */
  readonly looks: readonly number[];
  /** Relative nominal level at each look (positive; default 1 at every look). */
  readonly weights?: readonly number[];
}

/** How a crossing probability was obtained. */
export type DesignMethod = 'exact' | 'simulated';

/** The nominal level of a design at an overall level. */
export interface NominalLevel {
  /** One-sided level of a look of weight 1 (look k: γ·w_k; 0 when no look can reject at the level). */
  readonly gamma: number;
  /** G(γ): the chance under the null of crossing at any look, ≤ the level asked for. */
  readonly achieved: number;
  readonly method: DesignMethod;
}

const weightsOf = (design: SequentialDesign): readonly number[] => design.weights ?? design.looks.map(() => 1);
const keyOf = (design: SequentialDesign): string => `${design.test}:${design.looks.join(',')}${design.weights === undefined ? '' : `/${design.weights.join(',')}`}`;

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
  const weights = weightsOf(design);
  const kept = design.looks.flatMap((n, index) => (2 ** -n <= level * weights[index]! ? [index] : []));
  const indices = kept.length === 0 ? [design.looks.length - 1] : kept;
  return { test: design.test, looks: indices.map((index) => design.looks[index]!), ...(design.weights === undefined ? {} : { weights: indices.map((index) => weights[index]!) }) };
}

const exactCache = new Map<string, Map<string, number>>();
const simulatedCache = new Map<string, Float64Array>();

/** The simulated minima of a design's null paths (memoised). */
function simulatedMinima(design: SequentialDesign, paths: number): Float64Array {
  const key = `${keyOf(design)}#${paths}`;
  let minima = simulatedCache.get(key);
  if (minima === undefined) {
    minima = simulateMinP(design.test, design.looks, paths, undefined, weightsOf(design));
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
 * G(γ): the chance under the null that some look's fixed-n one-sided p is ≤ γ·w_k.
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
  const weights = weightsOf(design);
  const crit = design.looks.map((n, index) => criticalValue(design.test, n, gamma * weights[index]!));
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
  // γ·w_k must meet an attainable p of look k: the candidates are those p's ÷ w_k.
  const weights = weightsOf(normal);
  const candidates = [...new Set(normal.looks.flatMap((n, index) => attainable(normal.test, n, level * weights[index]!).map((p) => p / weights[index]!)))].filter((gamma) => gamma <= level).sort((a, b) => a - b);
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
 * The sequential p-value G(min p_k ÷ w_k) of a path whose looks so far gave `minScaledP` as
 * their smallest fixed-n one-sided p divided by the look's weight (the smallest p itself with
 * equal weights; the design's looks still to come count too: G is over all planned looks).
 */
export function sequentialP(design: SequentialDesign, minScaledP: number): number {
  if (!(minScaledP < 1)) return 1;
  return Math.min(1, crossingProbability(design, minScaledP).probability);
}
