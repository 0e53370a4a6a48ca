/**
 * A check's value in each round: a round is one repetition of the scenario at the claim's load
 * point, every service measured once, back to back; the check's value there is the product of
 * its terms over that round's runs (`python.cpuUsPerRequest / rust.cpuUsPerRequest` of round i),
 * so effects shared by a round (the machine's mood, a noisy neighbour) cancel in the ratio.
 * Only runs that may decide a verdict count (`countsForVerdicts`: valid, not moved by another
 * tenant); a round lacking one for a service of the check drops out of that check and is
 * counted. Micro-benchmark terms pair their runs by index (run i with round i); a check of
 * micro-benchmarks only takes their runs as its rounds. Build metrics are constants.
 *
 * `floor.<metric>` is the platform floor's run of the same round that stood beside every service
 * of the check (its `beside`): at capacity fractions, where each service has its own rate and the
 * floor a run at each, a check across services offered different rates has no such run, and those
 * rounds drop out (the floor term would mix two rates). A check whose side is a sum
 * (`rust.p99 <= 2 * rust.p50 + floor.p99`) takes Σ left ÷ Σ right of each round. Pure.
 */
import type { MicrobenchmarkRecord, RunRecord } from '../results/document.js';
import { countsForVerdicts } from '../results/validity.js';
import { BUILD_METRICS, RUN_METRICS } from '../stats/metrics.js';
import { FLOOR_NAME, isFloorRun } from '../results/floor-runs.js';
import type { Check, Product, Term } from './expression.js';

/** The usable rounds of a check, in measuring order. */
export interface CheckRounds {
  readonly unit: 'rounds' | 'runs' | 'micro';
  /** The check's statistic in each usable round (constants included; 0 and +∞ possible). */
  readonly values: readonly number[];
  readonly rounds: readonly number[];
  /** Per round that dropped out: its number and why. */
  readonly dropped: ReadonlyArray<{ readonly round: number; readonly reason: string }>;
}

const isRunTerm = (term: Term): boolean => Object.hasOwn(RUN_METRICS, term.metric);
const isMicroTerm = (term: Term): boolean => !isRunTerm(term) && !Object.hasOwn(BUILD_METRICS, term.metric);

/** The services whose runs a check reads (`floor` among them when it refers to the platform floor). */
export function runServicesOf(check: Pick<Check, 'terms'>): string[] {
  return [...new Set(check.terms.filter(isRunTerm).map((term) => term.service))];
}

/**
 * The floor's run of a round for a check over `services`: the one that stood beside all of them.
 * @returns the run, or why there is none
 */
export function floorRunOf(roundRuns: readonly RunRecord[], services: readonly string[]): RunRecord | string {
  const floors = roundRuns.filter(isFloorRun);
  const beside = floors.find((run) => services.every((service) => (run.beside ?? []).includes(service)));
  if (beside !== undefined) return beside;
  if (floors.length === 0) return 'no run of the floor';
  return services.length > 1 ? `the floor ran at a different rate beside each of ${services.join(', ')} (capacity fractions): \`floor.\` would mix them` : `no floor run beside ${services[0] ?? 'the check\'s services'}`;
}

/** A product's value from each term's service's run (the floor's under `floor`), or undefined when a metric is missing. */
function productValue(product: Product, runOf: (service: string) => RunRecord): number | undefined {
  let value = product.constant;
  for (const term of product.terms) {
    const metric = RUN_METRICS[term.metric]?.read(runOf(term.service));
    if (metric === undefined || Number.isNaN(metric)) return undefined;
    value = term.power === 1 ? value * metric : value / metric;
  }
  return value;
}

/** Whether the check reads runs or micro-benchmarks (and so needs a statistical test). */
export function isStatistical(check: Pick<Check, 'terms'>): boolean {
  return check.terms.some((term) => isRunTerm(term) || isMicroTerm(term));
}

/** Π of `terms` over one run, or undefined when a metric is missing or not a number. */
function runProduct(run: RunRecord, terms: readonly Term[]): number | undefined {
  let value = 1;
  for (const term of terms) {
    const metric = RUN_METRICS[term.metric]!.read(run);
    if (metric === undefined || Number.isNaN(metric)) return undefined;
    value = term.power === 1 ? value * metric : value / metric;
  }
  return Number.isNaN(value) ? undefined : value;
}

/**
 * The rounds of a check at one load point.
 * @param runs runs of the claim's scenario at its point (any service)
 * @param constant the product of the check's build-metric terms
 * @returns undefined when a micro-benchmark term has no values at all
 */
