/**
 * Reading Prometheus results: one series where one is expected, finite values, the scrape
 * interval from raw samples, warnings about series that do not cover the window. Pure.
 */
import { InfrastructureError } from '../errors.js';

/** One sample or point: Prometheus' [timestamp, "value"] pair, parsed. */
export interface Sample {
  readonly atEpochSeconds: number;
  /** May be NaN or ±Infinity as Prometheus sent it ("NaN", "+Inf"); expectFinite() rejects those. */
  readonly value: number;
}

/** A series of a matrix (range query, or an instant query of a range selector) or a vector (one sample). */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly Sample[];
}

/** What a query was for, to name it in messages. */
export interface QueryContext {
  /** `cpu`, `memory`, `rss`, `selector`. */
  readonly what: string;
  readonly query: string;
  readonly prometheusUrl: string;
  /** E.g. "between 2026-12-01T12:00:00.000Z and 2026-12-01T12:00:20.000Z" or "at …". */
  readonly when: string;
}

/** A warning whose text says what to do. */
export interface RemoteWarning {
  readonly kind: 'series-started-late' | 'series-ended-early' | 'missing-points' | 'clock-offset';
  readonly message: string;
}

/** `{namespace="shop", pod="api-1"}`, or `{}`. */
export function describeLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .filter(([name]) => name !== '__name__')
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ')}}`;
}

/** "between <ISO> and <ISO>". */
export function describeRange(startEpochSeconds: number, endEpochSeconds: number): string {
  return `between ${new Date(startEpochSeconds * 1000).toISOString()} and ${new Date(endEpochSeconds * 1000).toISOString()}`;
}

/**
 * The one series of a result. An empty result is an error, never a zero: the selector matched
 * nothing, or the target was not scraped.
 * @throws InfrastructureError for no series or more than one.
 */
export function expectOneSeries(result: readonly Series[], context: QueryContext): Series {
  if (result.length === 0 || result[0]!.samples.length === 0) {
    throw new InfrastructureError(
      `Prometheus at ${context.prometheusUrl} returned no data for the ${context.what} query \`${context.query}\` ${context.when}. Check that the selector matches the service's series (try the query in Prometheus' graph page) and that its target was up then (Prometheus' /targets page); a missing series is never read as zero.`,
    );
  }
  if (result.length > 1) {
    const shown = result.slice(0, 3).map((series) => describeLabels(series.labels)).join(', ');
    throw new InfrastructureError(
      `Prometheus at ${context.prometheusUrl} returned ${result.length} series for the ${context.what} query \`${context.query}\` ${context.when}, where one was expected (${shown}${result.length > 3 ? ', …' : ''}). Wrap the query in \`sum(…)\`, or narrow its selector with more labels.`,
    );
  }
  return result[0]!;
}

/**
 * The series' values, all finite.
 * @throws InfrastructureError naming the first NaN or infinite value.
 */
export function expectFinite(series: Series, context: QueryContext): number[] {
  return series.samples.map((sample) => {
    if (!Number.isFinite(sample.value)) {
      throw new InfrastructureError(
        `Prometheus at ${context.prometheusUrl} returned ${String(sample.value)} for the ${context.what} query \`${context.query}\` at ${new Date(sample.atEpochSeconds * 1000).toISOString()}. A division by zero or a missing operand in the query is the usual cause: check it in Prometheus' graph page.`,
      );
    }
    return sample.value;
  });
}

/** The middle value of a non-empty list (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The scrape interval, in s to the ms: the median gap between consecutive raw samples over every
 * series (robust to a missed scrape). Undefined when no series has two samples.
 */
export function medianScrapeIntervalSeconds(raw: readonly Series[]): number | undefined {
  const gaps: number[] = [];
  for (const series of raw) {
    for (let index = 1; index < series.samples.length; index += 1) gaps.push(series.samples[index]!.atEpochSeconds - series.samples[index - 1]!.atEpochSeconds);
  }
  const positive = gaps.filter((gap) => gap > 0);
  return positive.length === 0 ? undefined : Math.round(median(positive) * 1000) / 1000;
}

