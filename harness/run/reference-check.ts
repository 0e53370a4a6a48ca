/**
 * The equivalence check of one scenario outside `run`: with the scenario's fixtures (a fresh
 * database per instance, the neutral upstream), for `rewrite-bench compare` and the in-job gate.
 * I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { DatabaseFixtures } from '../process/databases.js';
import { startUpstream } from '../process/upstream.js';
import type { ReferenceCheck } from '../results/document.js';
import { checkAgainstReference } from '../verify/against-reference.js';
import { serviceEnv } from './service-env.js';

/** The seed of the check's requests in `run` (other than any load run's: scenario.seed + repetition × 7919 + point). */
export const checkSeed = (scenario: ResolvedScenario): number => scenario.seed + 1_000_003;

/**
 * Compares `candidates` with `reference` on the scenario's requests.
 * @param options.projectRoot where npm's embedded PostgreSQL is looked for (a `postgres:` database)
 * @param options.seed default: `run`'s (checkSeed), so both see the same requests
 * @param options.requests default: the scenario's `compare.requests`
 * @throws InfrastructureError when the reference cannot be started or does not answer
 */
export async function runReferenceCheck(
  scenario: ResolvedScenario,
  reference: ResolvedManifest,
  candidates: readonly ResolvedManifest[],
  options: { readonly projectRoot: string; readonly seed?: number | undefined; readonly requests?: number | undefined; readonly log: (line: string) => void },
): Promise<ReferenceCheck> {
  const databases = new DatabaseFixtures(options.projectRoot);
  const upstream = scenario.fixtures.upstream === undefined ? undefined : await startUpstream(scenario.fixtures.upstream.delayMs, undefined);
  try {
    await databases.open(scenario, undefined);
    return await checkAgainstReference({
      scenario,
      reference,
      candidates,
      env: (manifest, label) => serviceEnv(scenario, manifest, upstream, databases, label),
      seed: options.seed ?? checkSeed(scenario),
      ...(options.requests === undefined ? {} : { requests: options.requests }),
      log: options.log,
    });
  } finally {
    await upstream?.stop();
    await databases.dispose();
  }
}
