/**
 * The largest values a load job may carry: one set, `harness/engine/limits.json`, read by the
 * native engine (built in) and here by the config schemas, so a scenario that validates never
 * makes a job the engine rejects. And the one conversion of the scenario's seconds to the job's
 * integer milliseconds. Pure.
 */
import limits from '../engine/limits.json' with { type: 'json' };

/** The engine's limits (see limits.json). */
export const ENGINE_LIMITS: Readonly<{
  connections: number;
  threads: number;
  ratePerSecond: number;
  warmupSeconds: number;
  durationSeconds: number;
  timeoutMs: number;
}> = Object.freeze({
  connections: limits.connections,
  threads: limits.threads,
  ratePerSecond: limits.ratePerSecond,
  warmupSeconds: limits.warmupSeconds,
  durationSeconds: limits.durationSeconds,
  timeoutMs: limits.timeoutMs,
});

/** Seconds as whole milliseconds, rounded (`1.005` s is 1005 ms, never 1004.9999999999999). */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
