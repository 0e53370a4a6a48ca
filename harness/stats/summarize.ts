/**
 * Summaries across repetitions: for each scenario × service × load point and each run metric,
 * the median over valid runs with its order-statistic interval and the coverage that interval
 * has (interval.ts; 95 % once there are 6 valid runs); invalid runs are counted, never mixed in.
 * Deterministic: adding a group or a metric changes no other interval. Pure.
 */
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { medianInterval, type Estimate } from './interval.js';
import { RUN_METRICS } from './metrics.js';

/** One scenario × service × load point (the platform floor: × rate too). */
export interface PointSummary {
  /** The group's key (`groupKey` of its runs). */
  readonly key: string;
  readonly scenario: string;
  readonly service: string;
  /** `floor`: the platform floor's runs at one rate of the point (results/floor-runs.ts). */
  readonly role?: 'floor';
  /** The floor's: every service its runs stood beside. */
  readonly beside?: readonly string[];
  readonly rateIndex: number;
  /** e.g. "closed loop, 32 connections" or "open loop, 80 % of capacity (1,234 req/s)". */
  readonly load: string;
  readonly runs: number;
  readonly validRuns: number;
  readonly invalidReasons: readonly string[];
  readonly metrics: Readonly<Record<string, Estimate>>;
}

/** How the load of a run is described in summaries and reports. */
export function describeLoad(run: RunRecord): string {
  if (run.load.model === 'closed') return `closed loop, ${run.load.connections} connections`;
  const rate = `${Math.round(run.load.offeredRps ?? 0).toLocaleString('en-US')} req/s`;
  return run.capacityFraction === undefined ? `open loop, ${rate}` : `open loop, ${Math.round(run.capacityFraction * 100)} % of capacity (${rate})`;
}

/**
 * The group a run belongs to: scenario, service and rate index; the platform floor's runs also by
 * offered rate (at capacity fractions it ran at each service's own rate of the same point).
 */
export function groupKey(run: RunRecord): string {
  const key = `${run.scenario}\u0000${run.service}\u0000${run.rateIndex}`;
  return run.role === 'floor' ? `${key}\u0000${Math.round(run.load.offeredRps ?? 0)}` : key;
}

/** Groups runs by `groupKey`, in first-seen order. */
export function groupRuns(runs: readonly RunRecord[]): RunRecord[][] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = groupKey(run);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [run]);
    else group.push(run);
  }
  return [...groups.values()];
}

/** Summaries of every group of runs. */
export function summarize(document: Pick<ResultsDocument, 'runs'>): PointSummary[] {
  return groupRuns(document.runs).map((group) => {
    const first = group[0]!;
    const valid = group.filter((run) => run.validity.valid);
    const metrics: Record<string, Estimate> = {};
    for (const [name, metric] of Object.entries(RUN_METRICS)) {
      const values = valid.map(metric.read).filter((value): value is number => value !== undefined && Number.isFinite(value));
      const estimate = medianInterval(values);
      if (estimate !== undefined) metrics[name] = estimate;
    }
    return {
      key: groupKey(first),
      scenario: first.scenario,
      service: first.service,
      ...(first.role === 'floor' ? { role: 'floor' as const, beside: [...new Set(group.flatMap((run) => run.beside ?? []))] } : {}),
      rateIndex: first.rateIndex,
      load: describeLoad(first),
      runs: group.length,
      validRuns: valid.length,
      invalidReasons: group.filter((run) => !run.validity.valid).flatMap((run) => run.validity.reasons.map((reason) => `rep ${run.repetition}: ${reason.text}`)),
      metrics,
    };
  });
}
