/**
 * The claims' verdicts as results.json keeps them: per check its value, interval, coverage and
 * verdict; per claim the combined verdict; the capacity table. Data shapes only (claims/ computes
 * them, report/ shows them). Pure.
 */
import type { Check } from '../claims/expression.js';
import type { Estimate } from '../stats/interval.js';

export type Verdict = 'holds' | 'refuted' | 'inconclusive' | 'not-measured';

export interface CheckResult {
  readonly source: string;
  readonly statistic: string;
  readonly comparator: Check['comparator'];
  readonly threshold: number;
  readonly verdict: Verdict;
  readonly value: number | undefined;
  readonly low: number | undefined;
  readonly high: number | undefined;
  /** Probability that [low, high] covers the true statistic (a lower bound for products). */
  readonly coverage: number | undefined;
  /** Fewest valid runs behind a service of the check (undefined for build metrics only). */
  readonly n: number | undefined;
  /** Valid runs per service this check needs for 95 % coverage (undefined for build metrics only). */
  readonly runsNeeded: number | undefined;
  readonly note: string | undefined;
}

export interface ClaimResult {
  readonly id: string;
  readonly text: string;
  readonly source: string | undefined;
  readonly scenario: string | undefined;
  readonly load: string | undefined;
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
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
