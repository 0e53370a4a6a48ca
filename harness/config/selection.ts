/**
 * Which services each scenario runs, decided before any process starts. A scenario's `services:`
 * list is who runs by default; `--services` overrides it (bring your own service: `--services
 * my-service,go` runs both wherever they implement the workload). A scenario named on the command
 * line that no selected service implements is a configuration error; one of the default suite is
 * skipped with a note (a service of your own rarely implements every workload). Pure.
 */
import { ConfigError } from '../errors.js';
import { checkDatabaseSeeds, checkEnvReferences, fixtureVariables, knownVariables } from './fixture-env.js';
import type { ResolvedManifest } from './manifest.js';
import type { ResolvedScenario } from './scenario.js';
import { workersTargetProblem } from './workers.js';

/** What the command line asked for. */
export interface SelectionRequest {
  /** Every manifest found (built-in and --services-dir), including the upstream. */
  readonly all: readonly ResolvedManifest[];
  /** The measured services selected (--services, or all of them). */
  readonly selected: readonly ResolvedManifest[];
  /** Whether --services was given (then it overrides the scenarios' `services:` lists). */
  readonly isServicesExplicit: boolean;
  /** Whether scenarios were named on the command line (else the default suite runs). */
  readonly isScenariosExplicit: boolean;
}

/** The scenarios to run, each with `services` set to the names it runs, and the ones skipped. */
export interface ScenarioSelection {
  readonly scenarios: readonly ResolvedScenario[];
  /** One sentence per skipped default-suite scenario. */
  readonly skipped: readonly string[];
}

const names = (manifests: readonly ResolvedManifest[]): string => manifests.map((manifest) => manifest.name).join(', ');

/** Checks a scenario's own `services:` list against the known services and the workload. */
function checkScenarioList(scenario: ResolvedScenario, measured: readonly ResolvedManifest[]): void {
  for (const name of scenario.services ?? []) {
    const manifest = measured.find((candidate) => candidate.name === name);
    if (manifest === undefined) {
      throw new ConfigError(
        `Scenario \`${scenario.name}\` (${scenario.file}) names the unknown service \`${name}\` in \`services:\`. Known services: ${names(measured)}. Fix the name in the scenario, or pass the folder that holds it with --services-dir.`,
      );
    }
    if (!manifest.implements.includes(scenario.workload)) {
      throw new ConfigError(
        `Scenario \`${scenario.name}\` (${scenario.file}) lists \`${name}\` in \`services:\`, but ${name} does not implement the workload \`${scenario.workload}\` (${manifest.file} implements ${manifest.implements.join(', ') || 'nothing'}). Remove it from \`services:\`, or add \`${scenario.workload}\` to its \`implements\`.`,
      );
    }
  }
}

/**
 * A remote target gets nothing from the harness but requests: a scenario whose fixtures hand its
 * services a database (DB_PATH) or an upstream (UPSTREAM_URL) cannot run one.
 */
function checkRemoteTargets(scenario: ResolvedScenario, running: readonly ResolvedManifest[]): void {
  const unreachable = workersTargetProblem(scenario, running);
  if (unreachable !== undefined) throw new ConfigError(unreachable);
  const remote = running.filter((manifest) => manifest.target !== undefined);
  if (remote.length === 0) return;
  const given = fixtureVariables(scenario).map((variable) => (variable.from === 'fixtures.database' ? `a database (\`fixtures.database\`, passed as ${variable.name})` : `an upstream (\`fixtures.upstream\`, passed as ${variable.name})`));
  if (given.length === 0) return;
  throw new ConfigError(
    `Scenario \`${scenario.name}\` (${scenario.file}) gives its services ${given.join(' and ')}, which the remote target ${names(remote)} cannot receive: the harness passes them only to services it starts. Give the target its own (seeded the same way), and run it with a scenario without \`fixtures\`; or run the service here with \`start\`.`,
  );
}

