/**
 * Finds and validates scenario files: names resolve to scenarios/<file>.yaml by their `name`
 * field, paths are read as given; with none, every scenario of scenarios/ runs (the default
 * suite), in file-name order. Files named claims*.yaml hold claims, not scenarios. I/O.
 */
import { access, constants, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseReplay } from '../requests/replay.js';
import { LOAD_METHODS, resolveScenario, type RequestSpec, type ResolvedScenario } from './scenario.js';
import { readYamlFile } from './yaml-file.js';

const isScenarioFile = (file: string): boolean => /\.ya?ml$/.test(file) && !file.startsWith('claims') && !file.startsWith('_') && file !== 'rewrite-bench.yaml';

/**
 * Reads the files of a scenario's `replay:` requests (relative to the scenario file) into it,
 * before any process starts: an unreadable file, a bad entry or a method the engines do not send
 * is a configuration error naming the file and the entry.
 */
async function withReplays(scenario: ResolvedScenario): Promise<ResolvedScenario> {
  if (!scenario.requests.some((request) => 'replay' in request)) return scenario;
  const requests: RequestSpec[] = [];
  for (const [index, request] of scenario.requests.entries()) {
    if (!('replay' in request)) {
      requests.push(request);
      continue;
    }
    const file = path.resolve(path.dirname(path.resolve(scenario.file)), request.replay.file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`Cannot read \`requests[${index}].replay.file\` of ${scenario.file} (${file}): ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}.`, { cause });
    }
    const include = request.replay.include === undefined ? undefined : compileInclude(request.replay.include, `requests[${index}].replay.include`, scenario.file);
    const replayed = parseReplay(text, path.relative(process.cwd(), file) || file, request.replay.format, { ...(include === undefined ? {} : { include }), ...(request.replay.methods === undefined ? {} : { methods: [...request.replay.methods] }) });
    const unsupported = replayed.find((entry) => !(LOAD_METHODS as readonly string[]).includes(entry.method));
    if (unsupported !== undefined) {
      throw new ConfigError(`${file} holds a ${unsupported.method} request (${unsupported.path}), which the load engines do not send. Keep the others with \`methods: [${LOAD_METHODS.join(', ')}]\` under \`requests[${index}].replay\` in ${scenario.file}.`);
    }
    requests.push({ ...request, replayed });
  }
  return Object.freeze({ ...scenario, requests });
}

/** Checks that every seed SQL file of a scenario's `fixtures.database` can be read, before anything starts. */
async function checkSeedFiles(scenario: ResolvedScenario): Promise<ResolvedScenario> {
  const database = scenario.database;
  if (database === undefined) return scenario;
  const files: Array<[string, string]> = [
    ...(database.seedSqlFile === undefined ? [] : [['fixtures.database.seedSql', database.seedSqlFile] as [string, string]]),
    ...Object.entries(database.seedSqlFiles).map(([service, file]): [string, string] => [`fixtures.database.seedSql.${service}`, file]),
  ];
  for (const [field, file] of files) {
    try {
      await access(file, constants.R_OK);
    } catch (cause) {
      throw new ConfigError(`Cannot read \`${field}\` of ${scenario.file} (${file}): ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}. Paths are relative to the scenario file.`, { cause });
    }
  }
  return scenario;
}

function compileInclude(pattern: string, field: string, file: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (cause) {
    throw new ConfigError(`Expected \`${field}\` in ${file} to be a regular expression, got \`${pattern}\`: ${(cause as Error).message}.`, { cause });
  }
}

/** Validates every scenario named (or all in `dir`), before any process starts. */
export async function loadScenarios(dir: string, requested: readonly string[], options: { quick: boolean; availableCpus: number }): Promise<ResolvedScenario[]> {
  const builtIn: ResolvedScenario[] = [];
  // Built-in scenarios are read only when some are asked for by name (or all are): a broken file
  // there must not block running your own scenario file.
  if (requested.length === 0 || requested.some((entry) => !/\.ya?ml$/.test(entry))) {
    const files = (await readdir(dir)).filter(isScenarioFile).sort().map((file) => path.join(dir, file));
    for (const file of files) builtIn.push(await checkSeedFiles(await withReplays(resolveScenario(await readYamlFile(file), path.relative(process.cwd(), file), options))));
  }
  if (requested.length === 0) return builtIn;
  const chosen: ResolvedScenario[] = [];
  for (const entry of requested) {
    if (/\.ya?ml$/.test(entry)) {
      chosen.push(await checkSeedFiles(await withReplays(resolveScenario(await readYamlFile(entry), entry, options))));
      continue;
    }
    const scenario = builtIn.find((candidate) => candidate.name === entry);
    if (scenario === undefined) throw new ConfigError(`Unknown scenario \`${entry}\`. Known scenarios: ${builtIn.map((s) => s.name).join(', ')}; or pass a path to a .yaml file.`);
    chosen.push(scenario);
  }
  const names = chosen.map((scenario) => scenario.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new ConfigError(`Scenario \`${duplicate}\` is named twice. Give each scenario file a distinct \`name\`.`);
  return chosen;
}
