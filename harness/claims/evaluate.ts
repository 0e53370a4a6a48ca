/**
 * Verdicts on claims. A check is a product of `service.metric` terms against a threshold. Per
 * service, the per-run value of its terms (e.g. p99/p50 of each run, so metrics of one service
 * stay paired within a run) is summarised by its median over valid runs with an order-statistic
 * interval (stats/interval.ts); the services' factors are multiplied, and so are their
 * intervals ([Lx/Uy, Ux/Ly] for x/y), each factor at a coverage that keeps the product at
 * >= 95 % (97.5 % each for a ratio). The achieved coverage is stated with every verdict.
 * *holds* when the whole interval lies on the claimed side, *refuted* when wholly on the other,
 * *inconclusive* when it straddles or the coverage is below 95 % (too few valid runs: the verdict
 * says how many a service needs). Build metrics are single measurements, compared as points.
 * Also the capacity table: cores needed for a throughput. Pure.
 */
import type { ResolvedClaims } from '../config/claims.js';
import type { BuildRecord, MicrobenchmarkRecord, ResultsDocument, RunRecord } from '../results/document.js';
import type { CapacityEstimate, CheckResult, ClaimResult, Verdict } from '../results/claims.js';
import { formatCoverage, medianInterval, perFactorTarget, productInterval, runsForCoverage, TARGET_COVERAGE, type Estimate } from '../stats/interval.js';
import { BUILD_METRICS, RUN_METRICS } from '../stats/metrics.js';
import { describeLoad } from '../stats/summarize.js';
import { compare, type Check, type Term } from './expression.js';

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
  coverage: undefined,
  n: undefined,
  runsNeeded: undefined,
  note,
});

