/**
 * The platform floor's runs among a document's runs (issue 21): the floor is measured as one
 * more member of each round (run/floor-plan.ts) and recorded like a service's run with
 * `role: 'floor'`, under the reserved name `floor`. Everything that compares services (claims'
 * service terms, the gate, adaptive repetitions, saturation) takes `serviceRuns`; what shows the
 * floor beside them takes `floorRuns`. Pure.
 */
import type { RunRecord } from './document.js';

/** The name the floor's runs carry, reserved: no service may take it, and claims refer to the floor as `floor.<metric>`. */
export const FLOOR_NAME = 'floor';

/** Whether a run is the platform floor's. */
export function isFloorRun(run: Pick<RunRecord, 'role'>): boolean {
  return run.role === 'floor';
}

/** The runs of services (the floor's left out): what is compared. */
export function serviceRuns<T extends Pick<RunRecord, 'role'>>(runs: readonly T[]): T[] {
  return runs.filter((run) => !isFloorRun(run));
}

/** The platform floor's runs. */
export function floorRuns<T extends Pick<RunRecord, 'role'>>(runs: readonly T[]): T[] {
  return runs.filter(isFloorRun);
}

/**
 * A run's id: `scenario/service/repN/rateI`. A floor run at capacity fractions, where one round
 * has a floor run at each service's rate, adds the services it stood beside
 * (`process-sweep/floor/rep1/rate1/beside-rust`), so ids stay unique.
 */
export function runId(run: Pick<RunRecord, 'scenario' | 'service' | 'repetition' | 'rateIndex' | 'role' | 'beside' | 'capacityFraction'>): string {
  const base = `${run.scenario}/${run.service}/rep${run.repetition}/rate${run.rateIndex}`;
  return isFloorRun(run) && run.capacityFraction !== undefined && run.beside !== undefined && run.beside.length > 0 ? `${base}/beside-${run.beside.join('+')}` : base;
}
