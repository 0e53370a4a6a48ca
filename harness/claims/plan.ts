/**
 * The claims' sequential plan and its pre-specified rules, fixed before the first round:
 *
 * - Which test a check uses, from its metrics alone (never from the data): the sign test when any
 *   term is a tail metric or a count (p99, p999, max, errors: per-round ratios of those are
 *   skewed by one-off spikes, and a median needs no symmetry), else the signed-rank test on log
 *   ratios (more power, assuming the per-round log ratios are symmetric about their centre).
 * - When it looks: after every round from the scenario's own repetitions to `--max-repetitions`
 *   with adaptive repetitions; once, after the scenario's repetitions, without them.
 * - At what level: each side (holds, refuted) errs at most 2.5 % over all looks at exactly the
 *   threshold; the refute side's 2.5 % is divided among the claim's checks (Bonferroni: a claim
 *   is refuted when any check is), the holds side is not (a claim holds only if every check does).
 * Pure.
 */
import type { ClaimsPlan } from '../results/claims.js';
import type { Check } from './expression.js';
import { nominalLevel, type NominalLevel, type SequentialDesign } from '../stats/sequential-design.js';
import type { PairedTestKind } from '../stats/sequential-null.js';

/** Each side's error over all looks, at exactly the threshold. */
export const CLAIM_ALPHA_PER_SIDE = 0.025;

/** Metrics whose checks use the sign test. */
export const SIGN_TEST_METRICS: ReadonlySet<string> = new Set(['p99', 'p999', 'max', 'errors']);

/** The test of a check, from its metrics (see the module comment). */
export function testFor(check: Pick<Check, 'terms'>): PairedTestKind {
  return check.terms.some((term) => SIGN_TEST_METRICS.has(term.metric)) ? 'sign' : 'signed-rank';
}

/** The scenarios of a run and how their repetitions go on. */
export interface PlanInput {
  readonly scenarios: ReadonlyArray<{ readonly name: string; readonly repetitions: number }>;
  /** `--max-repetitions` when rounds are added until decided; undefined: no added rounds. */
  readonly maxRepetitions: number | undefined;
}

/** The plan of a run: with added rounds, every scenario looks at every round from its own repetitions to the maximum. */
export function claimsPlan(input: PlanInput): ClaimsPlan {
  const { maxRepetitions } = input;
  return {
    alphaPerSide: CLAIM_ALPHA_PER_SIDE,
    looks: maxRepetitions === undefined ? [] : input.scenarios.map((scenario) => ({ scenario: scenario.name, firstLook: Math.min(scenario.repetitions, maxRepetitions), lastLook: Math.max(scenario.repetitions, maxRepetitions) })),
  };
}

/** A check's design and the levels of its two sides. */
export interface CheckDesign {
  readonly design: SequentialDesign;
  readonly firstLook: number;
  readonly lastLook: number;
  readonly holds: NominalLevel;
  readonly refutes: NominalLevel;
}

/**
 * The design of a check with `usable` rounds so far: the scenario's planned looks, or one look
 * at `usable` when the scenario looks once (or the check reads micro-benchmarks only, whose runs
 * all exist from the start).
 * @param familySize checks of the claim that can be refuted
 * @param paths null paths when a level must be simulated (fewer for rough projections)
 */
export function checkDesign(test: PairedTestKind, looks: { readonly firstLook: number; readonly lastLook: number } | undefined, usable: number, familySize: number, alpha = CLAIM_ALPHA_PER_SIDE, paths?: number): CheckDesign {
  const firstLook = looks?.firstLook ?? usable;
  const lastLook = looks?.lastLook ?? usable;
  const design: SequentialDesign = { test, looks: Array.from({ length: Math.max(1, lastLook - firstLook + 1) }, (_, index) => Math.max(1, firstLook) + index) };
  return { design, firstLook, lastLook, holds: nominalLevel(design, alpha, paths), refutes: nominalLevel(design, alpha / Math.max(1, familySize), paths) };
}

/** The looks of `scenario` in a plan; undefined: one look after its rounds. */
export function looksOf(plan: ClaimsPlan | undefined, scenario: string | undefined): { firstLook: number; lastLook: number } | undefined {
  return plan?.looks.find((entry) => entry.scenario === scenario);
}
