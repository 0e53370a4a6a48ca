/**
 * One remote target driven from several load hosts started separately (`rewrite-bench run` on
 * each, by hand or by CI): when a merged report holds runs of the same scenario, service, target
 * URL and load point from different sources whose windows overlap, they are combined — throughput
 * summed over the overlap (each host's per-second counts inside it), latency histograms added
 * (over each host's whole window), the overlap stated. Unlike `load.workers` (one schedule split
 * exactly, one start instant), each host ran a whole schedule of its own at its own rate, so the
 * rates add up rather than split; each host is judged as a worker is (load/workers/validity.ts):
 * its own run valid, its send lag and connection waits within the limits, its planned sends its
 * own rate × window, and the hosts' windows starting within the same skew (10 ms, by the hosts'
 * own clocks). Runs of one source are never combined (they ran one after another). Pure.
 */
import { mergeEncoded, type LatencySummary } from '../load/recorder.js';
import { WORKER_RULES } from '../load/workers/validity.js';
import type { RunRecord } from '../results/document.js';
import type { Finding } from '../results/validity.js';

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
  /** Latest minus earliest window start, ms (by each host's clock). */
  readonly startSpreadMs: number;
  /** Why the combination is not one measurement: a host's run invalid or off its schedule, or the hosts not started together. */
  readonly reasons: readonly Finding[];
  /** Every host kept its schedule and the hosts started together. */
  readonly valid: boolean;
}

const LOAD = ['p50', 'p90', 'p99', 'p999', 'max', 'rps'] as const;

/** The per-host checks of a worker, for a host that ran its own whole schedule. */
function judgeHost(host: HostRun): Finding[] {
  const { run, source } = host;
  const load = run.load;
  const reasons: Finding[] = [];
  if (!run.validity.valid) {
    reasons.push({ code: 'worker-failed', text: `${source}'s own run is invalid (${run.validity.reasons.map((reason) => reason.code).join(', ')})`, next: 'see that run\'s reasons; a combination is valid only when every host\'s run is', concerns: [...LOAD] });
  }
  if (load.sendLagP90Us !== undefined && load.sendLagP90Us > WORKER_RULES.maxSendLagP90Us) {
    reasons.push({ code: 'worker-behind', text: `${source} sent ${load.sendLagP90Us.toLocaleString('en-US')} µs late at p90 (limit ${WORKER_RULES.maxSendLagP90Us.toLocaleString('en-US')} µs): it did not keep its own schedule`, next: 'give that host\'s engine CPUs of its own', concerns: [...LOAD] });
  }
  const planned = load.plannedInWindow ?? 0;
  const waits = load.connectionWaits ?? 0;
  if (planned > 0 && waits > WORKER_RULES.maxConnectionWaitShare * planned) {
    reasons.push({ code: 'worker-connections', text: `${source}: ${waits} of its ${planned} sends waited for a free connection`, next: 'raise `load.connections` on that host', concerns: [...LOAD] });
  }
  if (load.model === 'open' && load.offeredRps !== undefined && load.plannedInWindow !== undefined) {
    // Its own whole schedule: rate × window sends, up to the window's edges (constant) or 4.5 σ (Poisson).
    const expected = load.offeredRps * load.windowSeconds;
    if (Math.abs(load.plannedInWindow - expected) > 4.5 * Math.sqrt(expected) + 2) {
      reasons.push({ code: 'worker-share', text: `${source} planned ${load.plannedInWindow} sends in its window, its own schedule has about ${Math.round(expected)}`, next: 'check that host\'s engine and scenario', concerns: [...LOAD] });
    }
  }
  return reasons;
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
  const startSpreadMs = Math.max(...windows.map((window) => window.start)) - Math.min(...windows.map((window) => window.start));
  const reasons = hosts.flatMap(judgeHost);
  if (startSpreadMs > WORKER_RULES.maxStartSkewMs) {
    reasons.push({
      code: 'worker-skew',
      text: `the hosts' windows started ${(startSpreadMs / 1000).toFixed(3)} s apart by their own clocks (limit ${WORKER_RULES.maxStartSkewMs} ms): each host's latency covers its whole window, not only the time all hosts loaded the target together`,
      next: 'use `load.workers` (one schedule split across workers, started at one instant), or start the hosts together',
      concerns: [...LOAD],
    });
  }
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
    startSpreadMs,
    reasons,
    valid: reasons.length === 0,
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
