/**
 * Verdicts on claims. A check is a product of `service.metric` terms against a threshold; its
 * evidence is the product's value in each paired round (rounds.ts), turned into
 * dᵢ = ln(valueᵢ) − ln(threshold), and decided by the sequential decision engine
 * (stats/paired-test.ts) under the plan fixed before the first round (plan.ts): two one-sided
 * tests, each erring at most 2.5 % over all looks — *holds* when the claimed side's boundary is
 * crossed, *refuted* when the other side's is (its 2.5 % divided among the claim's checks),
 * *inconclusive* otherwise. The first crossing decides; rounds measured later for other checks
 * never reopen it. The interval printed beside a verdict is the look's exact interval at the
 * levels the plan uses, so it lies on the claimed side exactly when the check holds. Build
 * metrics are single measurements, compared as points. Also the capacity table: cores needed
 * for a throughput. Pure.
 */
import type { ResolvedClaims } from '../config/claims.js';
import type { BuildRecord, MicrobenchmarkRecord, ResultsDocument, RunRecord } from '../results/document.js';
import type { CapacityEstimate, CheckResult, ClaimResult, ClaimsPlan, Verdict } from '../results/claims.js';
import { countsForVerdicts } from '../results/validity.js';
import { medianInterval } from '../stats/interval.js';
import { lookAt, replayLooks } from '../stats/paired-test.js';
import { BUILD_METRICS } from '../stats/metrics.js';
import { describeLoad } from '../stats/summarize.js';
import { compare, type Check } from './expression.js';
import { checkDesign, looksOf, testFor } from './plan.js';
import { checkRounds, describeDropped, isStatistical } from './rounds.js';
import { floorNote } from './floor-note.js';
import { formatNumber } from './format.js';
import { serviceRuns } from '../results/floor-runs.js';

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

/** "0.85 %", "0.034 %": a small level without false precision. */
export function formatLevel(level: number): string {
  return `${Number((level * 100).toPrecision(2))} %`;
}

/** What a check is evaluated with besides its runs. */
export interface CheckContext {
  /** The scenario's planned looks; undefined: one look after the rounds there are. */
  readonly looks?: { readonly firstLook: number; readonly lastLook: number } | undefined;
  /** Checks of the claim that can be refuted (the refute side's α is divided among them). */
  readonly familySize?: number;
  /** Every run of the document: a closed-loop latency check's note compares with the floor's runs elsewhere (floor-note.ts). */
  readonly everyRun?: readonly RunRecord[];
}

/**
 * Evaluates one check against the runs of one scenario point, the builds and the micro-benchmarks.
 * @param runs runs of the claim's scenario at its load point (any service)
 */
