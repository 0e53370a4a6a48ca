/**
 * `rewrite-bench run [SCENARIO...]`: measures scenarios and writes DIR/results.json.
 */
import { existsSync } from 'node:fs';
import { isUntimedOnly } from '../claims/build-timings.js';
import { formatClaims } from '../claims/format.js';
import { resolveClaims, type ResolvedClaims } from '../config/claims.js';
import type { ResolvedManifest } from '../config/manifest.js';
import { QUICK_DEFAULTS, type ResolvedScenario } from '../config/scenario.js';
import { readYamlFile } from '../config/yaml-file.js';
import path from 'node:path';
import { loadScenarios } from '../config/scenarios.js';
import { applyWorkersOption } from '../config/workers.js';
import { checkOnlyReferences, selectScenarioServices } from '../config/selection.js';
import { checkEnvFrom } from '../config/service-env.js';
import { ConfigError, EXIT_CODES, type ExitCode } from '../errors.js';
import type { ResolvedProject } from '../config/project.js';
import { findPostgres } from '../process/postgres-binaries.js';
import { allowedCpus } from '../run/environment.js';
import { createProgress } from '../run/progress.js';
import { runSuite, servicesFor } from '../run/run.js';
import { writeReport } from '../report/write.js';
import { formatRunSummary } from '../run/summary.js';
import { toolVersion } from '../version.js';
import { FLOOR_NAME } from '../results/floor-runs.js';
import { projectOf, resolveServiceSelection, SERVICE_OPTIONS, type OptionSpec } from './common.js';

export const runOptions = {
  ...SERVICE_OPTIONS,
  out: { type: 'string', value: 'DIR', help: 'Write results.json (and reports) to DIR (default: the project\'s `out` folder, reports/runs/<date-time>/ under the project).' },
  claims: {
    type: 'string',
    value: 'FILE',
    help: 'Evaluate the claims in FILE after measuring; exit 1 when any is refuted, 3 when any could not be measured. Without it, a run of the whole suite evaluates the project\'s `claims` file and shows the verdicts without changing the exit code.',
  },
  'skip-verify': { type: 'boolean', help: 'Do not check the services against the contract first (by default a service that does not conform is not measured).' },
  quick: {
    type: 'boolean',
    help:
      `A short look: every scenario runs with its \`quick:\` timings, and what it does not set there (all of it, without a \`quick:\` block) is ${QUICK_DEFAULTS.repetitions === 1 ? 'one repetition' : `${QUICK_DEFAULTS.repetitions} repetitions`}, at most ${QUICK_DEFAULTS.warmupSeconds} s of warm-up and ${QUICK_DEFAULTS.durationSeconds} s windows (shorter own ones stay), capacity probes no longer than the window; no repetitions are added and the contract check sends fewer random requests. ` +
      'The default suite in about 2 minutes. Claims on run metrics come out inconclusive (a decision needs at least 6 paired rounds); build metrics are single measurements and can decide, but builds are not timed for the claims without --timings.',
  },
  'until-decided': { type: 'boolean', help: 'Add interleaved repetitions until every point\'s medians have 95 % coverage (6 valid runs), within --max-minutes. (A claims file already adds them for its open claims.)' },
  'max-minutes': { type: 'string', value: 'M', help: 'Time budget of the measuring, from the first run (builds, build timings and verification come before it), for added repetitions (default 10): once spent, open claims are reported "undecided after N runs" with what more runs would take.' },
  'max-repetitions': { type: 'string', value: 'N', help: 'Most repetitions of a scenario with added ones (default 15).' },
  workers: {
    type: 'string',
    value: 'kubernetes|none',
    help: 'Where the load comes from: `kubernetes` runs it as an Indexed Job (a scenario\'s `load.workers.kubernetes`, else 2 pods × 1 CPU in namespace `default`; the services must be remote `target`s); `none` runs it from this machine even where a scenario has `load.workers`. README, "Beyond one machine".',
  },
  'no-floor': {
    type: 'boolean',
    help: 'Do not measure the platform floor (an HTTP server that answers at once, one more member of every open-loop round, at the services\' load points): without it no figure is marked "at the platform floor", no resolution is printed, and claims on `floor.<metric>` come out not measured.',
  },
  timings: {
    type: 'boolean',
    help: 'Time the clean and incremental builds that the claims check when this machine has not recorded them yet (a clean Rust build: about a minute). The default without --quick; under --quick those checks are otherwise "not measured".',
  },
} as const satisfies Record<string, OptionSpec>;

