/**
 * The values a service is given — HOST, PORT, WORKERS and the variables its scenario's fixtures
 * fill (DB_PATH, DATABASE_URL, UPSTREAM_URL, or the names the scenario chose) — and the `${NAME}`
 * references to them in a manifest (`env`, `start`, `seed`) and a scenario (`service.env`,
 * `fixtures.database.seed`): checked per scenario and service before anything starts, and
 * substituted when a service starts. Pure.
 *
 * An `env` entry of a manifest that refers to a fixture's variable the scenario does not give is
 * left out in that scenario (a service implementing several workloads gets `DATABASE_URL` only
 * where there is a database); a reference in `start` or `seed`, or in the scenario's own
 * `service.env`, must be given there.
 */
import { ConfigError } from '../errors.js';
import { HARNESS_VARIABLES, argvFields, envFields, referencedNames, substituteEnvTemplate, type TemplatedField } from './env-template.js';
import type { ResolvedManifest } from './manifest.js';
import { nearest } from './nearest.js';
import { DEFAULT_DATABASE_ENV, DEFAULT_UPSTREAM_ENV, type ResolvedScenario } from './scenario.js';

/** A variable a fixture of a scenario fills, and the field that declares the fixture. */
export interface FixtureVariable {
  readonly name: string;
  readonly from: 'fixtures.database' | 'fixtures.upstream';
}

/** The variables the fixtures of `scenario` fill. */
export function fixtureVariables(scenario: Pick<ResolvedScenario, 'database' | 'fixtures'>): FixtureVariable[] {
  const variables: FixtureVariable[] = [];
  if (scenario.database !== undefined) variables.push({ name: scenario.database.env, from: 'fixtures.database' });
  if (scenario.fixtures.upstream !== undefined) variables.push({ name: scenario.fixtures.upstream.env ?? DEFAULT_UPSTREAM_ENV, from: 'fixtures.upstream' });
  return variables;
}

/** Every name some fixture may fill: the default names and those the given scenarios chose. */
export function knownVariables(scenarios: readonly Pick<ResolvedScenario, 'database' | 'fixtures'>[]): ReadonlySet<string> {
  return new Set([...HARNESS_VARIABLES, ...Object.values(DEFAULT_DATABASE_ENV), DEFAULT_UPSTREAM_ENV, ...scenarios.flatMap((scenario) => fixtureVariables(scenario).map((variable) => variable.name))]);
}

/** The fixture that fills a default name (for the hint to declare it). */
function fixtureOf(name: string): string {
  if ((Object.values(DEFAULT_DATABASE_ENV) as string[]).includes(name)) return '`fixtures.database`';
  if (name === DEFAULT_UPSTREAM_ENV) return '`fixtures.upstream`';
  return 'the fixture that fills it';
}

/** What a seed command is given: HOST, WORKERS and the database's variable (it runs before the service starts). */
export function seedVariables(scenario: Pick<ResolvedScenario, 'database'>): string[] {
  return ['HOST', 'WORKERS', ...(scenario.database === undefined ? [] : [scenario.database.env])];
}

/** The seed commands that run for `manifest` in `scenario` (the scenario's own for it, else the manifest's), with their field names. */
export function seedCommandsFor(scenario: Pick<ResolvedScenario, 'database' | 'file'>, manifest: Pick<ResolvedManifest, 'name' | 'seed' | 'file'>): { readonly steps: readonly (readonly string[])[]; readonly file: string; readonly field: string } | undefined {
  const own = scenario.database?.seedCommands[manifest.name];
  if (own !== undefined) return { steps: own, file: scenario.file, field: `fixtures.database.seed.${manifest.name}` };
  if (manifest.seed !== undefined) return { steps: manifest.seed, file: manifest.file, field: 'seed' };
  return undefined;
}

/**
 * Checks the `${NAME}` references `manifest` and `scenario` make for this pair: its `env`,
 * `start` and seed commands, and the scenario's `service.env`.
 * @param known names some fixture of this run may fill (knownVariables): a name outside it is a typo
 * @throws ConfigError naming the file, the field, the names given and a "Did you mean"
 */
