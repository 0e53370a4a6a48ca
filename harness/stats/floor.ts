/**
 * The platform floor beside a service's figures (issue 21): which floor runs stand beside a
 * service at a load point, the floor's run-to-run spread at a percentile, whether a service's
 * figure is "at the platform floor", and the smallest tail difference the machine can show.
 *
 * The rule. The floor's spread at a percentile is the range [lowest, highest] of that percentile
 * over the floor's runs beside the service at that point (valid runs; for claims, the runs that
 * count for verdicts). A service's figure (its median over its runs, as the tables print it) is
 * *at the platform floor* when it is at most the highest: a run of a server that does nothing
 * reached it on this machine at this load, so the figure cannot be told from what the machine,
 * its kernel and the load engine do by themselves. A figure below the lowest is at the floor too
 * (a service cannot be faster than nothing; it was measured lower by chance). With one floor run
 * the range is that run's value alone: only a figure at or under it is marked, so one run marks
 * less, never more.
 *
 * The resolution. The floor's range at a percentile (highest − lowest over its runs at that rate)
 * is how much that percentile moves on this machine from one run to the next with no service time
 * at all: two services' figures closer than that may differ by the machine's mood alone. It needs
 * two floor runs. Pure.
 */
import { median } from 'simple-statistics';
import type { RunRecord } from '../results/document.js';
import { isFloorRun } from '../results/floor-runs.js';
import { RUN_METRICS } from './metrics.js';

/** The latency metrics the floor is shown and judged at. */
export const FLOOR_PERCENTILES = ['p50', 'p99', 'p999'] as const;
export type FloorPercentile = (typeof FLOOR_PERCENTILES)[number];

/** The floor's values at one percentile over its runs. */
export interface FloorSpread {
  readonly lowUs: number;
  readonly highUs: number;
  readonly runs: number;
}

/**
 * The floor's runs beside `service` at `rateIndex` of `scenario` (every floor run of the point
 * when `service` is undefined).
 * @param runs any runs (only the floor's are taken)
 */
export function floorRunsBeside(runs: readonly RunRecord[], scenario: string, rateIndex: number, service: string | undefined): RunRecord[] {
  return runs.filter((run) => isFloorRun(run) && run.scenario === scenario && run.rateIndex === rateIndex && (service === undefined || (run.beside ?? []).includes(service)));
}

/** The spread of `values` (µs); undefined when there is none. */
export function floorSpread(values: readonly number[]): FloorSpread | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  return { lowUs: Math.min(...finite), highUs: Math.max(...finite), runs: finite.length };
}

/** The floor's spread at a latency metric over `floorRuns` (callers choose which runs count). */
export function spreadOf(floorRuns: readonly RunRecord[], metric: string): FloorSpread | undefined {
  const read = RUN_METRICS[metric]?.read;
  if (read === undefined) return undefined;
  return floorSpread(floorRuns.flatMap((run) => {
    const value = read(run);
    return value === undefined ? [] : [value];
  }));
}

/** Whether a service's figure (µs) is at the platform floor (the module comment's rule). */
export function isAtFloor(valueUs: number, spread: FloorSpread): boolean {
  return valueUs <= spread.highUs;
}

/** "180 µs – 2.10 ms over 3 runs", "210 µs (1 run)", or "54 µs in each of 2 runs". */
export function describeSpread(spread: FloorSpread, format: (us: number) => string): string {
  if (spread.runs === 1) return `${format(spread.highUs)} (1 run)`;
  if (format(spread.lowUs) === format(spread.highUs)) return `${format(spread.highUs)} in each of ${spread.runs} runs`;
  return `${format(spread.lowUs)} – ${format(spread.highUs)} over ${spread.runs} runs`;
}

/** The smallest difference the machine shows at one percentile: the floor's run-to-run range there. */
export interface Resolution {
  readonly metric: FloorPercentile;
  /** highest − lowest of the floor's runs at this percentile, in µs. */
  readonly rangeUs: number;
  readonly spread: FloorSpread;
}

