/**
 * The workers' outcomes as one run's, once each was judged (load/workers/validity.ts):
 * histograms added (HdrHistogram's exact add, never averaged percentiles), counts summed, the
 * achieved rate over the window all workers shared. Figures no sum can give are bounds, said so:
 * the send lag and connection-wait percentiles are the worst worker's, and so are the per-second
 * p50/p99 (their counts are summed). The latency from the actual send (uncorrected) is left out:
 * only its summary travels, and percentiles cannot be added. Pure.
 */
import { addEncodedHistograms, type SecondSummary } from '../recorder.js';
import type { LoadCounts, LoadOutcome } from '../outcome.js';

/** One worker's outcome placed on the harness's clock. */
export interface PlacedOutcome {
  readonly outcome: LoadOutcome;
  /** Its measured window on the harness's clock (epoch ms). */
  readonly windowEpochMs: { readonly start: number; readonly end: number };
}

/** The merged outcome and the window it shares. */
export interface MergedOutcome {
  readonly outcome: LoadOutcome;
  /** The window every worker measured at once (epoch ms, harness clock). */
  readonly commonWindowEpochMs: { readonly start: number; readonly end: number };
}

function addCounts(all: readonly LoadCounts[]): LoadCounts {
  const statusCounts: Record<string, number> = {};
  for (const counts of all) for (const [status, count] of Object.entries(counts.statusCounts)) statusCounts[status] = (statusCounts[status] ?? 0) + count;
  const sum = (pick: (counts: LoadCounts) => number): number => all.reduce((total, counts) => total + pick(counts), 0);
  return {
    responses: sum((c) => c.responses),
    expectedStatus: sum((c) => c.expectedStatus),
    non2xx: sum((c) => c.non2xx),
    unexpectedStatus: sum((c) => c.unexpectedStatus),
    errors: sum((c) => c.errors),
    timeouts: sum((c) => c.timeouts),
    mismatches: sum((c) => c.mismatches),
    verified: sum((c) => c.verified),
    dropped: sum((c) => c.dropped),
    statusCounts,
  };
}

const maxOf = (values: ReadonlyArray<number | undefined>): number | undefined => (values.every((value) => value === undefined) ? undefined : Math.max(...values.filter((value): value is number => value !== undefined)));
const sumOf = (values: ReadonlyArray<number | undefined>): number | undefined => (values.every((value) => value === undefined) ? undefined : values.reduce<number>((total, value) => total + (value ?? 0), 0));

/** Per second of the window: counts summed; p50, p99 and max the worst worker's (upper bounds). */
function addSeconds(all: ReadonlyArray<readonly SecondSummary[]>): SecondSummary[] {
  const bySecond = new Map<number, SecondSummary>();
  for (const seconds of all) {
    for (const second of seconds) {
      const seen = bySecond.get(second.second);
      bySecond.set(
        second.second,
        seen === undefined ? second : { second: second.second, count: seen.count + second.count, p50Us: Math.max(seen.p50Us, second.p50Us), p99Us: Math.max(seen.p99Us, second.p99Us), maxUs: Math.max(seen.maxUs, second.maxUs) },
      );
    }
  }
  return [...bySecond.values()].sort((a, b) => a.second - b.second);
}

/**
 * Expected-status answers per second over the common window: per worker, its whole seconds that
 * lie inside it (its per-second counts), summed over the workers; a worker with no whole second
 * inside counts at its own window's rate.
 */
function commonRate(placed: readonly PlacedOutcome[], fromMs: number, toMs: number): number {
  return placed.reduce((total, { outcome, windowEpochMs }) => {
    const inside = outcome.perSecond.filter((second) => windowEpochMs.start + second.second * 1000 >= fromMs - 1 && windowEpochMs.start + (second.second + 1) * 1000 <= toMs + 1);
    // perSecond counts every response timed in that second; achievedRps counts expected statuses: scale by that share.
    const share = outcome.counts.responses > 0 ? outcome.counts.expectedStatus / outcome.counts.responses : 0;
    return total + (inside.length > 0 ? (inside.reduce((sum, second) => sum + second.count, 0) * share) / inside.length : outcome.achievedRps);
  }, 0);
}

