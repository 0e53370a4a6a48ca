/**
 * What a claim check on latency says about the platform floor (issue 21): whether each service's
 * tail in the check is at the floor — the machine's — or above it — its own — by the rule of
 * stats/floor.ts (the service's median over the runs that count, against the range of the floor's
 * runs beside it at the claim's point), and, for a check over one service, the same statistic of
 * the floor itself (`rust.p99 / rust.p50 = 2.4, the floor's own floor.p99 / floor.p50 = 2.2`).
 * A closed loop has no floor (run/floor-plan.ts): the note compares the largest floor p99.9 the
 * run measured anywhere with the service's median instead. Pure.
 */
import { median } from 'simple-statistics';
import { formatNumber } from './format.js';
import { formatMicros } from '../format.js';
import type { RunRecord } from '../results/document.js';
import { FLOOR_NAME, floorRuns, isFloorRun } from '../results/floor-runs.js';
import { countsForVerdicts } from '../results/validity.js';
import { describeSpread, floorRunsBeside, isAtFloor, spreadOf } from '../stats/floor.js';
import { RUN_METRICS } from '../stats/metrics.js';
import type { Check, Product, Term } from './expression.js';

/** Latency metrics, from the tail inwards: the first of a service's terms in this order is its tail term. */
const LATENCY_BY_TAIL = ['max', 'p999', 'p99', 'p90', 'mean', 'p50'] as const;
const TAIL_METRICS: ReadonlySet<string> = new Set(['max', 'p999', 'p99', 'p90']);
/** A closed loop's tail is the machine's at most when the largest floor p99.9 is under this share of the service's median. */
export const CLOSED_LOOP_SHARE = 0.1;

const isLatency = (term: Term): boolean => (LATENCY_BY_TAIL as readonly string[]).includes(term.metric);

function medianOf(runs: readonly RunRecord[], metric: string): number | undefined {
  const values = runs.flatMap((run) => {
    const value = RUN_METRICS[metric]!.read(run);
    return value === undefined || !Number.isFinite(value) ? [] : [value];
  });
  return values.length === 0 ? undefined : median(values);
}

/** The check's statistic with `service` read from the floor's run instead (one floor run). */
function floorStatistic(check: Check, service: string, run: RunRecord): number | undefined {
  const read = (term: Term): number | undefined => (term.service === service || term.service === FLOOR_NAME ? RUN_METRICS[term.metric]!.read(run) : undefined);
  const product = (terms: readonly Term[], constant: number): number | undefined => {
    let value = constant;
    for (const term of terms) {
      const metric = read(term);
      if (metric === undefined || !(metric > 0)) return undefined;
      value = term.power === 1 ? value * metric : value / metric;
    }
    return value;
  };
  if (check.sums === undefined) return product(check.terms, 1);
  const sum = (products: readonly Product[]): number | undefined => products.reduce<number | undefined>((total, entry) => {
    const part = product(entry.terms, entry.constant);
    return total === undefined || part === undefined ? undefined : total + part;
  }, 0);
  const [left, right] = [sum(check.sums.left), sum(check.sums.right)];
  return left === undefined || right === undefined ? undefined : left / right;
}

/** `rust.p99 / rust.p50` → `floor.p99 / floor.p50`. */
function asFloor(statistic: string, service: string): string {
  const escaped = service.replace(/[-]/g, '\\-');
  return statistic.replace(new RegExp(`(^|[^a-z0-9_-])${escaped}\\.`, 'g'), `$1${FLOOR_NAME}.`);
}

