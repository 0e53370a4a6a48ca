/**
 * Percentile bootstrap confidence intervals (Efron & Tibshirani, "An Introduction to the
 * Bootstrap", 1993, ch. 13): resample the per-run values with replacement, recompute the
 * statistic, take the 2.5th and 97.5th percentiles of the resampled statistics. The unit is one
 * run (noise on these machines is between runs, ../shared/notes/measurement.md §5); percentiles
 * are never averaged across runs — medians of per-run values are. Pure: the RNG is injected.
 */
import { median, quantileSorted } from 'simple-statistics';
import { mulberry32 } from '../random.js';

/** A uniform [0, 1) source; seeded in practice so reports are reproducible. */
export type Random = () => number;

/** A seeded uniform source (mulberry32): bootstrap intervals are reproducible for a seed. */
export const seededRandom: (seed: number) => Random = mulberry32;

/** A point estimate with its confidence interval. */
export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  /** Runs behind the estimate (the smallest group for a ratio). */
  readonly n: number;
}

export const DEFAULT_RESAMPLES = 2000;
export const CONFIDENCE = 0.95;

function resample<T>(values: readonly T[], random: Random): T[] {
  const out = new Array<T>(values.length);
  for (let index = 0; index < values.length; index += 1) out[index] = values[Math.floor(random() * values.length)]!;
  return out;
}

/** The percentile interval of bootstrap statistics; undefined if any is not finite. */
function interval(statistics: number[]): [number, number] | undefined {
  if (statistics.some((value) => !Number.isFinite(value))) return undefined;
  statistics.sort((a, b) => a - b);
  const alpha = (1 - CONFIDENCE) / 2;
  return [quantileSorted(statistics, alpha), quantileSorted(statistics, 1 - alpha)];
}

/**
 * Median of per-run values with a 95 % bootstrap CI.
 * @returns undefined for no values. With one value the interval is that value (n = 1 says so).
 */
export function medianEstimate(values: readonly number[], random: Random, resamples = DEFAULT_RESAMPLES): Estimate | undefined {
  if (values.length === 0) return undefined;
  const value = median([...values]);
  const statistics = Array.from({ length: resamples }, () => median(resample(values, random)));
  const [low, high] = interval(statistics) ?? [value, value];
  return { value, low, high, n: values.length };
}

/**
 * A statistic of several independent groups (e.g. median(a) / median(b)), with a 95 % bootstrap
 * CI resampling each group independently. Groups are per-run records, so metrics of one service
 * stay paired within a run (rust.p99 / rust.p50 resamples rust's runs once).
 * @returns undefined when a group is empty or the statistic is not finite.
 */
export function groupsEstimate<T>(
  groups: ReadonlyArray<readonly T[]>,
  statistic: (groups: ReadonlyArray<readonly T[]>) => number,
  random: Random,
  resamples = DEFAULT_RESAMPLES,
): Estimate | undefined {
  if (groups.length === 0 || groups.some((group) => group.length === 0)) return undefined;
  const value = statistic(groups);
  if (!Number.isFinite(value)) return undefined;
  const statistics = Array.from({ length: resamples }, () => statistic(groups.map((group) => resample(group, random))));
  const bounds = interval(statistics);
  if (bounds === undefined) return undefined;
  return { value, low: bounds[0], high: bounds[1], n: Math.min(...groups.map((group) => group.length)) };
}

/** Ratio of medians a / b with a 95 % bootstrap CI. */
export function ratioOfMedians(a: readonly number[], b: readonly number[], random: Random, resamples = DEFAULT_RESAMPLES): Estimate | undefined {
  return groupsEstimate([a, b], ([x, y]) => median([...x!]) / median([...y!]), random, resamples);
}
