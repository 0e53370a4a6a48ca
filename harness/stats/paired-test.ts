/**
 * The decision engine the claims and the gate share: paired values d₁, d₂, … (one per round,
 * already oriented and shifted so that the question is "is their centre above / below 0?"),
 * an exact one-sample test (sign or signed-rank), and a sequential design whose looks are
 * replayed in the order the rounds were measured — the first look whose p reaches its level
 * decides, and later rounds never reopen it. Two one-sided tests: `upper` (centre > 0) and
 * `lower` (centre < 0), each with its own per-look level. Pure.
 */
import { midpoint, signInterval, signUpperP, type LocationInterval } from './sign-test.js';
import { signedRankInterval, signedRankUpperP } from './signed-rank.js';
import type { PairedTestKind } from './sequential-null.js';

export type Side = 'upper' | 'lower';

/** What one look at the first n values found. */
export interface PairedLook extends LocationInterval {
  readonly n: number;
  /** One-sided exact p for "centre ≤ 0" (small: the values lie above 0). */
  readonly pUpper: number;
  /** One-sided exact p for "centre ≥ 0". */
  readonly pLower: number;
}

/** Running counts of a test's statistic as values arrive: O(n) per value for the signed-rank test. */
export interface Tally {
  add(value: number): void;
  readonly n: number;
  /** One-sided p of the values so far for `upper` or `lower`. */
  p(side: Side): number;
}

/** A tally of the sign test (S₊, S₋) or of the signed-rank test on Walsh averages (T₊, T₋). */
export function createTally(test: PairedTestKind): Tally {
  const values: number[] = [];
  let up = 0;
  let down = 0;
  return {
    add(value: number): void {
      values.push(value);
      if (test === 'sign') {
        if (value > 0) up += 1;
        else if (value < 0) down += 1;
        return;
      }
      // The new Walsh averages are (value + dⱼ)/2 for every earlier dⱼ and value itself.
      for (const other of values) {
        const average = midpoint(value, other);
        if (average > 0) up += 1;
        else if (average < 0) down += 1;
      }
    },
    get n(): number {
      return values.length;
    },
    p(side: Side): number {
      const count = side === 'upper' ? up : down;
      return test === 'sign' ? signUpperP(values.length, count) : signedRankUpperP(values.length, count);
    },
  };
}

/**
 * The look at `values`: both one-sided p-values, the estimate (median for the sign test,
 * Hodges–Lehmann for the signed-rank test) and the interval whose lower end is above 0 exactly
 * when the upper test at `gammaUpper` rejects, and whose upper end is below 0 exactly when the
 * lower test at `gammaLower` does.
 * @returns undefined for no values
 */
export function lookAt(test: PairedTestKind, values: readonly number[], gammaUpper: number, gammaLower: number): PairedLook | undefined {
  const interval = test === 'sign' ? signInterval(values, gammaUpper, gammaLower) : signedRankInterval(values, gammaUpper, gammaLower);
  if (interval === undefined) return undefined;
  const tally = createTally(test);
  for (const value of values) tally.add(value);
  return { ...interval, n: values.length, pUpper: tally.p('upper'), pLower: tally.p('lower') };
}

/** How a replay of the planned looks ended. */
export interface Replay {
  /** The side whose boundary was crossed first, if any. */
  readonly decision: Side | undefined;
  /** Values at the look that decided, or at the last planned look the values reached. */
  readonly decidedAt: number | undefined;
  /** The look that decided, or the last planned look reached; undefined when no planned look was reached. */
  readonly look: PairedLook | undefined;
  /** Smallest p of each side over the looks taken (1 when none): the input of a sequential p-value. */
  readonly minP: { readonly upper: number; readonly lower: number };
  readonly looksTaken: number;
}

/**
 * Replays the planned looks (sample sizes, increasing) over the values in measuring order: at
 * each look n ≤ values.length, the upper side crosses when its p ≤ `gammaUpper`, the lower side
 * when its p ≤ `gammaLower`; the first crossing decides and later values are not looked at.
 */
export function replayLooks(test: PairedTestKind, values: readonly number[], looks: readonly number[], gammaUpper: number, gammaLower: number): Replay {
  const tally = createTally(test);
  let minUpper = 1;
  let minLower = 1;
  let looksTaken = 0;
  let lastLook: number | undefined;
  let look = 0;
  for (const [index, value] of values.entries()) {
    tally.add(value);
    const n = index + 1;
    while (look < looks.length && looks[look]! < n) look += 1;
    if (looks[look] !== n) continue;
    looksTaken += 1;
    lastLook = n;
    const pUpper = tally.p('upper');
    const pLower = tally.p('lower');
    minUpper = Math.min(minUpper, pUpper);
    minLower = Math.min(minLower, pLower);
    const decision: Side | undefined = pUpper <= gammaUpper ? 'upper' : pLower <= gammaLower ? 'lower' : undefined;
    if (decision !== undefined) {
      return { decision, decidedAt: n, look: lookAt(test, values.slice(0, n), gammaUpper, gammaLower), minP: { upper: minUpper, lower: minLower }, looksTaken };
    }
  }
  const last = lastLook === undefined ? undefined : lookAt(test, values.slice(0, lastLook), gammaUpper, gammaLower);
  return { decision: undefined, decidedAt: lastLook, look: last, minP: { upper: minUpper, lower: minLower }, looksTaken };
}
