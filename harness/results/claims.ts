/**
 * The claims' verdicts as results.json keeps them: per check its value, interval, verdict and
 * how the sequential test reached it (the per-round values it used, the plan's looks and
 * levels), so that the same verdict can be computed again from the file; per claim the combined
 * verdict; the plan fixed before the first round; the capacity table. Data shapes only (claims/
 * computes them, report/ shows them). Pure.
 */
import type { Check } from '../claims/expression.js';
import type { Estimate } from '../stats/interval.js';

export type Verdict = 'holds' | 'refuted' | 'inconclusive' | 'not-measured';

/**
 * How a check's sequential test ran (absent for build metrics, and in files of schema
 * version 2, whose claims were decided by per-service intervals).
 */
export interface CheckTest {
  /** `signed-rank`: on log ratios, Hodges–Lehmann estimate (assumes symmetry); `sign`: median, no symmetry assumed. */
  readonly method: 'signed-rank' | 'sign';
  /** `rounds`: paired per-round values of several services; `runs`: one service's per-run values; `micro`: micro-benchmark runs paired by index. */
  readonly unit: 'rounds' | 'runs' | 'micro';
  /** The statistic's value in each usable round, in measuring order (JSON writes +∞ as null: a zero in a denominator). */
  readonly values: ReadonlyArray<number | null>;
  /** The repetition (round) each value came from (micro-benchmarks: the run's index + 1). */
  readonly rounds: readonly number[];
  /** Rounds up to the look shown that lacked a counting run (or a metric) of a service of the check. */
  readonly dropped: number;
  /** The plan's looks: at every n usable rounds from `firstLook` to `lastLook` (one look when equal). */
  readonly firstLook: number;
  readonly lastLook: number;
  /** Checks of the claim that can be refuted: the refute side's α is divided among them (Bonferroni). */
  readonly familySize: number;
  /** Per-look one-sided levels of the holds and refutes sides (the interval's ends use them). */
  readonly levelHolds: number;
  readonly levelRefutes: number;
  /** The chance of a wrong verdict each way over all looks of the plan, at exactly the threshold: ≤ α, ≤ α ÷ familySize. */
  readonly errorHolds: number;
  readonly errorRefutes: number;
  /** Whether those chances are exact or from a seeded simulation (plans beyond 20 rounds, signed-rank). */
  readonly design: 'exact' | 'simulated';
  /** Usable rounds at the look that decided; undefined while undecided. */
  readonly decidedAt: number | undefined;
  /** One-sided p of each side at the look shown. */
  readonly pHolds: number | undefined;
  readonly pRefutes: number | undefined;
}

export interface CheckResult {
  readonly source: string;
  readonly statistic: string;
  readonly comparator: Check['comparator'];
  readonly threshold: number;
  readonly verdict: Verdict;
  /** The estimate at the look shown: Hodges–Lehmann (signed-rank) or the median (sign test) of the per-round values. */
  readonly value: number | undefined;
  readonly low: number | undefined;
  readonly high: number | undefined;
  /** Probability that [low, high] covers the true centre at a fixed n (each end one-sided at its look's level). */
  readonly coverage: number | undefined;
  /** Usable rounds (pairs) at the look shown (undefined for build metrics only). */
  readonly n: number | undefined;
  /** The fewest usable rounds at which the plan can decide (undefined for build metrics only). */
  readonly runsNeeded: number | undefined;
  readonly note: string | undefined;
  readonly test?: CheckTest;
}

export interface ClaimResult {
  readonly id: string;
  readonly text: string;
  readonly source: string | undefined;
  readonly scenario: string | undefined;
  /** The load point (index in the scenario's rate list). */
  readonly point?: number;
  readonly load: string | undefined;
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
}

/**
 * The claims' sequential plan, fixed before the first round: each side of each check errs at
 * most `alphaPerSide` over all looks. A scenario listed here looks at every usable round from
 * `firstLook` (its own repetitions) to `lastLook` (`--max-repetitions`); one not listed looks
 * once, after its rounds.
 */
export interface ClaimsPlan {
  readonly alphaPerSide: number;
  readonly looks: ReadonlyArray<{ readonly scenario: string; readonly firstLook: number; readonly lastLook: number }>;
}

/** Cores a service would need for a throughput, from its CPU time per request. */
export interface CapacityEstimate {
  readonly scenario: string;
  readonly service: string;
  readonly load: string;
  readonly throughputRps: number;
  readonly coresNeeded: Estimate;
  readonly assumption: string;
}