/**
 * Merges the outcomes of workers that ran one job's slices.
 * @param offeredRps the job's whole rate (undefined for a closed loop)
 * @throws Error without outcomes (a caller's bug: a run with no worker done is an infrastructure failure)
 */
export function mergeWorkerOutcomes(placed: readonly PlacedOutcome[], offeredRps: number | undefined, description: string): MergedOutcome {
  if (placed.length === 0) throw new Error('mergeWorkerOutcomes: no worker outcome to merge.');
  const outcomes = placed.map((entry) => entry.outcome);
  const first = outcomes[0]!;
  const start = Math.max(...placed.map((entry) => entry.windowEpochMs.start));
  const end = Math.max(start, Math.min(...placed.map((entry) => entry.windowEpochMs.end)));
  const histograms = outcomes.map((outcome) => outcome.latencyHistogram).filter((encoded): encoded is string => encoded !== undefined && encoded !== '');
  const latency = addEncodedHistograms(histograms);
  const windowSeconds = (end - start) / 1000;
  const connections = outcomes.reduce((total, outcome) => total + outcome.connections, 0);
  // The engine describes its own share ("…, worker 1 of 2 splitting one schedule of …"): the merged run describes the whole.
  const each = first.method.replace(/, worker \d+ of \d+ splitting .*$/, '');
  const whole = `${offeredRps === undefined ? '' : ` of ${offeredRps.toLocaleString('en-US')} req/s and`} ${connections} connections`;
  return {
    commonWindowEpochMs: { start, end },
    outcome: {
      method: `${description}: one schedule${whole} split exactly, histograms added; each worker: ${each}`,
      engine: first.engine,
      threads: outcomes.reduce((total, outcome) => total + outcome.threads, 0),
      model: first.model,
      connections,
      offeredRps,
      plannedInWindow: sumOf(outcomes.map((outcome) => outcome.plannedInWindow)),
      windowSeconds: windowSeconds > 0 ? windowSeconds : first.windowSeconds,
      counts: addCounts(outcomes.map((outcome) => outcome.counts)),
      achievedRps: windowSeconds > 0 ? commonRate(placed, start, end) : outcomes.reduce((total, outcome) => total + outcome.achievedRps, 0),
      latencyUs: latency.summary,
      latencyHistogram: latency.encoded,
      uncorrectedLatencyUs: undefined,
      perSecond: addSeconds(outcomes.map((outcome) => outcome.perSecond)),
      sendLagP90Us: maxOf(outcomes.map((outcome) => outcome.sendLagP90Us)),
      sendLagP99Us: maxOf(outcomes.map((outcome) => outcome.sendLagP99Us)),
      connectionWaits: sumOf(outcomes.map((outcome) => outcome.connectionWaits)),
      connectionWaitP99Us: maxOf(outcomes.map((outcome) => outcome.connectionWaitP99Us)),
      eventLoopDelayP99Us: undefined,
      firstError: outcomes.find((outcome) => outcome.firstError !== undefined)?.firstError,
      ...(outcomes.some((outcome) => outcome.addresses !== undefined) ? { addresses: [...new Set(outcomes.flatMap((outcome) => outcome.addresses ?? []))].sort() } : {}),
    },
  };
}

/**
 * A worker's measured window on the harness's clock: its schedule started at the agreed instant
 * plus its lateness by its own clock, less its clock's offset; the window follows the warm-up.
 */
export function placeWorkerWindow(options: { startAtEpochMs: number; startLatenessMs: number | undefined; clockOffsetMs: number | undefined; warmupSeconds: number; windowSeconds: number }): { start: number; end: number } {
  const start = options.startAtEpochMs + (options.startLatenessMs ?? 0) - (options.clockOffsetMs ?? 0) + options.warmupSeconds * 1000;
  return { start, end: start + options.windowSeconds * 1000 };
}
