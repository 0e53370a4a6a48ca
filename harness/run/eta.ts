/**
 * The progress bar's time left: from the time per completed step so far, as "45s", "2m05s" or
 * "1h02m". Pure. Never NaN or Infinity: before the first step completes there is no estimate.
 */

/**
 * Seconds left, extrapolating the mean time of the completed steps to the remaining ones.
 * @param elapsedMs time since the first step began
 * @param completed steps finished so far
 * @param total all steps
 * @returns undefined when nothing is completed yet or the inputs are not finite
 */
export function estimateRemainingSeconds(elapsedMs: number, completed: number, total: number): number | undefined {
  if (!Number.isFinite(elapsedMs) || !Number.isFinite(completed) || !Number.isFinite(total) || completed <= 0 || elapsedMs < 0) return undefined;
  const remaining = Math.max(0, total - completed);
  return (elapsedMs / 1000 / completed) * remaining;
}

/**
 * "45s", "2m05s", "1h02m"; "–" when unknown. Rounded to whole seconds (whole minutes from an
 * hour) before splitting, so 119.6 s is "2m00s", never "1m60s".
 */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** The ETA text of the bar: "estimating" until a step has completed. */
export function etaText(elapsedMs: number, completed: number, total: number): string {
  if (completed >= total && total > 0) return '0s';
  const seconds = estimateRemainingSeconds(elapsedMs, completed, total);
  return seconds === undefined ? 'estimating' : formatEta(seconds);
}
