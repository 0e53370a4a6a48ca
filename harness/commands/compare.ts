/**
 * `rewrite-bench compare [SCENARIO...]`: only the equivalence check of scenarios with a
 * `reference:` service — seconds, no load. Lists every location where each service answered
 * differently (counts, an example with both answers), and the `compare:` lines that would accept
 * the differences. Exit 0 all alike, 1 differences, 2 configuration, 3 a service could not be
 * built, started or asked.
 */
import path from 'node:path';
import { buildService } from '../build/build.js';
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { loadScenarios } from '../config/scenarios.js';
import { selectScenarioServices } from '../config/selection.js';
import { ConfigError, EXIT_CODES, messageOf, type ExitCode } from '../errors.js';
import type { ReferenceCheck } from '../results/document.js';
import { runReferenceCheck } from '../run/reference-check.js';
import { formatComparison } from '../verify/format-comparison.js';
import { projectOf, resolveServiceSelection, SERVICE_OPTIONS, type OptionSpec } from './common.js';

export const compareCommandHelp = {
  summary: 'Check only that services answer like the scenario\'s reference service: every difference, in seconds, no load.',
  usage: 'rewrite-bench compare [SCENARIO...] [--project FILE] [--services a,b] [--services-dir DIR] [--requests N] [--seed N]',
  details:
    'For each scenario with a `reference:` (SCENARIO names one of the project\'s scenarios or a path to a .yaml; none: every scenario of the suite that has one), runs the check `run` does before measuring: two instances of the reference and every other service get the same seeded requests at once. ' +
    'Prints, per service, every location (status, content type, JSON path) where it answered differently beyond the reference\'s own noise, with how many requests, one example request and both answers; then the `compare:` lines (YAML, quoted, each with a `why:` to fill in) that would accept them. ' +
    'Services are built first when needed; nothing is measured and no results are written. Exit 0 when every service answers alike, 1 when any differs, 2 bad configuration, 3 when a service could not be built, started or asked.',
} as const;

export const compareOptions = {
  ...SERVICE_OPTIONS,
  requests: { type: 'string', value: 'N', help: 'Requests compared per scenario (default: each scenario\'s `compare.requests`, 300 unless set; at most 100000).' },
  seed: { type: 'string', value: 'N', help: 'Seed of the compared requests (default: the one `run` uses for its check, so both see the same requests).' },
} as const satisfies Record<string, OptionSpec>;

type CompareValues = { project?: string | undefined; services?: string | undefined; 'services-dir'?: string[] | undefined; requests?: string | undefined; seed?: string | undefined };

function integerOption(text: string | undefined, option: string, minimum: number, maximum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < minimum || value > maximum) throw new ConfigError(`Expected --${option} to be an integer from ${minimum} to ${maximum}, got \`${text}\`.`);
  return value;
}

