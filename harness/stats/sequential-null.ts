/**
 * The chance, under the null, that a one-sided paired test crosses its boundary at ANY of several
 * planned looks — what a sequential design must keep at α. Exact where it is small enough,
 * otherwise from a seeded simulation of null paths (said so by the caller). Pure.
 *
 * Sign test: the number of positive signs is a walk of fair coin flips; a DP over its count,
 * absorbing at each look's boundary, gives the crossing probability exactly (Armitage,
 * McPherson & Rowe 1969 did the same for the binomial).
 *
 * Signed-rank test: the joint law of W₊ across looks is distribution-free under the symmetric
 * null — the signs are fair coins, and each new magnitude's rank among the first n is uniform on
 * 1 … n, independently — so a DP over the signs ordered by magnitude (a bit mask, 2ⁿ states) is
 * exact: a new value inserts its sign at a uniform position. Up to EXACT_SIGNED_RANK_MAX values
 * (2²⁰ states, ~0.2 s). When the look before the last is small, the last segment is done once per
 * design instead (for each mask there, the law of the final W₊ over the uniformly random
 * interleavings of the old and new values), so many boundaries cost little. Beyond that, a seeded
 * simulation of SIMULATED_PATHS null paths: the minimum over looks of each path's fixed-n p.
 * Checked against full enumeration (every sign vector × every insertion order) in the tests.
 */
import { mulberry32 } from '../random.js';
import { signedRankUpperP } from './signed-rank.js';
import { signUpperP } from './sign-test.js';

export type PairedTestKind = 'sign' | 'signed-rank';

/** Largest last look the signed-rank crossing is computed exactly for. */
export const EXACT_SIGNED_RANK_MAX = 20;
/** Null paths of the simulation beyond that. */
export const SIMULATED_PATHS = 200_000;
/** The simulation's seed: fixed, so that every run and every report computes the same boundaries. */
export const SIMULATION_SEED = 20_261_201;

/** P(the sign walk's positive count reaches crit[k] at look k, for some k); Infinity: no crossing possible there. */
export function signCrossing(looks: readonly number[], crit: readonly number[]): number {
  const last = looks.at(-1) ?? 0;
  let prob = Float64Array.of(1);
  let crossed = 0;
  let look = 0;
  for (let n = 1; n <= last; n += 1) {
    const next = new Float64Array(n + 1);
    for (let s = 0; s < n; s += 1) {
      const half = prob[s]! / 2;
      next[s] = next[s]! + half;
      next[s + 1] = next[s + 1]! + half;
    }
    prob = next;
    if (looks[look] === n) {
      for (let s = Math.max(0, crit[look]!); s <= n; s += 1) {
        crossed += prob[s]!;
        prob[s] = 0;
      }
      look += 1;
    }
  }
  return crossed;
}

/** W₊ of every mask of n bits: bit j set = the value of magnitude rank j + 1 is positive. */
function wPlusTable(n: number): Uint16Array {
  const table = new Uint16Array(1 << n);
  for (let mask = 1; mask < 1 << n; mask += 1) {
    const lowest = mask & -mask;
    table[mask] = table[mask ^ lowest]! + 32 - Math.clz32(lowest);
  }
  return table;
}

/**
 * The forward mask DP up to look `upTo` (an index into looks), absorbing crossings at every look
 * up to and including it. Returns the crossed mass and the surviving masks' probabilities.
 */
function forwardMasks(looks: readonly number[], crit: readonly number[], upTo: number): { crossed: number; masks: Float64Array } {
  const last = looks[upTo]!;
  const wPlus = wPlusTable(last);
  let prob = Float64Array.of(1);
  let crossed = 0;
  let look = 0;
  for (let n = 1; n <= last; n += 1) {
    const next = new Float64Array(1 << n);
    const weight = 1 / (2 * n);
    for (let mask = 0; mask < 1 << (n - 1); mask += 1) {
      const share = prob[mask]! * weight;
      if (share === 0) continue;
      for (let r = 0; r < n; r += 1) {
        // Insert the new value at magnitude rank r + 1: ranks above it move up one.
        const below = mask & ((1 << r) - 1);
        const spread = below | ((mask >>> r) << (r + 1));
        next[spread] = next[spread]! + share;
        next[spread | (1 << r)] = next[spread | (1 << r)]! + share;
      }
    }
    prob = next;
    if (look <= upTo && looks[look] === n) {
      const c = crit[look]!;
      if (c < Number.POSITIVE_INFINITY) {
        for (let mask = 0; mask < 1 << n; mask += 1) {
          if (wPlus[mask]! >= c) {
            crossed += prob[mask]!;
            prob[mask] = 0;
          }
        }
      }
      look += 1;
    }
  }
  return { crossed, masks: prob };
}

const lastSegments = new Map<string, Float64Array>();

/**
 * For every mask of `from` values, the law of W₊ once `to` values are in: the new values'
 * magnitudes interleave the old ones uniformly (C(to, to − from) ways), each new sign a fair
 * coin. Flat: [mask × (W + 1) + w]. Memoised per (from, to).
 */