/**
 * Reads a claims file and checks, before anything starts, that its scenarios, load points and
 * service names exist (a typo would otherwise surface only as "not measured" after measuring).
 */
async function loadClaims(file: string, running: readonly ResolvedScenario[], manifests: readonly ResolvedManifest[], project: ResolvedProject): Promise<ResolvedClaims> {
  const builtIn = await loadScenarios(project.scenariosDir, [], { quick: false, availableCpus: Number.MAX_SAFE_INTEGER });
  const scenarios = [...running, ...builtIn.filter((scenario) => !running.some((other) => other.name === scenario.name))];
  const shown = path.relative(process.cwd(), file) || file;
  const micro = new Set(manifests.flatMap((manifest) => manifest.microbenchmark?.metrics ?? []));
  const claims = resolveClaims(await readYamlFile(file), shown, scenarios.map((scenario) => scenario.name), micro);
  const services = new Set(manifests.map((manifest) => manifest.name));
  for (const [index, claim] of claims.claims.entries()) {
    for (const check of claim.checks) {
      // `floor` is the platform floor (reserved: no service takes the name), measured beside the services.
      const unknown = check.terms.find((term) => term.service !== FLOOR_NAME && !services.has(term.service));
      if (unknown !== undefined) throw new ConfigError(`Unknown service \`${unknown.service}\` in \`claims[${index}]\` of ${shown} (\`${check.source}\`). Known services: ${[...services].join(', ')}.`);
    }
    const scenario = scenarios.find((candidate) => candidate.name === claim.scenario);
    if (scenario === undefined) continue;
    const points = scenario.load.model === 'closed' ? 1 : (scenario.load.ratesPerSecond ?? scenario.load.capacityFractions ?? []).length;
    if (claim.point >= points) throw new ConfigError(`Expected \`claims[${index}].point\` in ${shown} to be below ${points} (scenario ${scenario.name} has ${points} load point(s)), got \`${claim.point}\`.`);
  }
  return claims;
}

/**
 * The seed claims that this run can decide: those whose services are all selected and whose
 * scenario runs (with `--services my-service` the seed claims about go, rust and python would
 * only come out "not measured"). An explicit --claims file is never narrowed.
 */
function seedClaimsFor(claims: ResolvedClaims, scenarios: readonly ResolvedScenario[], selected: readonly ResolvedManifest[]): ResolvedClaims | undefined {
  const names = new Set([...selected.map((manifest) => manifest.name), FLOOR_NAME]);
  const kept = claims.claims.filter(
    (claim) => claim.checks.every((check) => check.terms.every((term) => names.has(term.service))) && (claim.scenario === undefined || scenarios.some((scenario) => scenario.name === claim.scenario)),
  );
  if (kept.length < claims.claims.length) {
    console.error(`rewrite-bench run: evaluating ${kept.length} of the ${claims.claims.length} claims of ${claims.file} (the others compare services or scenarios this run does not measure)`);
  }
  return kept.length === 0 ? undefined : Object.freeze({ ...claims, claims: kept });
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

function numberOption(text: string | undefined, option: string, fallback: number, minimum: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < minimum) throw new ConfigError(`Expected --${option} to be a number >= ${minimum}, got \`${text}\`.`);
  return value;
}

