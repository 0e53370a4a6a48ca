/**
 * Starts the neutral upstream of the /gateway workload from its manifest (role: upstream). I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import { ConfigError } from '../errors.js';
import { startService, type RunningService } from './service.js';

/** Starts the upstream with `delayMs` per call, pinned to `cpuList` (the load generator's side). */
export async function startUpstream(manifest: ResolvedManifest | undefined, delayMs: number, cpuList: string | undefined): Promise<RunningService> {
  if (manifest === undefined) {
    throw new ConfigError('The gateway workload needs the upstream service (a service.yaml with `role: upstream`), and none was found. Restore services/upstream/.');
  }
  return startService({ manifest, workers: 1, cpuList, env: { DELAY_MS: String(delayMs) }, readyTimeoutMs: 15_000 });
}