/** A run's value of the product of `terms` (one service's), or undefined when a metric is missing or not finite. */
function perRunValue(run: RunRecord, terms: readonly Term[]): number | undefined {
  let value = 1;
  for (const term of terms) {
    const metric = RUN_METRICS[term.metric]!.read(run);
    if (metric === undefined || !Number.isFinite(metric)) return undefined;
    value = term.power === 1 ? value * metric : value / metric;
  }
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The run services of a check, the coverage each factor needs and, so that a caller can plan
 * more runs, how many valid runs per service give 95 % overall.
 */
export function coveragePlan(check: Check): { services: string[]; perService: number; runsNeeded: number } {
  const services = [...new Set(check.terms.filter((term) => Object.hasOwn(RUN_METRICS, term.metric)).map((term) => term.service))];
  const microTerms = check.terms.filter((term) => !Object.hasOwn(RUN_METRICS, term.metric) && !Object.hasOwn(BUILD_METRICS, term.metric)).length;
  const perService = perFactorTarget(services.length + microTerms);
  return { services, perService, runsNeeded: runsForCoverage(perService) };
}

/** Evaluates one check against the runs of one scenario point and the builds. */
export function evaluateCheck(check: Check, runs: readonly RunRecord[], builds: readonly BuildRecord[], micro: readonly MicrobenchmarkRecord[] = []): CheckResult {
  const { services, perService, runsNeeded } = coveragePlan(check);
  let constant = 1;
  for (const term of check.terms) {
    if (!Object.hasOwn(BUILD_METRICS, term.metric)) continue;
    const build = builds.find((candidate) => candidate.service === term.service);
    const value = build === undefined ? undefined : BUILD_METRICS[term.metric]!.read(build);
    if (value === undefined) return notMeasured(check, `no ${term.metric} recorded for ${term.service} (run \`rewrite-bench build --timings\`)`);
    constant = term.power === 1 ? constant * value : constant / value;
  }
  const base = { source: check.source, statistic: check.statistic, comparator: check.comparator, threshold: check.threshold };
  // Micro-benchmark terms: each one's runs are a factor of their own.
  const microFactors: Array<{ estimate: Estimate; power: 1 | -1 }> = [];
  for (const term of check.terms) {
    if (Object.hasOwn(RUN_METRICS, term.metric) || Object.hasOwn(BUILD_METRICS, term.metric)) continue;
    const values = micro.find((record) => record.service === term.service)?.metrics[term.metric];
    const estimate = values === undefined ? undefined : medianInterval(values.filter(Number.isFinite), perService);
    if (estimate === undefined) return notMeasured(check, `no micro-benchmark value ${term.metric} of ${term.service} (its manifest's \`microbenchmark\`)`);
    microFactors.push({ estimate, power: term.power });
  }
  if (services.length === 0 && microFactors.length === 0) {
    const verdict = compare(constant, check.comparator, check.threshold) ? 'holds' : 'refuted';
    return { ...base, verdict, value: constant, low: undefined, high: undefined, coverage: undefined, n: undefined, runsNeeded: undefined, note: 'single measurement (build metrics): no interval' };
  }
  const factors: Array<{ estimate: Estimate; power: 1 }> = [];
  const lacking: string[] = [];
  for (const service of services) {
    const terms = check.terms.filter((term) => term.service === service && Object.hasOwn(RUN_METRICS, term.metric));
    const valid = runs.filter((run) => run.service === service && run.validity.valid);
    if (valid.length === 0) return notMeasured(check, `no valid run of ${service} at this point`);
    const values = valid.map((run) => perRunValue(run, terms));
    const present = values.filter((value): value is number => value !== undefined);
    if (present.length < values.length) lacking.push(`${values.length - present.length} of ${values.length} valid runs of ${service} lacked ${terms.map((term) => term.metric).join('/')}`);
    const estimate = medianInterval(present, perService);
    if (estimate === undefined) return notMeasured(check, `no valid run of ${service} has ${terms.map((term) => term.metric).join(' and ')}`);
    factors.push({ estimate, power: 1 });
  }
  const product = productInterval([...factors, ...microFactors]);
  if (product === undefined) return notMeasured(check, 'the statistic is undefined (a median of 0 in a denominator)');
  const scale = (value: number): number => value * constant;
  const [low, high] = constant >= 0 ? [scale(product.low), scale(product.high)] : [scale(product.high), scale(product.low)];
  const enough = product.coverage >= TARGET_COVERAGE - 1e-12;
  const verdict = enough ? verdictOf(low, high, check.comparator, check.threshold) : 'inconclusive';
  const coverageText = `${formatCoverage(product.coverage)} coverage from ${product.n} valid run${product.n === 1 ? '' : 's'}${services.length > 1 ? ' (the fewest of any service)' : ''}`;
  const shortfall = enough ? undefined : `below 95 %: ${runsNeeded} valid runs per service give ≥ 95 %`;
  const straddles = verdictOf(low, high, check.comparator, check.threshold) === 'inconclusive' ? 'the interval straddles the threshold' : undefined;
  const note = [coverageText, shortfall, enough ? straddles : undefined, ...lacking].filter((part): part is string => part !== undefined).join('; ');
  return { ...base, verdict, value: scale(product.value), low, high, coverage: product.coverage, n: product.n, runsNeeded, note };
}

/** The load point of a claim: the same for every service, or a capacity fraction of each. */
function describePoint(run: RunRecord): string {
  return run.capacityFraction === undefined ? describeLoad(run) : `open loop, ${Math.round(run.capacityFraction * 100)} % of each service's capacity`;
}

/** Evaluates every claim of a claims file against a results document. */
export function evaluateClaims(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs' | 'builds'> & { readonly microbenchmarks?: readonly MicrobenchmarkRecord[] }): ClaimResult[] {
  return claims.claims.map((claim) => {
    const runs = claim.scenario === undefined ? [] : document.runs.filter((run) => run.scenario === claim.scenario && run.rateIndex === claim.point);
    const checks = claim.checks.map((check) => evaluateCheck(check, runs, document.builds, document.microbenchmarks ?? []));
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

/** The capacity table of a claims file: throughput × CPU time per request, per service. */
export function estimateCapacity(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs'>): CapacityEstimate[] {
  return claims.capacity.flatMap((request) => {
    const runs = document.runs.filter((run) => run.scenario === request.scenario && run.rateIndex === request.point && run.validity.valid);
    const services = [...new Set(runs.map((run) => run.service))];
    return services.flatMap((service) => {
      const values = runs.filter((run) => run.service === service).flatMap((run) => (run.measured.cpuUsPerRequest === undefined ? [] : [(run.measured.cpuUsPerRequest * request.throughputRps) / 1e6]));
      const coresNeeded = medianInterval(values);
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
