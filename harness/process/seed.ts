/**
 * How a service's fresh database is seeded in a scenario: the scenario's seed SQL (one file for
 * all, or the service's own), then the seed commands (the scenario's for that service, else the
 * manifest's `seed`), run in the service's folder against the template with the database's
 * variable. Services whose seeds are the same share a template. I/O (runs the commands).
 */
import { execa } from 'execa';
import { seedCommandsFor, seedVariables, substituteArgv, substituteEnv } from '../config/fixture-env.js';
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { InfrastructureError, ConfigError } from '../errors.js';
import { ownerTag } from './registry.js';
import { inheritedEnv } from '../config/service-env.js';
import { LineTail } from './tail.js';
import { findExecutable, installHint } from './toolchain.js';

/** What makes one template database. */
export interface SeedPlan {
  /** Plans with the same key make the same database: they share a template. */
  readonly key: string;
  /** The seed SQL file (absolute), run first; undefined for none. */
  readonly sqlFile: string | undefined;
  /** Runs the service's seed commands against the template at `location` (a file path or URL); undefined for none. */
  readonly runCommands: ((location: string) => Promise<void>) | undefined;
}

/** Longest a seed command may take. */
const SEED_TIMEOUT_MS = 600_000;

/**
 * The seed of `manifest`'s database in `scenario` (which has a `fixtures.database`).
 */
export function seedPlanFor(scenario: ResolvedScenario, manifest: ResolvedManifest): SeedPlan {
  const database = scenario.database!;
  const sqlFile = database.seedSqlFiles[manifest.name] ?? database.seedSqlFile;
  const commands = seedCommandsFor(scenario, manifest);
  return {
    key: JSON.stringify([sqlFile ?? null, commands === undefined ? null : [manifest.dir, commands.steps, manifest.env, scenario.service.env]]),
    sqlFile,
    runCommands: commands === undefined ? undefined : (location) => runSeedCommands(scenario, manifest, commands, location),
  };
}

async function runSeedCommands(scenario: ResolvedScenario, manifest: ResolvedManifest, commands: NonNullable<ReturnType<typeof seedCommandsFor>>, location: string): Promise<void> {
  const variable = scenario.database!.env;
  const given: Record<string, string> = { HOST: '127.0.0.1', WORKERS: String(scenario.service.workers), [variable]: location };
  // Validated before anything started (config/fixture-env.ts): the steps use only these names.
  const allowed = Object.fromEntries(seedVariables(scenario).map((name) => [name, given[name]!]));
  const env = { ...inheritedEnv(manifest, process.env), ...substituteEnv(manifest.env, allowed, true), ...substituteEnv(scenario.service.env, allowed, true), ...allowed, REWRITE_BENCH_OWNER: ownerTag() };
  for (const [index, step] of commands.steps.entries()) {
    const where = `\`${commands.field}[${index}]\` of ${commands.file}`;
    const [program, ...args] = substituteArgv(step, allowed, where);
    const executable = await findExecutable(program!, manifest.dir);
    if (executable === undefined) {
      throw new ConfigError(`Cannot seed the database of ${manifest.name} in scenario ${scenario.name}: \`${program}\` not found (${where}). ${program!.includes('/') ? `Build it first: rewrite-bench build --services ${manifest.name}.` : installHint(program!)}`);
    }
    const tail = new LineTail(20);
    const child = execa(executable, args, { cwd: manifest.dir, env, extendEnv: false, stdin: 'ignore', all: true, buffer: false, reject: false, timeout: SEED_TIMEOUT_MS });
    child.all?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
    const result = await child;
    if (result.failed) {
      const why = result.timedOut ? `no end within ${SEED_TIMEOUT_MS / 1000} s` : `exit code ${String(result.exitCode)}${result.signal === undefined ? '' : `, signal ${result.signal}`}`;
      throw new InfrastructureError(`Seed command \`${step.join(' ')}\` of ${manifest.name} failed in scenario ${scenario.name} (${why}; ${where}), against ${variable}=${location}. Last output:\n${tail.text() || '(no output)'}`);
    }
  }
}
