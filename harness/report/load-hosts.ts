/**
 * One remote target driven from several load hosts at once: when a merged report holds runs of
 * the same scenario, service, target URL and load point from different sources whose windows
 * overlap, they are combined — throughput summed over the overlap (each host's per-second counts
 * inside it), latency histograms added (over each host's whole window), the overlap stated.
 * Runs of one source are never combined (they ran one after another). Pure.
 */
import { mergeEncoded, type LatencySummary } from '../load/recorder.js';
import type { RunRecord } from '../results/document.js';

/** One host's run in a combination. */
export interface HostRun {
  /** The source's label (`hostname (run folder)`). */
  readonly source: string;
  readonly run: RunRecord;
}

/** Runs of several load hosts against one target over overlapping windows. */
export interface CombinedRun {
  readonly scenario: string;
  readonly service: string;
  readonly targetUrl: string;
  readonly rateIndex: number;
  readonly hosts: readonly HostRun[];
  /** Seconds all the hosts' windows shared, and that share of their union. */
  readonly overlapSeconds: number;
  readonly overlapShare: number;
  /** Responses with the expected status per second inside the overlap, summed over the hosts (whole seconds of each host's window). */
  readonly combinedRps: number;
  /** The hosts' histograms added (undefined when one has none). */
  readonly latencyUs: LatencySummary | undefined;
  /** Every host's run valid. */
  readonly valid: boolean;
}

/** Runs with a window, by the key they are combined on. */
function keyOf(run: RunRecord): string | undefined {
  if (run.measured.targetUrl === undefined || run.windowEpochMs === undefined) return undefined;
  return JSON.stringify([run.scenario, run.service, run.measured.targetUrl, run.rateIndex]);
}

/** Expected-status responses of a run counted in its window seconds that lie inside [fromMs, toMs]. */
function countInside(run: RunRecord, fromMs: number, toMs: number): { count: number; seconds: number } {
  const start = run.windowEpochMs!.start;
  const inside = run.load.perSecond.filter((second) => start + second.second * 1000 >= fromMs - 1 && start + (second.second + 1) * 1000 <= toMs + 1);
  return { count: inside.reduce((sum, second) => sum + second.count, 0), seconds: inside.length };
}

function combine(hosts: readonly HostRun[]): CombinedRun {
  const windows = hosts.map(({ run }) => run.windowEpochMs!);
  const fromMs = Math.max(...windows.map((window) => window.start));
  const toMs = Math.min(...windows.map((window) => window.end));
  const unionMs = Math.max(...windows.map((window) => window.end)) - Math.min(...windows.map((window) => window.start));
  const inside = hosts.map(({ run }) => countInside(run, fromMs, toMs));
  // Each host's rate over the whole seconds of the overlap (its per-second counts), summed.
  const combinedRps = inside.reduce((sum, host, index) => sum + (host.seconds > 0 ? host.count / host.seconds : hosts[index]!.run.load.achievedRps), 0);
  const histograms = hosts.map(({ run }) => run.load.latencyHistogram);
  const first = hosts[0]!.run;
  return {
    scenario: first.scenario,
    service: first.service,
    targetUrl: first.measured.targetUrl!,
    rateIndex: first.rateIndex,
    hosts,
    overlapSeconds: Math.max(0, toMs - fromMs) / 1000,
    overlapShare: unionMs > 0 ? Math.max(0, toMs - fromMs) / unionMs : 1,
    combinedRps,
    latencyUs: histograms.every((encoded) => encoded !== undefined && encoded !== '') ? mergeEncoded(histograms as string[]) : undefined,
    valid: hosts.every(({ run }) => run.validity.valid),
  };
}

/**
 * The combinations in a merged report's sources: per key, runs sorted by window start, grouped
 * while every window of the group still overlaps (one run per source).
 */
export function combineLoadHosts(sources: ReadonlyArray<{ readonly label: string; readonly runs: readonly RunRecord[] }>): CombinedRun[] {
  if (sources.length < 2) return [];
  const byKey = new Map<string, HostRun[]>();
  for (const source of sources) {
    for (const run of source.runs) {
      const key = keyOf(run);
      if (key === undefined) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), { source: source.label, run }]);
    }
  }
  const combined: CombinedRun[] = [];
  for (const runs of byKey.values()) {
    const sorted = [...runs].sort((a, b) => a.run.windowEpochMs!.start - b.run.windowEpochMs!.start);
    let group: HostRun[] = [];
    let groupEnd = Number.POSITIVE_INFINITY;
    const flush = (): void => {
      if (group.length > 1) combined.push(combine(group));
    };
    for (const host of sorted) {
      const window = host.run.windowEpochMs!;
      const joins = group.length > 0 && window.start < groupEnd && !group.some((member) => member.source === host.source);
      if (joins) {
        group.push(host);
        groupEnd = Math.min(groupEnd, window.end);
      } else {
        flush();
        group = [host];
        groupEnd = window.end;
      }
    }
    flush();
  }
  return combined.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.service.localeCompare(b.service) || a.rateIndex - b.rateIndex || a.hosts[0]!.run.windowEpochMs!.start - b.hosts[0]!.run.windowEpochMs!.start);
}
