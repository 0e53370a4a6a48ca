/**
 * Before a scenario with a `reference:` is measured, the equivalence check (verify/
 * against-reference.ts) with the scenario's fixtures: the services that answer like the
 * reference go on to be measured; the others are recorded as non-conforming. I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import type { DatabaseFixtures } from '../process/databases.js';
import type { RunningService } from '../process/service.js';
import type { ReferenceCheck, ResultsDocument } from '../results/document.js';
import { checkAgainstReference, describeVerdict } from '../verify/against-reference.js';
import type { Progress } from './progress.js';
import { serviceEnv } from './service-env.js';

/** What the check needs of the run. */
export interface EquivalenceContext {
  readonly document: ResultsDocument;
  readonly databases: DatabaseFixtures;
  /** References started for the equivalence check only (built, never measured). */
  readonly checkers: readonly ResolvedManifest[];
  readonly progress: Progress;
  readonly save: () => Promise<void>;
}

/**
 * The services of a scenario that answer like its `reference:` service (all of them when it
 * names none); the others are recorded as non-conforming and not measured. When none is left
 * but the reference, the scenario is not measured at all (the reference alone decides nothing),
 * unless the reference is all the user asked for.
 */
export async function equivalentServices(scenario: ResolvedScenario, services: readonly ResolvedManifest[], upstream: RunningService | undefined, shared: EquivalenceContext): Promise<readonly ResolvedManifest[]> {
  if (scenario.reference === undefined) return services;
  const reference = services.find((manifest) => manifest.name === scenario.reference) ?? shared.checkers.find((manifest) => manifest.name === scenario.reference);
  const isCheckOnly = reference !== undefined && !services.includes(reference);
  if (isCheckOnly) shared.progress.log(`${scenario.name}: checking against ${reference.name}, which this run does not measure (not selected)`);
  if (reference === undefined) {
    shared.document.failures.push({ scenario: scenario.name, service: scenario.reference, message: `the reference service ${scenario.reference} could not be run (see above): nothing to compare the others with, so none is measured` });
    return [];
  }
  const candidates = services.filter((manifest) => manifest !== reference);
  if (candidates.length === 0) {
    const others = (scenario.services ?? []).filter((name) => name !== reference.name);
    if (others.length === 0) {
      shared.progress.log(`${scenario.name}: only the reference service ${reference.name} runs: nothing to compare it with; measuring it alone`);
      return services;
    }
    const message = `not measured: ${others.join(', ')} could not be run (see above), and the reference ${reference.name} alone would decide nothing; to measure it alone, run with --services ${reference.name}.`;
    shared.document.failures.push({ scenario: scenario.name, service: undefined, message });
    shared.progress.log(`${scenario.name}: ${message}`);
    return [];
  }
  let check: ReferenceCheck;
  try {
    check = await checkAgainstReference({
      scenario,
      reference,
      candidates,
      env: (manifest, label) => serviceEnv(scenario, manifest, upstream, shared.databases, label),
      // Other seeds than any load run's (those are scenario.seed + repetition × 7919 + point).
      seed: scenario.seed + 1_000_003,
      log: (line) => shared.progress.log(line),
    });
  } catch (error) {
    const message = `not measured: the equivalence check against ${reference.name} could not run: ${messageOf(error)}`;
    shared.document.failures.push({ scenario: scenario.name, service: reference.name, kind: 'infrastructure', message });
    shared.progress.log(`${scenario.name}: ${message}`);
    await shared.save();
    return [];
  }
  shared.document.equivalence.push(check);
  for (const line of check.noise) shared.progress.log(`  noise: ${line}`);
  const failed = new Set(check.verdicts.filter((verdict) => verdict.state === 'fail').map((verdict) => verdict.service));
  for (const verdict of check.verdicts) {
    if (verdict.state !== 'fail') continue;
    const message = describeVerdict(verdict, reference.name, scenario.name);
    shared.document.failures.push({ scenario: scenario.name, service: verdict.service, kind: verdict.error === undefined ? 'non-conforming' : 'infrastructure', message });
    shared.progress.log(message);
  }
  const left = services.filter((manifest) => !failed.has(manifest.name));
  if (isCheckOnly && left.length === 0) {
    const message = `not measured: no selected service answers like the reference ${reference.name} (see above). \`rewrite-bench compare ${scenario.name}\` lists every difference in seconds.`;
    shared.document.failures.push({ scenario: scenario.name, service: undefined, kind: 'non-conforming', message });
    shared.progress.log(`${scenario.name}: ${message}`);
    await shared.save();
    return [];
  }
  if (!isCheckOnly && left.length === 1) {
    // Minutes of measuring the reference alone would decide no comparison.
    const message = `not measured: no service answers like the reference ${reference.name} (${[...failed].join(', ')}; see above), and ${reference.name} alone would decide nothing. \`rewrite-bench compare ${scenario.name}\` lists every difference in seconds; to measure ${reference.name} alone, run with --services ${reference.name}.`;
    shared.document.failures.push({ scenario: scenario.name, service: undefined, kind: 'non-conforming', message });
    shared.progress.log(`${scenario.name}: ${message}`);
    await shared.save();
    return [];
  }
  await shared.save();
  return left;
}
