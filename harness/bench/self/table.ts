/**
 * The self-benchmark's result rows and their Markdown table: repeated measurements are shown as
 * median [min–max] (n), never averaged percentiles. Pure.
 */

/** How a measured figure compares with its target. */
export type Verdict = 'pass' | 'fail' | 'info' | 'skipped';

/** One line of the table. */
export interface Row {
  /** Section number and what was measured, e.g. "1 · pacer (open loop), max sustained rate". */
  readonly target: string;
  /** The truth (by construction), or the reference it is compared with. */
  readonly truth: string;
  /** The harness's figure, usually median [min–max] (n). */
  readonly measured: string;
  /** The target, e.g. "≥ 0.8 × wrk"; empty when informational. */
  readonly goal: string;
  readonly verdict: Verdict;
  /** Why, when the verdict needs one (a target not met on this machine, a skipped section). */
  readonly note?: string;
}

/** A section header row: its name and the 1-minute load average when it started. */
export interface SectionHeader {
  readonly title: string;
  readonly loadAverage1m: number;
}

/** Median of a non-empty list (the mean of the middle two when even). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('Expected at least one value for a median, got none.');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The q-quantile (0–1) of a sorted list, by the nearest-rank method (as HdrHistogram reports). */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('Expected a non-empty sorted list for a quantile, got none.');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** "median [min–max] (n)" with `format` applied to each figure; just the figure when n = 1. */
export function spread(values: readonly number[], format: (value: number) => string): string {
  if (values.length === 0) return 'no data';
  if (values.length === 1) return `${format(values[0]!)} (n=1)`;
  return `${format(median(values))} [${format(Math.min(...values))}–${format(Math.max(...values))}] (n=${values.length})`;
}

/** Formats a duration given in µs with a unit that keeps 3 significant figures. */
export function formatUs(valueUs: number): string {
  if (Math.abs(valueUs) >= 1_000_000) return `${(valueUs / 1_000_000).toFixed(2)} s`;
  if (Math.abs(valueUs) >= 1000) return `${(valueUs / 1000).toFixed(Math.abs(valueUs) >= 100_000 ? 1 : 2)} ms`;
  if (Math.abs(valueUs) >= 10) return `${valueUs.toFixed(0)} µs`;
  return `${valueUs.toFixed(2)} µs`;
}

/** Formats a duration given in ns (micro-benchmarks). */
export function formatNs(valueNs: number): string {
  return valueNs >= 1000 ? formatUs(valueNs / 1000) : `${valueNs.toFixed(0)} ns`;
}

/** Requests per second in thousands, e.g. 61.2k. */
export function formatRps(requestsPerSec: number): string {
  return requestsPerSec >= 1000 ? `${(requestsPerSec / 1000).toFixed(1)}k rps` : `${requestsPerSec.toFixed(0)} rps`;
}

export const formatMiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}×`;
export const formatPercent = (share: number): string => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %`;
export const formatSignedPercent = (share: number): string => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)} %`;

const VERDICT_TEXT: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ fail', info: 'ℹ️ info', skipped: '⏭ skipped' };

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Renders sections and their rows as one Markdown table. */
export function renderTable(sections: ReadonlyArray<{ header: SectionHeader; rows: readonly Row[] }>): string {
  const lines = ['| Measurement | Truth / reference | Measured: median [min–max] (n) | Target | Verdict |', '|---|---|---|---|---|'];
  for (const { header, rows } of sections) {
    lines.push(`| **${cell(header.title)}** (load avg ${header.loadAverage1m.toFixed(2)} at start) | | | | |`);
    for (const row of rows) {
      const verdict = row.note === undefined ? VERDICT_TEXT[row.verdict] : `${VERDICT_TEXT[row.verdict]}: ${row.note}`;
      lines.push(`| ${cell(row.target)} | ${cell(row.truth)} | ${cell(row.measured)} | ${cell(row.goal)} | ${cell(verdict)} |`);
    }
  }
  return lines.join('\n');
}
