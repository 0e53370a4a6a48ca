/**
 * A check's value in each round: a round is one repetition of the scenario at the claim's load
 * point, every service measured once, back to back; the check's value there is the product of
 * its terms over that round's runs (`python.cpuUsPerRequest / rust.cpuUsPerRequest` of round i),
 * so effects shared by a round (the machine's mood, a noisy neighbour) cancel in the ratio.
 * Only runs that may decide a verdict count (`countsForVerdicts`: valid, not moved by another
 * tenant); a round lacking one for a service of the check drops out of that check and is
 * counted. Micro-benchmark terms pair their runs by index (run i with round i); a check of
 * micro-benchmarks only takes their runs as its rounds. Build metrics are constants. Pure.
 */
import type { MicrobenchmarkRecord, RunRecord } from '../results/document.js';
import { countsForVerdicts } from '../results/validity.js';
import { BUILD_METRICS, RUN_METRICS } from '../stats/metrics.js';
import type { Check, Term } from './expression.js';

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

/** The services whose runs a check reads. */
export function runServicesOf(check: Pick<Check, 'terms'>): string[] {
  return [...new Set(check.terms.filter(isRunTerm).map((term) => term.service))];
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
  const own = runs.filter((run) => services.includes(run.service));
  const repetitions = [...new Set(own.map((run) => run.repetition))].sort((a, b) => a - b);
  for (const round of repetitions) {
    let value = constant;
    let reason: string | undefined;
    for (const service of services) {
      const run = own.find((candidate) => candidate.service === service && candidate.repetition === round);
      if (run === undefined) reason ??= `no run of ${service}`;
      else if (!countsForVerdicts(run.validity)) reason ??= `${service}'s run did not count (${run.validity.valid ? 'another tenant moved it' : 'invalid'})`;
      else {
        const product = runProduct(run, check.terms.filter((term) => term.service === service && isRunTerm(term)));
        if (product === undefined) reason ??= `${service}'s run lacked ${check.terms.filter((term) => term.service === service && isRunTerm(term)).map((term) => term.metric).join('/')}`;
        else value *= product;
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