export function lastSegment(from: number, to: number): Float64Array {
  const key = `${from},${to}`;
  const cached = lastSegments.get(key);
  if (cached !== undefined) return cached;
  const added = to - from;
  const width = (to * (to + 1)) / 2 + 1;
  let ways = 1;
  for (let i = 1; i <= added; i += 1) ways = (ways * (from + i)) / i;
  const out = new Float64Array((1 << from) * width);
  let current = new Float64Array((from + 1) * width);
  let next = new Float64Array((from + 1) * width);
  for (let mask = 0; mask < 1 << from; mask += 1) {
    current.fill(0);
    current[0] = 1;
    for (let position = 1; position <= to; position += 1) {
      next.fill(0);
      const reach = ((position - 1) * position) / 2;
      for (let old = Math.max(0, position - 1 - added); old <= Math.min(position - 1, from); old += 1) {
        const base = old * width;
        const isNewPossible = position - 1 - old < added;
        const isPositive = old < from && ((mask >>> old) & 1) === 1;
        for (let w = 0; w <= reach; w += 1) {
          const value = current[base + w]!;
          if (value === 0) continue;
          if (old < from) {
            const into = base + width + (isPositive ? w + position : w);
            next[into] = next[into]! + value;
          }
          if (isNewPossible) {
            const half = value / 2;
            next[base + w] = next[base + w]! + half;
            next[base + w + position] = next[base + w + position]! + half;
          }
        }
      }
      [current, next] = [next, current];
    }
    const row = mask * width;
    for (let w = 0; w < width; w += 1) out[row + w] = current[from * width + w]! / ways;
  }
  lastSegments.set(key, out);
  return out;
}

/**
 * P(the signed-rank statistic W₊ reaches crit[k] at look k, for some k) under the symmetric
 * null, exactly.
 * @throws Error beyond EXACT_SIGNED_RANK_MAX values (simulate instead: simulateMinP)
 */
export function signedRankCrossing(looks: readonly number[], crit: readonly number[]): number {
  const last = looks.at(-1) ?? 0;
  if (last > EXACT_SIGNED_RANK_MAX) throw new Error(`the exact signed-rank crossing stops at ${EXACT_SIGNED_RANK_MAX} values, got a last look at ${last}`);
  if (looks.length === 0) return 0;
  const penultimate = looks.length >= 2 ? looks.at(-2)! : undefined;
  // The last segment once per design pays when the look before the last is small and far from it.
  if (penultimate !== undefined && penultimate <= 10 && last - penultimate >= 2) {
    const { crossed, masks } = forwardMasks(looks, crit, looks.length - 2);
    const segment = lastSegment(penultimate, last);
    const width = (last * (last + 1)) / 2 + 1;
    const c = Math.max(0, crit.at(-1)!);
    let tail = 0;
    if (c < width) {
      for (let mask = 0; mask < masks.length; mask += 1) {
        const weight = masks[mask]!;
        if (weight === 0) continue;
        let above = 0;
        for (let w = c; w < width; w += 1) above += segment[mask * width + w]!;
        tail += weight * above;
      }
    }
    return crossed + tail;
  }
  return forwardMasks(looks, crit, looks.length - 1).crossed;
}

/**
 * A seeded simulation of `paths` null paths of the test over the looks: each path's minimum over
 * looks of the fixed-n one-sided p divided by the look's weight, sorted ascending. The share of
 * paths with a minimum ≤ γ estimates the crossing probability of the design whose look k has
 * nominal level γ·w_k.
 */
export function simulateMinP(test: PairedTestKind, looks: readonly number[], paths = SIMULATED_PATHS, seed = SIMULATION_SEED, weights: readonly number[] = looks.map(() => 1)): Float64Array {
  const random = mulberry32(seed);
  const last = looks.at(-1) ?? 0;
  const minima = new Float64Array(paths);
  const order = new Int32Array(last);
  // Fenwick trees over the global magnitude order: values seen, and positive values seen.
  const seen = new Int32Array(last + 1);
  const positive = new Int32Array(last + 1);
  const add = (tree: Int32Array, at: number): void => {
    for (let i = at; i <= last; i += i & -i) tree[i] = tree[i]! + 1;
  };
  const prefix = (tree: Int32Array, at: number): number => {
    let sum = 0;
    for (let i = at; i > 0; i -= i & -i) sum += tree[i]!;
    return sum;
  };
  for (let path = 0; path < paths; path += 1) {
    // A uniformly random magnitude order (Fisher–Yates) and fair signs.
    for (let i = 0; i < last; i += 1) order[i] = i + 1;
    for (let i = last - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    seen.fill(0);
    positive.fill(0);
    let statistic = 0;
    let look = 0;
    let minimum = 1;
    for (let n = 1; n <= last; n += 1) {
      const isPositive = random() < 0.5;
      const at = order[n - 1]!;
      if (test === 'sign') statistic += isPositive ? 1 : 0;
      else {
        // Positives of larger magnitude move up one rank; the new value's rank among the first n.
        const positivesAbove = prefix(positive, last) - prefix(positive, at);
        const rank = prefix(seen, at) + 1;
        statistic += positivesAbove + (isPositive ? rank : 0);
        add(seen, at);
        if (isPositive) add(positive, at);
      }
      if (looks[look] === n) {
        const p = (test === 'sign' ? signUpperP(n, statistic) : signedRankUpperP(n, statistic)) / weights[look]!;
        if (p < minimum) minimum = p;
        look += 1;
      }
    }
    minima[path] = minimum;
  }
  return minima.sort();
}