export function checkRounds(check: Check, runs: readonly RunRecord[], micro: readonly MicrobenchmarkRecord[], constant: number): CheckRounds | undefined {
  const services = runServicesOf(check);
  const microTerms = check.terms.filter(isMicroTerm);
  const microValues = microTerms.map((term) => micro.find((record) => record.service === term.service)?.metrics[term.metric]);
  if (microValues.some((values) => values === undefined)) return undefined;
  const microAt = (index: number): number | undefined => {
    let value = 1;
    for (const [at, term] of microTerms.entries()) {
      const entry = microValues[at]![index];
      if (entry === undefined || !Number.isFinite(entry)) return undefined;
      value = term.power === 1 ? value * entry : value / entry;
    }
    return value;
  };
  const values: number[] = [];
  const rounds: number[] = [];
  const dropped: Array<{ round: number; reason: string }> = [];
  if (services.length === 0) {
    const count = Math.min(...microValues.map((entry) => entry!.length));
    for (let index = 0; index < count; index += 1) {
      const value = microAt(index);
      if (value === undefined || Number.isNaN(value * constant)) dropped.push({ round: index + 1, reason: 'a micro-benchmark value is not a number' });
      else {
        values.push(value * constant);
        rounds.push(index + 1);
      }
    }
    return { unit: 'micro', values, rounds, dropped };
  }
  const named = services.filter((service) => service !== FLOOR_NAME);
  const own = runs.filter((run) => (isFloorRun(run) ? services.includes(FLOOR_NAME) : named.includes(run.service)));
  const repetitions = [...new Set(own.filter((run) => !isFloorRun(run)).map((run) => run.repetition))].sort((a, b) => a - b);
  for (const round of repetitions) {
    let value = constant;
    let reason: string | undefined;
    const chosen = new Map<string, RunRecord>();
    for (const service of named) {
      const run = own.find((candidate) => !isFloorRun(candidate) && candidate.service === service && candidate.repetition === round);
      if (run === undefined) reason ??= `no run of ${service}`;
      else if (!countsForVerdicts(run.validity)) reason ??= `${service}'s run did not count (${run.validity.valid ? 'another tenant moved it' : 'invalid'})`;
      else chosen.set(service, run);
    }
    if (reason === undefined && services.includes(FLOOR_NAME)) {
      const floor = floorRunOf(own.filter((run) => run.repetition === round), named);
      if (typeof floor === 'string') reason = floor;
      else if (!countsForVerdicts(floor.validity)) reason = `the floor's run did not count (${floor.validity.valid ? 'another tenant moved it' : 'invalid'})`;
      else chosen.set(FLOOR_NAME, floor);
    }
    if (reason === undefined && check.sums !== undefined) {
      const sum = (products: readonly Product[]): number | undefined => {
        let total = 0;
        for (const product of products) {
          const part = productValue(product, (service) => chosen.get(service)!);
          if (part === undefined) return undefined;
          total += part;
        }
        return total;
      };
      const [left, right] = [sum(check.sums.left), sum(check.sums.right)];
      if (left === undefined || right === undefined) reason = `a run lacked ${check.terms.map((term) => term.metric).join('/')}`;
      else value *= left / right;
    } else if (reason === undefined) {
      for (const [service, run] of chosen) {
        const terms = check.terms.filter((term) => term.service === service && isRunTerm(term));
        const product = runProduct(run, terms);
        if (product === undefined) {
          reason = `${service === FLOOR_NAME ? 'the floor' : service}'s run lacked ${terms.map((term) => term.metric).join('/')}`;
          break;
        }
        value *= product;
      }
    }
    if (reason === undefined && microTerms.length > 0) {
      const extra = microAt(round - 1);
      if (extra === undefined) reason = 'no micro-benchmark run of that index';
      else value *= extra;
    }
    if (reason === undefined && Number.isNaN(value)) reason = 'the statistic is 0 ÷ 0';
    if (reason !== undefined) dropped.push({ round, reason });
    else {
      values.push(value);
      rounds.push(round);
    }
  }
  return { unit: services.length === 1 && microTerms.length === 0 ? 'runs' : 'rounds', values, rounds, dropped };
}

/** "2 of 9 rounds dropped (rust's run did not count (invalid) ×2)": the drops up to round `through`. */
export function describeDropped(rounds: CheckRounds, through: number | undefined): string | undefined {
  const counted = rounds.dropped.filter((entry) => through === undefined || entry.round <= through);
  if (counted.length === 0) return undefined;
  const used = rounds.rounds.filter((round) => through === undefined || round <= through).length;
  const reasons = new Map<string, number>();
  for (const entry of counted) reasons.set(entry.reason, (reasons.get(entry.reason) ?? 0) + 1);
  const why = [...reasons].map(([reason, count]) => (count === 1 ? reason : `${reason} ×${count}`)).join('; ');
  const noun = rounds.unit === 'micro' ? 'micro-benchmark runs' : rounds.unit === 'runs' ? 'runs' : 'rounds';
  return `${counted.length} of ${used + counted.length} ${noun} dropped (${why})`;
}
