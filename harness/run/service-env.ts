/**
 * A service's environment in a scenario: its `service.env`, and what the fixtures fill (fresh per
 * call), under the names the scenario chose. I/O (a fresh database per call).
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { serviceEnvironment, type DatabaseFixtures } from '../process/databases.js';
import type { RunningService, ServiceEnvironment } from '../process/service.js';

/**
 * @param label tells this instance's fresh fixtures from others' (`rep1`, `probe`, `primary`)
 */
export function serviceEnv(scenario: ResolvedScenario, manifest: ResolvedManifest, upstream: RunningService | undefined, databases: DatabaseFixtures, label: string): Promise<ServiceEnvironment> {
  return serviceEnvironment(scenario, manifest, { databases, upstreamUrl: upstream?.baseUrl }, label);
}