/**
 * The machine's resolution at each of p50, p99 and p99.9, from the floor's runs at one rate.
 * @returns undefined with fewer than two floor runs (one run has no run-to-run spread)
 */
export function floorResolution(floorRuns: readonly RunRecord[]): Resolution[] | undefined {
  const resolutions = FLOOR_PERCENTILES.flatMap((metric): Resolution[] => {
    const spread = spreadOf(floorRuns, metric);
    return spread === undefined || spread.runs < 2 ? [] : [{ metric, rangeUs: spread.highUs - spread.lowUs, spread }];
  });
  return resolutions.length === 0 ? undefined : resolutions;
}

/** The floor's runs at one rate of one scenario point: one table row, one line in a chart. */
export interface FloorGroup {
  readonly scenario: string;
  readonly rateIndex: number;
  /** The offered rate (req/s), the same for every run of the group. */
  readonly offeredRps: number;
  /** Every service the group's runs stood beside, in first-seen order. */
  readonly beside: readonly string[];
  /** Whether the point is a capacity fraction (each service its own rate, so the floor one per service). */
  readonly isFraction: boolean;
  readonly runs: readonly RunRecord[];
}

/** The floor's runs grouped by scenario, rate index and offered rate, in rate-index then rate order (first-seen scenarios). */
export function groupFloorRuns(runs: readonly RunRecord[]): FloorGroup[] {
  const groups = new Map<string, { scenario: string; rateIndex: number; offeredRps: number; beside: string[]; isFraction: boolean; runs: RunRecord[] }>();
  for (const run of runs) {
    if (!isFloorRun(run)) continue;
    const offeredRps = run.load.offeredRps ?? 0;
    const key = `${run.scenario}\u0000${run.rateIndex}\u0000${Math.round(offeredRps)}`;
    const group = groups.get(key) ?? { scenario: run.scenario, rateIndex: run.rateIndex, offeredRps, beside: [], isFraction: run.capacityFraction !== undefined, runs: [] };
    group.runs.push(run);
    for (const service of run.beside ?? []) if (!group.beside.includes(service)) group.beside.push(service);
    groups.set(key, group);
  }
  const scenarios = [...new Set([...groups.values()].map((group) => group.scenario))];
  return [...groups.values()].sort((a, b) => scenarios.indexOf(a.scenario) - scenarios.indexOf(b.scenario) || a.rateIndex - b.rateIndex || a.offeredRps - b.offeredRps);
}

/** "floor", or "floor (beside rust)" where each service had its own rate. */
export function floorLabel(group: Pick<FloorGroup, 'beside' | 'isFraction'>): string {
  return group.isFraction && group.beside.length > 0 ? `floor (beside ${group.beside.join(', ')})` : 'floor';
}

/** A service's figure beside the floor: its median over its valid runs and the floor's spread beside it. */
export interface FloorJudgement {
  readonly valueUs: number;
  readonly spread: FloorSpread;
  readonly atFloor: boolean;
}

/**
 * Judges the median of `metric` over `valid` (one service's valid runs at one point) against the
 * valid floor runs beside it among `runs`.
 * @returns undefined when either side has no value (no floor ran beside it)
 */
export function judgeAgainstFloor(runs: readonly RunRecord[], valid: readonly RunRecord[], metric: FloorPercentile): FloorJudgement | undefined {
  const first = valid[0];
  const read = RUN_METRICS[metric]!.read;
  const values = valid.flatMap((run) => {
    const value = read(run);
    return value === undefined || !Number.isFinite(value) ? [] : [value];
  });
  if (first === undefined || values.length === 0) return undefined;
  const spread = spreadOf(floorRunsBeside(runs, first.scenario, first.rateIndex, first.service).filter((run) => run.validity.valid), metric);
  if (spread === undefined) return undefined;
  const valueUs = median(values);
  return { valueUs, spread, atFloor: isAtFloor(valueUs, spread) };
}
