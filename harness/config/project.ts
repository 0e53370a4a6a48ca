/**
 * The project file (`rewrite-bench.yaml` at the root of the repository whose services are
 * measured): where the service folders, the scenarios, the claims and the outputs are, every path
 * relative to the file itself. Validated into a frozen ResolvedProject that every command
 * receives; nothing below the commands looks up a folder on its own. This repository's own
 * rewrite-bench.yaml makes the built-in suite one project among others. Pure.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatZodIssues } from './zod-message.js';

export const PROJECT_FILE = 'rewrite-bench.yaml';

const relativePath = z
  .string()
  .min(1)
  .refine((value) => !path.isAbsolute(value), { message: 'expected a path relative to the project file' });

export const projectSchema = z.strictObject({
  /** Folders holding one service per subfolder (`<folder>/<name>/service.yaml`). */
  services: z.array(relativePath).min(1).default(['services']),
  /** The folder of scenario files (`*.yaml`; `claims*.yaml` and `_*.yaml` are not scenarios). */
  scenarios: relativePath.default('scenarios'),
  /** The claims `run` evaluates with the default suite (optional). */
  claims: relativePath.optional(),
  /** Where each run writes its folder (`<out>/<date-time>/`). */
  out: relativePath.default('reports/runs'),
  /** Scenarios run when none is named (default: every scenario of the folder). */
  suite: z.array(z.string().min(1)).min(1).optional(),
});

/** A validated project: absolute paths. Frozen; later code relies on every field being checked. */
export interface ResolvedProject {
  /** The project file, and its folder (the root every path is relative to). */
  readonly file: string;
  readonly root: string;
  readonly serviceDirs: readonly string[];
  readonly scenariosDir: string;
  readonly claimsFile: string | undefined;
  readonly outDir: string;
  readonly suite: readonly string[] | undefined;
}

/**
 * Validates a parsed project file.
 * @param file its absolute path
 * @throws ConfigError naming every problem: the field, what was expected and what was found
 */
export function resolveProject(data: unknown, file: string): ResolvedProject {
  const parsed = projectSchema.safeParse(data ?? {});
  if (!parsed.success) throw new ConfigError(formatZodIssues(file, parsed.error.issues, data, projectJsonSchema()));
  const root = path.dirname(file);
  const at = (relative: string): string => path.resolve(root, relative);
  return Object.freeze({
    file,
    root,
    serviceDirs: Object.freeze(parsed.data.services.map(at)),
    scenariosDir: at(parsed.data.scenarios),
    claimsFile: parsed.data.claims === undefined ? undefined : at(parsed.data.claims),
    outDir: at(parsed.data.out),
    suite: parsed.data.suite,
  });
}

/** The JSON Schema of project files, for editors. */
export function projectJsonSchema(): unknown {
  return z.toJSONSchema(projectSchema, { io: 'input', target: 'draft-2020-12' });
}