export function evaluateCheck(check: Check, runs: readonly RunRecord[], builds: readonly BuildRecord[], micro: readonly MicrobenchmarkRecord[] = [], context: CheckContext = {}): CheckResult {
  let constant = 1;
  for (const term of check.terms) {
    if (!Object.hasOwn(BUILD_METRICS, term.metric)) continue;
    const build = builds.find((candidate) => candidate.service === term.service);
    const value = build === undefined ? undefined : BUILD_METRICS[term.metric]!.read(build);
    if (value === undefined) return notMeasured(check, `no ${term.metric} recorded for ${term.service} (run \`rewrite-bench build --timings\`)`);
    constant = term.power === 1 ? constant * value : constant / value;
  }
  const base = { source: check.source, statistic: check.statistic, comparator: check.comparator, threshold: check.threshold };
  if (!isStatistical(check)) {
    const verdict = compare(constant, check.comparator, check.threshold) ? 'holds' : 'refuted';
    return { ...base, verdict, value: constant, low: undefined, high: undefined, coverage: undefined, n: undefined, runsNeeded: undefined, note: 'single measurement (build metrics): no interval' };
  }
  const rounds = checkRounds(check, runs, micro, constant);
  if (rounds === undefined) {
    const term = check.terms.find((entry) => !Object.hasOwn(BUILD_METRICS, entry.metric) && micro.every((record) => record.service !== entry.service || record.metrics[entry.metric] === undefined));
    return notMeasured(check, `no micro-benchmark value ${term?.metric ?? ''} of ${term?.service ?? 'a service'} (its manifest's \`microbenchmark\`)`);
  }
  if (rounds.values.length === 0) {
    const why = describeDropped(rounds, undefined);
    return notMeasured(check, rounds.dropped.length === 0 ? 'no run of the check\'s services at this point' : `no usable round: ${why}`);
  }
  const test = testFor(check);
  const familySize = context.familySize ?? 1;
  const looks = rounds.unit === 'micro' ? undefined : context.looks;
  const planned = checkDesign(test, looks, rounds.values.length, familySize);
  const holdsUpward = check.comparator === '>=' || check.comparator === '>';
  const gammaUpper = holdsUpward ? planned.holds.gamma : planned.refutes.gamma;
  const gammaLower = holdsUpward ? planned.refutes.gamma : planned.holds.gamma;
  const log = Math.log(check.threshold);
  const d = rounds.values.map((value) => Math.log(value) - log);
  const replay = replayLooks(test, d, planned.design.looks, gammaUpper, gammaLower);
  // Before the plan's first look the interval is shown at the levels the plan will use.
  const look = replay.look ?? lookAt(test, d, gammaUpper, gammaLower)!;
  const verdict: Verdict = replay.decision === undefined ? 'inconclusive' : (replay.decision === 'upper') === holdsUpward ? 'holds' : 'refuted';
  const scale = (value: number): number => check.threshold * Math.exp(value);
  const shownRound = rounds.rounds[look.n - 1];
  const earliest = planned.design.looks.find((n) => 2 ** -n <= Math.max(planned.holds.gamma, planned.refutes.gamma));
  const what = rounds.unit === 'micro' ? 'micro-benchmark runs paired by index' : rounds.unit === 'runs' ? 'runs' : 'paired rounds';
  const noun = rounds.unit === 'rounds' ? 'rounds' : 'runs';
  const method =
    test === 'sign'
      ? `sign test on ${look.n} ${what} (median; a tail metric: no symmetry assumed)`
      : `signed-rank test on the log ratios of ${look.n} ${what} (Hodges–Lehmann estimate; assumes they are symmetric about their centre)`;
  const levels =
    planned.holds.gamma === planned.refutes.gamma
      ? `one-sided ${formatLevel(planned.holds.gamma)} at each end`
      : `one-sided ${formatLevel(planned.holds.gamma)} on the claimed side, ${formatLevel(planned.refutes.gamma)} on the other (${familySize} checks can refute the claim)`;
  const plan = planned.firstLook === planned.lastLook ? `one look at ${planned.lastLook}` : `looks at every round from ${planned.firstLook} to ${planned.lastLook}`;
  const simulated = planned.holds.method === 'simulated' ? ', levels from a seeded simulation of the plan' : '';
  const parts = [
    method,
    `interval ${levels}: the plan (${plan}${simulated}) errs at most ${formatLevel(planned.holds.achieved)} / ${formatLevel(planned.refutes.achieved)} each way`,
    replay.decision === undefined ? undefined : `decided after ${look.n} ${noun}${rounds.values.length > look.n ? ` (later ${noun}, measured for other checks, do not reopen it)` : ''}`,
    replay.look === undefined && looks !== undefined ? `the plan's first look is at ${planned.firstLook} usable ${noun}` : undefined,
    replay.decision === undefined && earliest !== undefined && look.n < earliest ? `no look before ${earliest} ${noun} can decide (the smallest p of n ${noun} is 2⁻ⁿ)` : undefined,
    describeDropped(rounds, shownRound),
    floorNote(check, runs, context.everyRun ?? runs, formatNumber(scale(look.estimate))),
  ];
  return {
    ...base,
    verdict,
    value: scale(look.estimate),
    low: scale(look.low),
    high: scale(look.high),
    coverage: look.coverage,
    n: look.n,
    runsNeeded: earliest,
    note: parts.filter((part): part is string => part !== undefined).join('; '),
    test: {
      method: test,
      unit: rounds.unit,
      values: rounds.values,
      rounds: rounds.rounds,
      dropped: rounds.dropped.filter((entry) => shownRound === undefined || entry.round <= shownRound).length,
      firstLook: planned.firstLook,
      lastLook: planned.lastLook,
      familySize,
      levelHolds: planned.holds.gamma,
      levelRefutes: planned.refutes.gamma,
      errorHolds: planned.holds.achieved,
      errorRefutes: planned.refutes.achieved,
      design: planned.holds.method,
      decidedAt: replay.decision === undefined ? undefined : look.n,
      pHolds: holdsUpward ? look.pUpper : look.pLower,
      pRefutes: holdsUpward ? look.pLower : look.pUpper,
    },
  };
}

/** The load point of a claim: the same for every service, or a capacity fraction of each. */
function describePoint(run: RunRecord): string {
  return run.capacityFraction === undefined ? describeLoad(run) : `open loop, ${Math.round(run.capacityFraction * 100)} % of each service's capacity`;
}

type ClaimsInput = Pick<ResultsDocument, 'runs' | 'builds'> & { readonly microbenchmarks?: readonly MicrobenchmarkRecord[] };

/**
 * Evaluates every claim of a claims file against a results document, under `plan` (default: one
 * look per scenario, after its rounds).
 */
export function evaluateClaims(claims: ResolvedClaims, document: ClaimsInput, plan?: ClaimsPlan): ClaimResult[] {
  return claims.claims.map((claim) => {
    const runs = claim.scenario === undefined ? [] : document.runs.filter((run) => run.scenario === claim.scenario && run.rateIndex === claim.point);
    const familySize = claim.checks.filter(isStatistical).length;
    const context: CheckContext = { looks: looksOf(plan, claim.scenario), familySize, everyRun: document.runs };
    const checks = claim.checks.map((check) => evaluateCheck(check, runs, document.builds, document.microbenchmarks ?? [], context));
    const services = new Set(claim.checks.flatMap((check) => check.terms.map((term) => term.service)));
    const own = serviceRuns(runs).find((run) => services.has(run.service));
    return {
      id: claim.id,
      text: claim.text,
      source: claim.source,
      scenario: claim.scenario,
      point: claim.point,
      load: own === undefined ? undefined : describePoint(own),
      verdict: combineVerdicts(checks.map((check) => check.verdict)),
      checks,
    };
  });
}

/** The capacity table of a claims file: throughput × CPU time per request, per service, from runs that count for verdicts. */
export function estimateCapacity(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs'>): CapacityEstimate[] {
  return claims.capacity.flatMap((request) => {
    const runs = serviceRuns(document.runs).filter((run) => run.scenario === request.scenario && run.rateIndex === request.point && countsForVerdicts(run.validity));
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
