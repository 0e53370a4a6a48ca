/**
 * Verdicts on claims: each check's statistic (medians of per-run values over valid runs,
 * combined as the check says) with a 95 % bootstrap CI. *holds* when the whole CI lies on the
 * claimed side, *refuted* when it lies wholly on the other, *inconclusive* when it straddles or
 * fewer than MIN_RUNS valid runs back a service. Build metrics are single measurements and are
 * compared as points. Also the capacity table: cores needed for a throughput. Pure.
 */
import { median } from 'simple-statistics';
import type { BuildRecord } from '../results/document.js';
import type { ResolvedClaims } from '../config/claims.js';
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { groupsEstimate, medianEstimate, seededRandom, type Estimate } from '../stats/bootstrap.js';
import { BUILD_METRICS, RUN_METRICS } from '../stats/metrics.js';
import { describeLoad } from '../stats/summarize.js';
import { compare, type Check } from './expression.js';

/** Valid runs per service needed before an interval is trusted. */
export const MIN_RUNS = 3;

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
  /** Fewest valid runs behind a service of the check (undefined for build metrics only). */
  readonly n: number | undefined;
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

function verdictOf(low: number, high: number, comparator: Check['comparator'], threshold: number): Verdict {
  if (compare(low, comparator, threshold) && compare(high, comparator, threshold)) return 'holds';
  if (!compare(low, comparator, threshold) && !compare(high, comparator, threshold)) return 'refuted';
  return 'inconclusive';
}

/** Combines check verdicts: any refuted → refuted; all hold → holds; unmeasured → not-measured. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('refuted')) return 'refuted';
  if (verdicts.includes('not-measured')) return 'not-measured';
  if (verdicts.every((verdict) => verdict === 'holds')) return 'holds';
  return 'inconclusive';
}

const notMeasured = (check: Check, note: string): CheckResult => ({
  source: check.source,
  statistic: check.statistic,
  comparator: check.comparator,
  threshold: check.threshold,
  verdict: 'not-measured',
  value: undefined,
  low: undefined,
  high: undefined,
  n: undefined,
  note,
});

/** Evaluates one check against the runs of one scenario point and the builds. */
export function evaluateCheck(check: Check, runs: readonly RunRecord[], builds: readonly BuildRecord[], seed: number): CheckResult {
  const services = [...new Set(check.terms.filter((term) => Object.hasOwn(RUN_METRICS, term.metric)).map((term) => term.service))];
  const groups = services.map((service) => runs.filter((run) => run.service === service && run.validity.valid));
  const buildValues = new Map<string, number>();
  for (const term of check.terms) {
    if (!Object.hasOwn(BUILD_METRICS, term.metric)) continue;
    const build = builds.find((candidate) => candidate.service === term.service);
    const value = build === undefined ? undefined : BUILD_METRICS[term.metric]!.read(build);
    if (value === undefined) return notMeasured(check, `no ${term.metric} recorded for ${term.service} (run \`rewrite-bench build --timings\`)`);
    buildValues.set(`${term.service}.${term.metric}`, value);
  }
  const missing = services.filter((_, index) => groups[index]!.length === 0);
  if (missing.length > 0) return notMeasured(check, `no valid run of ${missing.join(', ')} at this point`);
  const statistic = (sampled: ReadonlyArray<readonly RunRecord[]>): number => {
    let value = 1;
    for (const term of check.terms) {
      const fixed = buildValues.get(`${term.service}.${term.metric}`);
      const factor = fixed ?? median(sampled[services.indexOf(term.service)]!.map((run) => RUN_METRICS[term.metric]!.read(run) ?? Number.NaN));
      value = term.power === 1 ? value * factor : value / factor;
    }
    return value;
  };
  if (services.length === 0) {
    const value = statistic([]);
    return { source: check.source, statistic: check.statistic, comparator: check.comparator, threshold: check.threshold, verdict: compare(value, check.comparator, check.threshold) ? 'holds' : 'refuted', value, low: undefined, high: undefined, n: undefined, note: 'single measurement (build metrics): no interval' };
  }
  const estimate: Estimate | undefined = groupsEstimate(groups, statistic, seededRandom(seed));
  if (estimate === undefined) return notMeasured(check, 'the statistic is undefined (a metric is missing or zero)');
  const enough = estimate.n >= MIN_RUNS;
  return {
    source: check.source,
    statistic: check.statistic,
    comparator: check.comparator,
    threshold: check.threshold,
    verdict: enough ? verdictOf(estimate.low, estimate.high, check.comparator, check.threshold) : 'inconclusive',
    value: estimate.value,
    low: estimate.low,
    high: estimate.high,
    n: estimate.n,
    note: enough
      ? estimate.n < 6
        ? `${estimate.n} runs: a percentile bootstrap interval covers less than its nominal 95 % (a median's [min, max] of 3 runs covers 75 %)`
        : undefined
      : `only ${estimate.n} valid run(s) for a service; at least ${MIN_RUNS} are needed for an interval`,
  };
}

/** The load point of a claim: the same for every service, or a capacity fraction of each. */
function describePoint(run: RunRecord): string {
  return run.capacityFraction === undefined ? describeLoad(run) : `open loop, ${Math.round(run.capacityFraction * 100)} % of each service's capacity`;
}

/** Evaluates every claim of a claims file against a results document. */
export function evaluateClaims(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs' | 'builds'>, seed = 1): ClaimResult[] {
  return claims.claims.map((claim, index) => {
    const runs = claim.scenario === undefined ? [] : document.runs.filter((run) => run.scenario === claim.scenario && run.rateIndex === claim.point);
    const checks = claim.checks.map((check, checkIndex) => evaluateCheck(check, runs, document.builds, seed + index * 100 + checkIndex));
    const services = new Set(claim.checks.flatMap((check) => check.terms.map((term) => term.service)));
    const own = runs.find((run) => services.has(run.service));
    return {
      id: claim.id,
      text: claim.text,
      source: claim.source,
      scenario: claim.scenario,
      load: own === undefined ? undefined : describePoint(own),
      verdict: combineVerdicts(checks.map((check) => check.verdict)),
      checks,
    };
  });
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

/** The capacity table of a claims file: throughput × CPU time per request, per service. */
export function estimateCapacity(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs'>, seed = 7): CapacityEstimate[] {
  const random = seededRandom(seed);
  return claims.capacity.flatMap((request) => {
    const runs = document.runs.filter((run) => run.scenario === request.scenario && run.rateIndex === request.point && run.validity.valid);
    const services = [...new Set(runs.map((run) => run.service))];
    return services.flatMap((service) => {
      const values = runs.filter((run) => run.service === service).flatMap((run) => (run.measured.cpuUsPerRequest === undefined ? [] : [(run.measured.cpuUsPerRequest * request.throughputRps) / 1e6]));
      const coresNeeded = medianEstimate(values, random);
      if (coresNeeded === undefined) return [];
      return [
        {
          scenario: request.scenario,
          service,
          load: describeLoad(runs.find((run) => run.service === service)!),
          throughputRps: request.throughputRps,
          coresNeeded,
          assumption: `CPU time per request measured in ${request.scenario} at load point ${request.point} (each service at its own rate) stays the same at ${request.throughputRps.toLocaleString('en-US')} req/s spread over many cores: no contention, coordination or GC growth, and no headroom.`,
        },
      ];
    });
  });
}