/** The scenarios to compare and who runs in each; errors before anything is built or started. */
async function planScenarios(values: CompareValues, positionals: readonly string[]): Promise<{ projectRoot: string; scenarios: readonly ResolvedScenario[]; services: readonly ResolvedManifest[] }> {
  const project = await projectOf(values);
  const loaded = await loadScenarios(project.scenariosDir, positionals.length === 0 ? (project.suite ?? []) : positionals, { quick: false, availableCpus: Number.MAX_SAFE_INTEGER });
  const without = loaded.filter((scenario) => scenario.reference === undefined);
  if (positionals.length > 0 && without.length > 0) {
    throw new ConfigError(`Scenario ${without.map((scenario) => `\`${scenario.name}\` (${scenario.file})`).join(', ')} names no \`reference:\` service: there is nothing to compare with. Add \`reference: NAME\` (your legacy service) to it.`);
  }
  const withReference = loaded.filter((scenario) => scenario.reference !== undefined);
  if (withReference.length === 0) throw new ConfigError(`No scenario of ${project.scenariosDir} names a \`reference:\` service: there is nothing to compare with. Add \`reference: NAME\` (your legacy service) to a scenario.`);
  const { all, selected } = await resolveServiceSelection(project, values);
  const { scenarios, skipped } = selectScenarioServices(withReference, { all, selected, isServicesExplicit: values.services !== undefined, isScenariosExplicit: positionals.length > 0 });
  for (const line of skipped) console.error(`rewrite-bench compare: ${line}`);
  const lonely = scenarios.filter((scenario) => (scenario.services ?? []).every((name) => name === scenario.reference));
  if (lonely.length > 0) {
    throw new ConfigError(`Nothing to compare in ${lonely.map((scenario) => `\`${scenario.name}\``).join(', ')}: only the reference service ${lonely[0]!.reference} runs. Name another service with --services ${lonely[0]!.reference},NAME.`);
  }
  // A reference that --services leaves out is still the one compared with.
  const names = new Set(scenarios.flatMap((scenario) => [...(scenario.services ?? []), scenario.reference!]));
  return { projectRoot: project.root, scenarios, services: all.filter((manifest) => names.has(manifest.name)) };
}

/** Builds what needs building; the names of services that could not be built, with why. */
async function buildAll(services: readonly ResolvedManifest[]): Promise<Map<string, string>> {
  const broken = new Map<string, string>();
  for (const manifest of services) {
    if (manifest.target !== undefined) continue;
    const build = await buildService(manifest, { log: (line) => console.error(line) });
    if (build.state === 'failed') broken.set(manifest.name, `${build.reason}\n${build.logTail}`);
    else if (build.state === 'skipped') broken.set(manifest.name, build.reason);
  }
  return broken;
}

/** Runs one scenario's check with its fixtures. */
function compareScenario(projectRoot: string, scenario: ResolvedScenario, services: readonly ResolvedManifest[], seed: number | undefined, requests: number | undefined): Promise<ReferenceCheck> {
  const byName = (name: string): ResolvedManifest => services.find((manifest) => manifest.name === name)!;
  const reference = byName(scenario.reference!);
  const candidates = (scenario.services ?? []).filter((name) => name !== reference.name).map(byName);
  return runReferenceCheck(scenario, reference, candidates, { projectRoot, seed, requests, log: (line) => console.error(line) });
}

export async function runCompareCommand(values: CompareValues, positionals: string[]): Promise<ExitCode> {
  const requests = integerOption(values.requests, 'requests', 1, 100_000);
  const seed = integerOption(values.seed, 'seed', 0, 4_294_967_295);
  const { projectRoot, scenarios, services } = await planScenarios(values, positionals);
  const broken = await buildAll(services);
  let exitCode: ExitCode = EXIT_CODES.pass;
  const worst = (code: ExitCode): void => {
    if (code === EXIT_CODES.infrastructure || exitCode === EXIT_CODES.pass) exitCode = code;
  };
  for (const scenario of scenarios) {
    const file = path.relative(process.cwd(), scenario.file) || scenario.file;
    const unbuilt = [...new Set([...(scenario.services ?? []), scenario.reference!])].filter((name) => broken.has(name));
    if (unbuilt.length > 0) {
      console.log(`## ${scenario.name} (${file}): not compared: ${unbuilt.map((name) => `${name} could not be built: ${broken.get(name)!}`).join('; ')}\n`);
      worst(EXIT_CODES.infrastructure);
      continue;
    }
    let check: ReferenceCheck;
    try {
      check = await compareScenario(projectRoot, scenario, services, seed, requests);
    } catch (error) {
      console.log(`## ${scenario.name} (${file}): not compared: ${messageOf(error)}\n`);
      worst(EXIT_CODES.infrastructure);
      continue;
    }
    console.log(`${formatComparison(check, file, scenario.compare.times?.paths)}\n`);
    if (check.verdicts.some((verdict) => verdict.error !== undefined)) worst(EXIT_CODES.infrastructure);
    else if (check.verdicts.some((verdict) => verdict.state === 'fail')) worst(EXIT_CODES.regression);
  }
  return exitCode;
}