export async function runRunCommand(values: { workers?: string | undefined; project?: string | undefined; services?: string | undefined; 'until-decided'?: boolean | undefined; 'max-minutes'?: string | undefined; 'max-repetitions'?: string | undefined; 'services-dir'?: string[] | undefined; out?: string | undefined; quick?: boolean | undefined; timings?: boolean | undefined; 'skip-verify'?: boolean | undefined; claims?: string | undefined; 'no-floor'?: boolean | undefined }, positionals: string[]): Promise<ExitCode> {
  // Everything is validated before any process starts.
  const maxMinutes = numberOption(values['max-minutes'], 'max-minutes', 10, 0);
  const maxRepetitions = Math.floor(numberOption(values['max-repetitions'], 'max-repetitions', 15, 1));
  const project = await projectOf(values);
  const suite = await loadScenarios(project.scenariosDir, positionals.length === 0 ? (project.suite ?? []) : positionals, { quick: values.quick === true, availableCpus: (await allowedCpus()).length });
  const { all, selected } = await resolveServiceSelection(project, values);
  let withWorkers: ResolvedScenario[];
  try {
    withWorkers = applyWorkersOption(suite, values.workers);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  for (const scenario of withWorkers) {
    const kubeconfig = scenario.load.workers?.kubernetes.kubeconfig;
    if (kubeconfig !== undefined && !existsSync(kubeconfig)) throw new ConfigError(`Expected \`load.workers.kubernetes.kubeconfig\` in ${scenario.file} to name a kubeconfig file, got \`${kubeconfig}\`, which does not exist (it is relative to the scenario file).`);
  }
  const { scenarios, skipped } = selectScenarioServices(withWorkers, { all, selected, isServicesExplicit: values.services !== undefined, isScenariosExplicit: positionals.length > 0 });
  for (const line of skipped) console.error(`rewrite-bench run: ${line}`);
  // A PostgreSQL fixture needs a server installed: said before anything is built or started.
  for (const scenario of scenarios) if (scenario.database?.postgres !== undefined) await findPostgres(scenario.database.postgres.binDir, project.root, scenario.file);
  // A reference left out by --services is still started for the equivalence check (not with --skip-verify).
  const checkOnly = values['skip-verify'] === true ? [] : checkOnlyReferences(scenarios, all);
  checkEnvFrom([...selected.filter((manifest) => scenarios.some((scenario) => servicesFor(scenario, selected).includes(manifest))), ...checkOnly], process.env);
  // The seed claims go with the default suite; --claims FILE with any scenarios.
  const defaultClaims = project.claimsFile !== undefined && existsSync(project.claimsFile) ? project.claimsFile : undefined;
  const claimsFile = values.claims ?? (positionals.length === 0 ? defaultClaims : undefined);
  const loaded = claimsFile === undefined ? undefined : await loadClaims(claimsFile, scenarios, all, project);
  const claims = loaded === undefined || values.claims !== undefined ? loaded : seedClaimsFor(loaded, scenarios, selected);
  const outDir = path.resolve(values.out ?? path.join(project.outDir, timestamp()));
  const version = toolVersion();
  console.error(`rewrite-bench run: ${scenarios.length} scenario(s), services ${selected.map((s) => s.name).join(', ')}; results in ${outDir}/results.json`);
  const document = await runSuite({ scenarios, services: selected, projectRoot: project.root, outDir, progress: createProgress(), toolVersion: version, verifyFirst: values['skip-verify'] !== true, checkOnly, verifyRandomPerEndpoint: values.quick === true ? 10 : 50, claims, timeBuildsForClaims: values.quick !== true || values.timings === true, floor: values['no-floor'] !== true,
    // Repetitions are added where a claim (or --until-decided) is still open; --quick is one quick look.
    ...(values.quick === true ? {} : { adaptive: { untilDecided: values['until-decided'] === true, maxRepetitions, maxMinutes } }),
  });
  console.log(formatRunSummary(document));
  if (document.claims !== undefined) console.log(`\n${formatClaims(document.claims.results, document.claims.capacity)}`);
  const report = await writeReport({ file: path.join(outDir, 'results.json'), document }, outDir);
  console.log(`\nresults: ${path.join(outDir, 'results.json')}\nreport:  ${report.html} (opens from disk), ${path.basename(report.markdown)}, ${path.basename(report.csv)}`);
  if (document.failures.some((failure) => failure.kind !== 'non-conforming')) return EXIT_CODES.infrastructure;
  // A service that answers differently from its oracle was not measured: like a regression.
  if (document.failures.length > 0) return EXIT_CODES.regression;
  // Only an explicit --claims makes claims decide the exit code (CI gating on claims): a refuted
  // claim is 1; a claim that could not be measured is 3, so a broken setup never passes silently.
  if (values.claims !== undefined && document.claims !== undefined) {
    if (document.claims.results.some((result) => result.verdict === 'refuted')) return EXIT_CODES.regression;
    // A build-time check left unmeasured on purpose (--quick without --timings) is like an
    // inconclusive one: the output says why; nothing failed.
    if (document.claims.results.some((result) => result.verdict === 'not-measured' && !isUntimedOnly(result))) return EXIT_CODES.infrastructure;
  }
  return EXIT_CODES.pass;
}
