/**
 * What a decision would take, for a check its plan left undecided — from the plan itself, not
 * from an interval width shrinking as 1/√n: the rounds seen are resampled (a seeded bootstrap of
 * the per-round values) to continue the path, and each continuation is replayed through the
 * plan's remaining looks, and through longer plans of the same shape (their levels solved like
 * the plan's), counting how often a look would decide. Pure and seeded: the same file gives the
 * same sentence.
 */
import type { CheckResult } from '../results/claims.js';
import { mulberry32 } from '../random.js';
import { replayLooks } from '../stats/paired-test.js';
import { checkDesign } from './plan.js';

/** Continuations resampled per plan. */
export const CONTINUATIONS = 200;
/** Longer plans tried, in rounds (`--max-repetitions`). */
export const LONGER_PLANS: readonly number[] = [20, 30, 50];
const SEED = 4_242;
/** Null paths that calibrate a longer signed-rank plan beyond 20 rounds: a projection needs no more. */
const PROJECTION_PATHS = 40_000;

/** How often a plan decides, over the resampled continuations. */
export interface PlanShare {
  readonly lastLook: number;
  readonly holds: number;
  readonly refuted: number;
}

export interface Projection {
  /** The current plan's remaining looks (undefined when its last look was reached). */
  readonly remaining: PlanShare | undefined;
  /** The shortest longer plan deciding at least half of the continuations, else the longest tried. */
  readonly longer: PlanShare | undefined;
}

/** Replays `continuations` bootstrap continuations of `values` through a plan up to `lastLook`. */
function shareDeciding(check: CheckResult, values: readonly number[], lastLook: number): PlanShare {
  const test = check.test!;
  const planned = checkDesign(test.method, { firstLook: test.firstLook, lastLook }, values.length, test.familySize, undefined, PROJECTION_PATHS);
  const holdsUpward = check.comparator === '>=' || check.comparator === '>';
  const gammaUpper = holdsUpward ? planned.holds.gamma : planned.refutes.gamma;
  const gammaLower = holdsUpward ? planned.refutes.gamma : planned.holds.gamma;
  const random = mulberry32(SEED + lastLook);
  let holds = 0;
  let refuted = 0;
  for (let trial = 0; trial < CONTINUATIONS; trial += 1) {
    const path = [...values];
    while (path.length < lastLook) path.push(values[Math.floor(random() * values.length)]!);
    const { decision } = replayLooks(test.method, path, planned.design.looks, gammaUpper, gammaLower);
    if (decision === undefined) continue;
    if ((decision === 'upper') === holdsUpward) holds += 1;
    else refuted += 1;
  }
  return { lastLook, holds: holds / CONTINUATIONS, refuted: refuted / CONTINUATIONS };
}

/**
 * The projection of an undecided check with per-round values (`check.test`).
 * @returns undefined for a check without a sequential test or without values, and for one of
 *   micro-benchmarks only (its runs are all there from the start: more rounds add none)
 */
export function projectDecision(check: CheckResult): Projection | undefined {
  const test = check.test;
  if (test === undefined || test.values.length === 0 || test.unit === 'micro') return undefined;
  const log = Math.log(check.threshold);
  // null in a read-back file is +∞ (JSON has no Infinity).
  const d = test.values.map((value) => (value === null ? Number.POSITIVE_INFINITY : Math.log(value) - log));
  const remaining = d.length < test.lastLook ? shareDeciding(check, d, test.lastLook) : undefined;
  let longer: PlanShare | undefined;
  for (const lastLook of LONGER_PLANS) {
    if (lastLook <= test.lastLook) continue;
    longer = shareDeciding(check, d, lastLook);
    if (longer.holds + longer.refuted >= 0.5) break;
  }
  return { remaining, longer };
}

// Rounded down, so that "50 %" never stands for a share short of the half a plan is judged by.
const percent = (share: number): string => `${Math.floor(share * 100)} %`;

/** "would hold in 62 % of continuations and be refuted in 1 %" */
function describeShare(share: PlanShare): string {
  if (share.holds + share.refuted === 0) return 'would decide in none of them';
  if (share.refuted === 0) return `would hold in ${percent(share.holds)} of them`;
  if (share.holds === 0) return `would be refuted in ${percent(share.refuted)} of them`;
  return `would hold in ${percent(share.holds)} and be refuted in ${percent(share.refuted)} of them`;
}

/**
 * The sentence of a projection: "resampling its 9 rounds, the plan's remaining looks (to 15
 * rounds) would hold in 41 % of continuations; a plan of up to 30 rounds (`--max-repetitions 30`)
 * in 73 %".
 */
export function describeProjection(check: CheckResult, projection: Projection): string {
  const rounds = check.test!.values.length;
  const parts: string[] = [];
  if (projection.remaining !== undefined) parts.push(`the plan's remaining looks (to ${projection.remaining.lastLook} rounds) ${describeShare(projection.remaining)}`);
  const { longer } = projection;
  if (longer !== undefined) {
    const decided = longer.holds + longer.refuted;
    parts.push(
      decided >= 0.5
        ? `a plan of up to ${longer.lastLook} rounds (\`--max-repetitions ${longer.lastLook}\`) ${describeShare(longer)}`
        : `even a plan of up to ${longer.lastLook} rounds ${describeShare(longer)}: the estimate (${Number(check.value?.toPrecision(3))}) sits too close to the threshold (${check.threshold}) for the spread seen`,
    );
  }
  return `resampling its ${rounds} rounds ${CONTINUATIONS} times, ${parts.join('; ')}`;
}