/** The closed-loop note: the largest floor p99.9 of the run against the services' medians. */
function closedLoopNote(services: readonly string[], runs: readonly RunRecord[], everyRun: readonly RunRecord[]): string | undefined {
  const floors = floorRuns(everyRun).filter((run) => run.validity.valid && run.load.latencyUs !== undefined && run.load.latencyUs !== null);
  if (floors.length === 0) return undefined;
  const largest = floors.reduce((best, run) => (run.load.latencyUs!.p999Us > best.load.latencyUs!.p999Us ? run : best));
  const tailUs = largest.load.latencyUs!.p999Us;
  const parts = services.flatMap((service) => {
    const p50 = medianOf(runs.filter((run) => run.service === service && countsForVerdicts(run.validity)), 'p50');
    if (p50 === undefined || p50 <= 0) return [];
    const share = tailUs / p50;
    return [`${formatNumber(share * 100)} % of ${service}.p50 (${formatMicros(p50)})${share < CLOSED_LOOP_SHARE ? `: the machine's pauses cannot make ${service}'s tail` : `: the machine's pauses alone could reach the size of ${service}'s tail`}`];
  });
  if (parts.length === 0) return undefined;
  return `floor: a closed loop has none (its latency is the service's own queue, connections ÷ throughput); the largest floor p99.9 this run measured, ${formatMicros(tailUs)} (${largest.scenario} at ${Math.round(largest.load.offeredRps ?? 0).toLocaleString('en-US')} req/s), is ${parts.join('; ')}`;
}

/**
 * The floor's part of a latency check's note; undefined for other checks, or when no floor ran
 * beside its services.
 * @param runs runs of the claim's scenario at its point (the floor's among them)
 * @param everyRun every run of the document (a closed loop's note looks at the floor's runs elsewhere)
 * @param valueText the check's value as printed (`2.4`)
 */
export function floorNote(check: Check, runs: readonly RunRecord[], everyRun: readonly RunRecord[], valueText: string): string | undefined {
  const runTerms = check.terms.filter((term) => Object.hasOwn(RUN_METRICS, term.metric));
  if (runTerms.length === 0 || !runTerms.every(isLatency)) return undefined;
  const services = [...new Set(runTerms.filter((term) => term.service !== FLOOR_NAME).map((term) => term.service))];
  const serviceRuns = runs.filter((run) => !isFloorRun(run) && services.includes(run.service));
  if (serviceRuns.length === 0) return undefined;
  if (serviceRuns.every((run) => run.load.model === 'closed')) return closedLoopNote(services, serviceRuns, everyRun);
  const first = serviceRuns[0]!;
  const parts: string[] = [];
  let ownStatistic: string | undefined;
  for (const service of services) {
    const floor = floorRunsBeside(runs, first.scenario, first.rateIndex, service).filter((run) => countsForVerdicts(run.validity));
    if (floor.length === 0) continue;
    const counted = serviceRuns.filter((run) => run.service === service && countsForVerdicts(run.validity));
    const tail = LATENCY_BY_TAIL.find((metric) => runTerms.some((term) => term.service === service && term.metric === metric));
    const value = tail === undefined ? undefined : medianOf(counted, tail);
    const spread = tail === undefined ? undefined : spreadOf(floor, tail);
    if (tail === undefined || value === undefined || spread === undefined) continue;
    const where = `${service}.${tail} (${formatMicros(value)})`;
    const whose = TAIL_METRICS.has(tail) ? 'tail' : 'median';
    parts.push(
      isAtFloor(value, spread)
        ? `${where} is within the floor's ${tail} (${describeSpread(spread, formatMicros)}): the ${whose} is the machine's`
        : `${where} is above the floor's ${tail} (${describeSpread(spread, formatMicros)}): the ${whose} is ${service}'s own`,
    );
    if (services.length === 1) {
      const values = floor.flatMap((run) => {
        const statistic = floorStatistic(check, service, run);
        return statistic === undefined || !Number.isFinite(statistic) ? [] : [statistic];
      });
      if (values.length > 0) ownStatistic = `${check.statistic} = ${valueText}, the floor's own ${asFloor(check.statistic, service)} = ${formatNumber(median(values))} (${values.length} run${values.length === 1 ? '' : 's'} beside ${service})`;
    }
  }
  if (parts.length === 0) return undefined;
  return `floor: ${[ownStatistic, ...parts].filter((part): part is string => part !== undefined).join('; ')}`;
}
