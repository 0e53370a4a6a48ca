/**
 * Load points that keep being saturated. An open-loop point where a service fell short of the
 * offered rate in two runs is a finding — that rate is over what the service sustains here — not
 * a reason to repeat it: adaptive repetitions stop measuring it, and the summary says so with a
 * rate that would be valid. Pure.
 */
import type { RunRecord } from '../results/document.js';
import { isFloorRun } from '../results/floor-runs.js';

export const SATURATION_RULES = {
  /** Saturated runs of a service at a point after which it is not repeated. */
  minSaturatedRuns: 2,
  /** The rate offered instead: this share of the lowest rate it achieved while saturated. */
  validRateShare: 0.9,
} as const;

/** A service at a load point that keeps being saturated. */
export interface SaturatedPoint {
  readonly scenario: string;
  readonly service: string;
  /** The point's index in the scenario's rate list. */
  readonly point: number;
  readonly saturatedRuns: number;
  readonly runs: number;
  /** The rate offered there (the median over its runs), in req/s. */
  readonly offeredRps: number;
  /** The point's capacity fraction, when the scenario gives fractions. */
  readonly capacityFraction: number | undefined;
  /** A rate the service should sustain: 90 % of the lowest it achieved while saturated, in req/s. */
  readonly validRateRps: number;
  /** That rate as a fraction of the same capacity (undefined for absolute rates). */
  readonly validCapacityFraction: number | undefined;
  /** One line for the terminal and the results: what was seen and what to offer instead. */
  readonly text: string;
}

const isSaturated = (run: RunRecord): boolean => run.validity.reasons.some((reason) => reason.code === 'saturated');

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The points of `scenario` (every service, or only `service`) saturated in at least two runs,
 * in the order their runs appear.
 */
export function saturatedPoints(runs: readonly RunRecord[], scenario: string, service?: string): SaturatedPoint[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    // The floor is no service: a rate it could not sustain is the machine's limit, said by its own run's validity.
    if (isFloorRun(run) || run.scenario !== scenario || run.load.model !== 'open' || (service !== undefined && run.service !== service)) continue;
    const key = `${run.service}\u0000${run.rateIndex}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const found: SaturatedPoint[] = [];
  for (const group of groups.values()) {
    const saturated = group.filter(isSaturated);
    if (saturated.length < SATURATION_RULES.minSaturatedRuns) continue;
    const first = group[0]!;
    const offeredRps = medianOf(group.map((run) => run.load.offeredRps ?? 0));
    const validRateRps = SATURATION_RULES.validRateShare * Math.min(...saturated.map((run) => run.load.achievedRps));
    const capacityFraction = first.capacityFraction;
    const validCapacityFraction = capacityFraction === undefined || offeredRps <= 0 ? undefined : (capacityFraction * validRateRps) / offeredRps;
    const at = capacityFraction === undefined ? `${Math.round(offeredRps).toLocaleString('en-US')} req/s` : `${Math.round(capacityFraction * 100)} % of capacity (${Math.round(offeredRps).toLocaleString('en-US')} req/s)`;
    const instead = validCapacityFraction === undefined ? '' : ` (${Math.round(validCapacityFraction * 100)} % of the same capacity)`;
    found.push({
      scenario,
      service: first.service,
      point: first.rateIndex,
      saturatedRuns: saturated.length,
      runs: group.length,
      offeredRps,
      capacityFraction,
      validRateRps,
      validCapacityFraction,
      text: `${first.service} at ${at} was saturated in ${saturated.length} of ${group.length} runs: a finding, not repeated; about ${Math.round(validRateRps).toLocaleString('en-US')} req/s${instead} would be valid (90 % of the lowest rate it achieved)`,
    });
  }
  return found;
}

/** Whether `service` at `point` keeps being saturated (adaptive repetitions skip it). */
export function keepsSaturating(runs: readonly RunRecord[], scenario: string, service: string, point: number): boolean {
  return saturatedPoints(runs, scenario, service).some((found) => found.point === point);
}

/**
 * The needs of adaptive repetitions less those at points that keep being saturated, and the
 * findings that removed them (each once, in the order found). Needs asked for the same reason
 * (`because`: one check) go together: a check's rounds pair all of its services, so a round of
 * the others without the saturated one would decide nothing.
 */
export function dropSaturatedNeeds<Need extends { readonly service: string; readonly point: number; readonly because: string }>(needs: readonly Need[], runs: readonly RunRecord[], scenario: string): { needs: Need[]; saturated: SaturatedPoint[] } {
  const found = saturatedPoints(runs, scenario);
  const at = (need: Need): SaturatedPoint | undefined => found.find((point) => point.service === need.service && point.point === need.point);
  const lost = new Set(needs.filter((need) => at(need) !== undefined).map((need) => need.because));
  return { needs: needs.filter((need) => !lost.has(need.because)), saturated: found.filter((point) => needs.some((need) => need.service === point.service && need.point === point.point)) };
}
