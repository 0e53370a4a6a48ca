/**
 * Finds and validates scenario files: names resolve to scenarios/<file>.yaml by their `name`
 * field, paths are read as given; with none, every scenario of scenarios/ runs (the default
 * suite), in file-name order. Files named claims*.yaml hold claims, not scenarios. I/O.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { resolveScenario, type ResolvedScenario } from './scenario.js';
import { readYamlFile } from './yaml-file.js';

const isScenarioFile = (file: string): boolean => /\.ya?ml$/.test(file) && !file.startsWith('claims') && !file.startsWith('_');

/** Validates every scenario named (or all in `dir`), before any process starts. */
export async function loadScenarios(dir: string, requested: readonly string[], options: { quick: boolean; availableCpus: number }): Promise<ResolvedScenario[]> {
  const builtIn: ResolvedScenario[] = [];
  // Built-in scenarios are read only when some are asked for by name (or all are): a broken file
  // there must not block running your own scenario file.
  if (requested.length === 0 || requested.some((entry) => !/\.ya?ml$/.test(entry))) {
    const files = (await readdir(dir)).filter(isScenarioFile).sort().map((file) => path.join(dir, file));
    for (const file of files) builtIn.push(resolveScenario(await readYamlFile(file), path.relative(process.cwd(), file), options));
  }
  if (requested.length === 0) return builtIn;
  const chosen: ResolvedScenario[] = [];
  for (const entry of requested) {
    if (/\.ya?ml$/.test(entry)) {
      chosen.push(resolveScenario(await readYamlFile(entry), entry, options));
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