/**
 * Warnings about raw series that do not cover the window [start, end]: a series first sampled
 * later than one interval before the start (a new pod, or an exporter that had only just seen the
 * process: the rate's first delta is missing), or last sampled earlier than two intervals before
 * the end (the target went down, the container went away).
 */
export function coverageWarnings(raw: readonly Series[], startEpochSeconds: number, endEpochSeconds: number, scrapeIntervalSeconds: number): RemoteWarning[] {
  const warnings: RemoteWarning[] = [];
  const late = raw.filter((series) => series.samples.length > 0 && series.samples[0]!.atEpochSeconds > startEpochSeconds - scrapeIntervalSeconds);
  const early = raw.filter((series) => series.samples.length > 0 && series.samples.at(-1)!.atEpochSeconds < endEpochSeconds - 2 * scrapeIntervalSeconds);
  if (late.length > 0) {
    const first = late[0]!;
    warnings.push({
      kind: 'series-started-late',
      message: `${late.length} of ${raw.length} series began ${(first.samples[0]!.atEpochSeconds - startEpochSeconds).toFixed(1)} s after the window's start (e.g. ${describeLabels(first.labels)}): their CPU before the first scrapes is not counted. Start the window at least ${4} scrape intervals after the service (and the exporter) started.`,
    });
  }
  if (early.length > 0) {
    const first = early[0]!;
    warnings.push({
      kind: 'series-ended-early',
      message: `${early.length} of ${raw.length} series stopped ${(endEpochSeconds - first.samples.at(-1)!.atEpochSeconds).toFixed(1)} s before the window's end (e.g. ${describeLabels(first.labels)}): a target down or a container gone. Check Prometheus' /targets page and the pods' restarts.`,
    });
  }
  return warnings;
}

/** The raw series with at least one sample inside [start, end] (others ended before the window). */
export function seriesInWindow(raw: readonly Series[], startEpochSeconds: number, endEpochSeconds: number): Series[] {
  return raw.filter((series) => series.samples.some((sample) => sample.atEpochSeconds >= startEpochSeconds && sample.atEpochSeconds <= endEpochSeconds));
}

/** A warning when a range query returned fewer than 80 % of its expected points. */
export function missingPointsWarning(what: string, got: number, expected: number): RemoteWarning | undefined {
  if (got >= 0.8 * expected) return undefined;
  return {
    kind: 'missing-points',
    message: `The ${what} query returned ${got} of ${expected} points over the window: scrapes were missed, so its peak may be too low. Check the target's health in Prometheus' /targets page.`,
  };
}

/** One point of the window, at a range query's step. */
export interface RemotePoint {
  readonly atEpochSeconds: number;
  /** Cores over the rate window ending here (4 scrape intervals); undefined when Prometheus had no value. */
  readonly cpuCores: number | undefined;
  readonly memoryBytes: number | undefined;
  /** Resident bytes beside PSS (process-exporter). */
  readonly rssBytes: number | undefined;
}

/** Joins range results on their timestamps (to the ms), in time order. */
export function joinPoints(cpu: Series, memory: Series, rss: Series | undefined): RemotePoint[] {
  const key = (atEpochSeconds: number): number => Math.round(atEpochSeconds * 1000);
  const byTime = new Map<number, { cpuCores?: number; memoryBytes?: number; rssBytes?: number }>();
  const add = (series: Series | undefined, field: 'cpuCores' | 'memoryBytes' | 'rssBytes'): void => {
    for (const sample of series?.samples ?? []) {
      const entry = byTime.get(key(sample.atEpochSeconds)) ?? {};
      entry[field] = sample.value;
      byTime.set(key(sample.atEpochSeconds), entry);
    }
  };
  add(cpu, 'cpuCores');
  add(memory, 'memoryBytes');
  add(rss, 'rssBytes');
  return [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ms, entry]) => ({ atEpochSeconds: ms / 1000, cpuCores: entry.cpuCores, memoryBytes: entry.memoryBytes, rssBytes: entry.rssBytes }));
}
