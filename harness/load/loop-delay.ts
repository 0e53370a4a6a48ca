/**
 * The load generator's event-loop delay: how late its loop runs, which lands in every latency it
 * times. perf_hooks' histogram records whole timer intervals, so the resolution is subtracted.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 5;

/** Starts measuring; call the returned function to stop and get the p99 delay in µs. */
export function watchLoopDelay(): () => number {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return () => {
    histogram.disable();
    return Math.max(0, Math.round(histogram.percentile(99) / 1000 - RESOLUTION_MS * 1000));
  };
}
