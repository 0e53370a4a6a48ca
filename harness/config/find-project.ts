/**
 * Finds the project file from the working directory upward (as tsconfig.json or vitest configs
 * are found) and reads it. I/O.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { PROJECT_FILE, resolveProject, type ResolvedProject } from './project.js';
import { readYamlFile } from './yaml-file.js';

/** The nearest rewrite-bench.yaml at or above `from`, or undefined. */
export function findProjectFile(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, PROJECT_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Reads the project: `--project FILE` when given, else the nearest rewrite-bench.yaml upward.
 * @throws ConfigError when there is none, saying how to make one
 */
export async function loadProject(explicit: string | undefined, cwd = process.cwd()): Promise<ResolvedProject> {
  const file = explicit === undefined ? findProjectFile(cwd) : path.resolve(cwd, explicit);
  if (file === undefined) {
    throw new ConfigError(`No ${PROJECT_FILE} found in ${cwd} or any folder above it. Run \`rewrite-bench init\` here to write a starter project (a project file, a scenario, a claims file and two example services), or pass --project FILE.`);
  }
  if (!existsSync(file)) throw new ConfigError(`Cannot read project file ${file}: no such file.`);
  return resolveProject(await readYamlFile(file), file);
}