/** Why no selected service can run `scenario`: who was selected, and who would implement it. */
function nobodyImplements(scenario: ResolvedScenario, request: SelectionRequest, measured: readonly ResolvedManifest[]): string {
  const implementing = measured.filter((manifest) => manifest.implements.includes(scenario.workload));
  const selected = request.selected.length === 1 ? `the selected service ${names(request.selected)} does not implement it` : `none of the selected services (${names(request.selected)}) implements it`;
  const who = implementing.length === 0 ? 'no known service does' : `services that do: ${names(implementing)}`;
  return `${selected}; ${who}`;
}

/**
 * The services of every scenario (set as `services`, in run order), checked before anything starts.
 * @throws ConfigError for a scenario's `services:` naming an unknown service or one that does not
 *   implement the workload, for a scenario named on the command line (or a whole suite) with
 *   no selected service that implements its workload, and for a `${NAME}` a service or scenario
 *   refers to that the scenario does not give (config/fixture-env.ts)
 */
export function selectScenarioServices(scenarios: readonly ResolvedScenario[], request: SelectionRequest): ScenarioSelection {
  const measured = request.all;
  const known = knownVariables(scenarios);
  const chosen: ResolvedScenario[] = [];
  const skipped: string[] = [];
  for (const scenario of scenarios) {
    checkScenarioList(scenario, measured);
    const implementing = request.selected.filter((manifest) => manifest.implements.includes(scenario.workload));
    const running = request.isServicesExplicit || scenario.services === undefined ? implementing.map((manifest) => manifest.name) : scenario.services.filter((name) => implementing.some((manifest) => manifest.name === name));
    if (running.length > 0) {
      const reference = scenario.reference === undefined ? undefined : measured.find((manifest) => manifest.name === scenario.reference);
      if (scenario.reference !== undefined && reference === undefined) {
        throw new ConfigError(`Scenario \`${scenario.name}\` (${scenario.file}) names the unknown service \`${scenario.reference}\` as its \`reference:\`. Known services: ${names(measured)}.`);
      }
      const runningManifests = running.map((name) => measured.find((manifest) => manifest.name === name)!);
      // A reference this run leaves out (`--services rewrite`) is still started for the equivalence check (checkOnlyReferences).
      const started = reference === undefined || running.includes(reference.name) ? runningManifests : [...runningManifests, reference];
      checkRemoteTargets(scenario, started);
      checkDatabaseSeeds(scenario, started);
      for (const manifest of started) if (manifest.target === undefined) checkEnvReferences(scenario, manifest, known);
      chosen.push(Object.freeze({ ...scenario, services: running }));
      continue;
    }
    const what = `scenario \`${scenario.name}\` (workload \`${scenario.workload}\`)`;
    const why = nobodyImplements(scenario, request, measured);
    if (request.isScenariosExplicit) throw new ConfigError(`Cannot run ${what}: ${why}. Add one of them to --services, or drop the scenario from the command line.`);
    skipped.push(`skipping ${what}: ${why}`);
  }
  if (chosen.length === 0 && scenarios.length > 0) {
    throw new ConfigError(`No scenario of the suite can run with the selected services (${names(request.selected)}): ${scenarios.map((scenario) => `\`${scenario.name}\` needs \`${scenario.workload}\``).join(', ')}. Add a service that implements one of them to --services, or list the workloads your service serves under \`implements\` in its service.yaml.`);
  }
  return { scenarios: chosen, skipped };
}

/**
 * The reference services that selected scenarios compare with but do not measure: with
 * `--services rewrite` on a scenario whose `reference:` is legacy, legacy is built and started for
 * the equivalence check only, so the rewrite is never measured unchecked.
 */
export function checkOnlyReferences(scenarios: readonly ResolvedScenario[], all: readonly ResolvedManifest[]): ResolvedManifest[] {
  const names = new Set(scenarios.flatMap((scenario) => (scenario.reference === undefined || (scenario.services ?? []).includes(scenario.reference) ? [] : [scenario.reference])));
  return all.filter((manifest) => names.has(manifest.name));
}
