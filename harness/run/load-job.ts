/**
 * The load job of one point of a scenario: the scenario's requests, prepared once per scenario
 * (the contract's reference is costly), with what a service start captured filled in; the offered
 * load; the engine that makes it. Pure apart from that cache.
 */
import type { ResolvedScenario } from '../config/scenario.js';
import { capturedNames } from '../config/setup.js';
import type { EngineName, LoadJob, LoadTls } from '../load/job.js';
import { secondsToMs } from '../load/limits.js';
import type { PreparedSource } from '../load/requests.js';
import { fillSources, type CapturedValues } from '../requests/captured.js';
import { prepareSources } from '../requests/prepare.js';

/** One offered load of a measurement: closed loop, or an open-loop rate. */
export interface LoadPoint {
  readonly ratePerSecond: number | undefined;
  readonly capacityFraction: number | undefined;
  /** Its index in the scenario's rate list, when a round measures only some points (adaptive repetitions); else its place in `points`. */
  readonly rateIndex?: number;
  /** Open loop: connections to open instead of the scenario's (the capacity probe's Little's-law sizing). */
  readonly connections?: number;
  /** The platform floor's points only: the services of the round whose load point it shares (run/floor-plan.ts). */
  readonly beside?: readonly string[];
}

const preparedByScenario = new Map<string, readonly PreparedSource[]>();

/** The scenario's prepared request mix, computed once per scenario (the reference is costly). */
function sourcesOf(scenario: ResolvedScenario): readonly PreparedSource[] {
  const key = `${scenario.file}\u0000${scenario.name}\u0000${scenario.seed}`;
  let sources = preparedByScenario.get(key);
  if (sources === undefined) {
    sources = prepareSources(scenario.requests, scenario.seed, capturedNames(scenario.setup));
    preparedByScenario.set(key, sources);
  }
  return sources;
}

/** The engine of a run and its worker threads (load/engines/select.ts). */
export interface EngineChoice {
  readonly engine: EngineName;
  readonly threads: number;
}

/**
 * The load job of one point of a scenario.
 * @param extra.tls an https target's extra trust
 * @param extra.sequenceStart the first `{{seq}}` number: past the numbers of the earlier points of the same service start (load/sequence.ts)
 * @param extra.captured what the scenario's `setup` captured on this service start (a token), filled into the requests
 */
export function loadJobFor(scenario: ResolvedScenario, baseUrl: string, point: LoadPoint, seed: number, engine: EngineChoice, extra: { readonly tls?: LoadTls | undefined; readonly sequenceStart?: number; readonly captured?: CapturedValues } = {}): LoadJob {
  const load = scenario.load;
  return {
    ...engine,
    baseUrl,
    sources: fillSources(sourcesOf(scenario), extra.captured ?? {}),
    seed,
    model: load.model,
    connections: load.model === 'open' ? (point.connections ?? load.connections) : load.connections,
    ...(load.model === 'open' ? { ratePerSecond: point.ratePerSecond!, arrival: load.arrival } : {}),
    warmupSeconds: scenario.warmupSeconds,
    durationSeconds: scenario.durationSeconds,
    timeoutMs: secondsToMs(scenario.timeoutSeconds),
    verifyEvery: scenario.verifyEvery,
    ...(extra.tls === undefined ? {} : { tls: extra.tls }),
    sequenceStart: extra.sequenceStart ?? 1,
  };
}

