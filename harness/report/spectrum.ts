/**
 * Latency percentile spectra (HdrHistogram style) of runs: the percentiles to read, evenly spaced
 * on a log scale of 1 / (1 − p), and their values from the run's recorded histogram. Pure
 * (decoding is computation; no I/O).
 */
import { decodeSpectrum } from '../load/recorder.js';
import type { RunRecord } from '../results/document.js';

/** One point of a spectrum: `inverseTail` = 1 / (1 − percentile / 100), the chart's x. */
export interface SpectrumPoint {
  readonly percentile: number;
  readonly inverseTail: number;
  readonly latencyUs: number;
}

/** Steps per decade of 1 / (1 − p). */
const STEPS_PER_DECADE = 10;

/**
 * The percentiles worth reading from a histogram of `count` values: 1 / (1 − p) from 1 (p = 0) in
 * tenth-decade steps up to `count` (beyond it every percentile is the maximum), then that last one.
 * @returns [] for count < 1.
 */
export function spectrumPercentiles(count: number): number[] {
  if (!(count >= 1)) return [];
  const percentiles: number[] = [];
  const steps = Math.floor(STEPS_PER_DECADE * Math.log10(count));
  for (let step = 0; step <= steps; step += 1) percentiles.push(100 * (1 - 10 ** (-step / STEPS_PER_DECADE)));
  const last = 100 * (1 - 1 / count);
  if (count > 1 && last - percentiles.at(-1)! > 1e-9) percentiles.push(last);
  return percentiles;
}

/** The spectrum of a run's latency histogram; [] when the run recorded no latency. */
export function runSpectrum(run: RunRecord): SpectrumPoint[] {
  const encoded = run.load.latencyHistogram;
  const count = run.load.latencyUs?.count ?? 0;
  if (encoded === undefined || encoded === '' || count < 1) return [];
  return decodeSpectrum(encoded, spectrumPercentiles(count)).map(({ percentile, latencyUs }) => ({
    percentile,
    inverseTail: 1 / (1 - percentile / 100),
    latencyUs,
  }));
}
