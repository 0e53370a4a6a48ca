/**
 * Records each response's latency in microseconds into an HDR histogram (1 µs – 60 s, 3
 * significant digits), plus one histogram per second of the measured window for spikes. This is
 * the per-response hot path: two recordValue calls, no allocation.
 * Why our own histogram: autocannon's rounds to whole milliseconds (docs/measurement.md §1).
 */
import hdr from 'hdr-histogram-js';

const HIGHEST_US = 60_000_000;
const build = (): hdr.Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false, bitBucketSize: 32 });

/** Percentiles of a latency distribution, in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly minUs: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

/** One second of the measured window. */
export interface SecondSummary {
  /** Seconds since the window start. */
  readonly second: number;
  readonly count: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

function summarize(histogram: hdr.Histogram): LatencySummary | undefined {
  if (histogram.totalCount === 0) return undefined;
  return {
    count: histogram.totalCount,
    minUs: histogram.minNonZeroValue,
    meanUs: Math.round(histogram.mean),
    p50Us: histogram.getValueAtPercentile(50),
    p90Us: histogram.getValueAtPercentile(90),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
  };
}

/** A latency histogram for one run, with per-second histograms of the window. */
export class LatencyRecorder {
  readonly #total = build();
  readonly #seconds: hdr.Histogram[] = [];
  readonly #windowStartMs: number;

  /** @param windowStartMs performance.now() at the start of the measured window */
  constructor(windowStartMs: number) {
    this.#windowStartMs = windowStartMs;
  }

  /**
   * Records one latency.
   * @param latencyUs microseconds (rounded; clamped to 1 µs – 60 s)
   * @param atMs performance.now() that decides the per-second bucket
   */
  record(latencyUs: number, atMs: number): void {
    const value = Math.min(HIGHEST_US, Math.max(1, Math.round(latencyUs)));
    this.#total.recordValue(value);
    const second = Math.max(0, Math.floor((atMs - this.#windowStartMs) / 1000));
    let histogram = this.#seconds[second];
    if (histogram === undefined) {
      histogram = build();
      this.#seconds[second] = histogram;
    }
    histogram.recordValue(value);
  }

  get count(): number {
    return this.#total.totalCount;
  }

  /** Percentiles over the whole window, or undefined when nothing was recorded. */
  summary(): LatencySummary | undefined {
    return summarize(this.#total);
  }

  /** Per-second p50/p99/max; seconds without a response are left out. */
  perSecond(): SecondSummary[] {
    const result: SecondSummary[] = [];
    this.#seconds.forEach((histogram, second) => {
      const summary = summarize(histogram);
      if (summary !== undefined) result.push({ second, count: summary.count, p50Us: summary.p50Us, p99Us: summary.p99Us, maxUs: summary.maxUs });
    });
    return result;
  }

  /** The whole histogram, HdrHistogram's compressed base64 encoding (decodable by any HdrHistogram). */
  encoded(): string {
    return hdr.encodeIntoCompressedBase64(this.#total);
  }
}

/** Decodes a histogram encoded by LatencyRecorder.encoded() and returns its percentile spectrum. */
export function decodeSpectrum(encoded: string, percentiles: readonly number[]): Array<{ percentile: number; latencyUs: number }> {
  const histogram = hdr.decodeFromCompressedBase64(encoded, 32, false);
  return percentiles.map((percentile) => ({ percentile, latencyUs: histogram.getValueAtPercentile(percentile) }));
}

/**
 * Adds histograms encoded by LatencyRecorder.encoded() (or the native engine, same encoding) and
 * summarises the sum: the latency of several load hosts' runs taken as one distribution.
 * @returns undefined when none holds a value
 */
export function mergeEncoded(encoded: readonly string[]): LatencySummary | undefined {
  return summarize(addEncoded(encoded));
}

function addEncoded(encoded: readonly string[]): hdr.Histogram {
  const total = build();
  for (const one of encoded) total.add(hdr.decodeFromCompressedBase64(one, 32, false));
  return total;
}

/**
 * Adds encoded histograms (HdrHistogram's exact add: every count kept in its bucket) and returns
 * the sum encoded the same way, with its summary: several load workers' latency as one run's.
 * @returns undefined for both when none holds a value
 */
export function addEncodedHistograms(encoded: readonly string[]): { encoded: string | undefined; summary: LatencySummary | undefined } {
  const total = addEncoded(encoded);
  return total.totalCount === 0 ? { encoded: undefined, summary: undefined } : { encoded: hdr.encodeIntoCompressedBase64(total), summary: summarize(total) };
}