export function checkEnvReferences(scenario: ResolvedScenario, manifest: ResolvedManifest, known: ReadonlySet<string>): void {
  const fixtures = fixtureVariables(scenario);
  const given = [...HARNESS_VARIABLES, ...fixtures.map((variable) => variable.name)];
  const givenText = `HOST, PORT, WORKERS${fixtures.map((variable) => `, ${variable.name} (${variable.from})`).join('')}`;
  const where = `scenario \`${scenario.name}\` (${scenario.file})`;
  const unknown = (name: string, field: TemplatedField, file: string): ConfigError => {
    const suggestion = nearest(name, [...known]);
    return new ConfigError(
      `Unknown variable \`\${${name}}\` in \`${field.field}\` of ${file}: in ${where} the harness gives ${givenText}.${suggestion === undefined ? '' : ` Did you mean \`${suggestion}\`?`} Write \`$$\` for a literal \`$\`.`,
    );
  };
  const check = (fields: readonly TemplatedField[], file: string, available: readonly string[], isOptional: boolean, why: string): void => {
    for (const field of fields) {
      for (const name of referencedNames(field.text)) {
        if (available.includes(name)) continue;
        if (!known.has(name) || !isOptional) {
          if (!known.has(name)) throw unknown(name, field, file);
          const hint = (HARNESS_VARIABLES as readonly string[]).includes(name)
            ? 'Leave it out of the seed command.'
            : `Declare ${fixtureOf(name)} in the scenario, or set the variable under \`env:\` (an \`env\` entry of a manifest whose variable a scenario does not give is left out there).`;
          throw new ConfigError(`\`\${${name}}\` in \`${field.field}\` of ${file} is not given in ${where}: ${why}. ${hint}`);
        }
      }
    }
  };
  const runWhy = `there the harness gives ${givenText}`;
  check(envFields(manifest.env), manifest.file, given, true, runWhy);
  check(argvFields(manifest.start, 'start'), manifest.file, given, false, runWhy);
  check(envFields(scenario.service.env, 'service.env'), scenario.file, given, false, runWhy);
  if (scenario.database === undefined) return;
  const seed = seedCommandsFor(scenario, manifest);
  // Seed commands run before the service starts: no PORT, no upstream.
  const seedGiven = seedVariables(scenario);
  for (const [index, step] of (seed?.steps ?? []).entries()) check(argvFields(step, `${seed!.field}[${index}]`), seed!.file, seedGiven, false, `a seed command runs before the service starts, with ${seedGiven.join(', ')} (no PORT: nothing listens yet)`);
}

/**
 * Checks that the per-service keys of `fixtures.database` name services the scenario runs, and
 * that with seed SQL per service every service has a seed (its file, or seed commands).
 * @throws ConfigError naming the scenario file, the key and the services it runs
 */
export function checkDatabaseSeeds(scenario: ResolvedScenario, manifests: readonly ResolvedManifest[]): void {
  const database = scenario.database;
  if (database === undefined) return;
  const names = manifests.map((manifest) => manifest.name);
  for (const [field, map] of [['seedSql', database.seedSqlFiles], ['seed', database.seedCommands]] as const) {
    for (const key of Object.keys(map)) {
      if (names.includes(key)) continue;
      const suggestion = nearest(key, names);
      throw new ConfigError(`Unknown service \`${key}\` in \`fixtures.database.${field}\` of ${scenario.file}: the scenario runs ${names.join(', ')}.${suggestion === undefined ? '' : ` Did you mean \`${suggestion}\`?`}`);
    }
  }
  if (Object.keys(database.seedSqlFiles).length === 0) return;
  for (const manifest of manifests) {
    if (database.seedSqlFiles[manifest.name] !== undefined || seedCommandsFor(scenario, manifest) !== undefined) continue;
    throw new ConfigError(`No seed for service \`${manifest.name}\` in ${scenario.file}: \`fixtures.database.seedSql\` gives a file per service, and none for ${manifest.name} (nor \`seed\` commands in the scenario or in ${manifest.file}). Add \`${manifest.name}: <file.sql>\` under \`seedSql\`.`);
  }
}

/** What a service start substitutes: HOST, PORT, WORKERS and the fixtures' variables. */
export type GivenValues = Readonly<Record<string, string>>;

/**
 * The environment entries of `env` with their references substituted.
 * @param isOptional leave out an entry that refers to a name `given` lacks (a manifest's env); else throw
 * @throws ConfigError when a non-optional entry refers to a missing name (`run` refuses that before anything starts)
 */
export function substituteEnv(env: Readonly<Record<string, string>>, given: GivenValues, isOptional: boolean): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, text] of Object.entries(env)) {
    const value = substituteEnvTemplate(text, given);
    if (value !== undefined) result[name] = value;
    else if (!isOptional) throw new ConfigError(`Cannot fill \`${name}: ${text}\`: the harness gives ${Object.keys(given).join(', ')} here.`);
  }
  return result;
}

/**
 * An argv with its references substituted.
 * @param where how messages name it, e.g. `start` of services/x/service.yaml
 * @throws ConfigError naming the argument and the values given
 */
export function substituteArgv(argv: readonly string[], given: GivenValues, where: string): string[] {
  return argv.map((text, index) => {
    const value = substituteEnvTemplate(text, given);
    if (value === undefined) throw new ConfigError(`Cannot fill \`${text}\` (argument ${index} of ${where}): the harness gives ${Object.keys(given).join(', ')} here.`);
    return value;
  });
}
