/**
 * Which engine runs a scenario, and with how many threads. Pure.
 *
 * Default: the native engine for both models — open loop (µs pacing, latency from the planned
 * send) and closed loop (the only one here that can saturate the Go and Rust services on one
 * load CPU). Without it (no cargo, a failed build) the Node engines take over: the undici pacer
 * for open loop, autocannon for closed loop. A scenario may name its engine (`load.engine`).
 */
import type { EngineName } from '../job.js';
import { ENGINE_LIMITS } from '../limits.js';

/** The engine for a model, given the scenario's choice and whether the native engine is built. */
export function selectEngine(model: 'open' | 'closed', requested: EngineName | undefined, nativeAvailable: boolean): { engine: EngineName; fellBack: boolean } {
  const fallback: EngineName = model === 'open' ? 'pacer' : 'autocannon';
  const wanted = requested ?? 'native';
  if (wanted === 'native' && !nativeAvailable) return { engine: fallback, fellBack: true };
  return { engine: wanted, fellBack: false };
}

/**
 * Worker threads of the native engine: one per load CPU, minus one for the harness (sampling)
 * and the upstream when there are several; never more than connections, nor the engine's limit.
 * On 2 CPUs (one for the service, one for load): 1.
 */
export function engineThreads(loadCpus: number, connections: number): number {
  return Math.max(1, Math.min(connections, ENGINE_LIMITS.threads, loadCpus >= 3 ? loadCpus - 1 : 1));
}
