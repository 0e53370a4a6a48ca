/**
 * The service manifest (`services/<name>/service.yaml`): schema and validation into a frozen
 * ResolvedManifest. Pure: callers pass the parsed YAML and the file's path.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatZodIssues } from './zod-message.js';


const argv = z.array(z.string().min(1)).min(1);
const relativePath = z
  .string()
  .min(1)
  .refine((value) => !path.isAbsolute(value), { message: 'expected a path relative to the service folder' });

export const manifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/),
  language: z.string().min(1).max(40),
  description: z.string().min(1).max(400),
  build: z.array(argv).default([]),
  /** Steps that remove build outputs, so that `build --timings` can time a clean build. */
  clean: z.array(argv).default([]),
  start: argv,
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  ready: z.string().startsWith('/').default('/health'),
  /** Workloads it serves, any names (a scenario's `workload` selects the services that implement it). */
  implements: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/)).default([]),
  artifact: relativePath.optional(),
  sources: z.array(relativePath).min(1).default(['.']),
  incremental: relativePath.optional(),
  /**
   * An in-process micro-benchmark: an argv run in this folder, pinned to the service's CPU, that
   * prints `{"metrics": {"<name>": [value per run, ...]}}`; claims may refer to `service.<name>`.
   */
  microbenchmark: z.strictObject({ command: argv, metrics: z.array(z.string().regex(/^[a-z][A-Za-z0-9]*$/)).min(1) }).optional(),
});

/** A validated manifest with its folder. Frozen; later code relies on every field being checked. */
export type ResolvedManifest = Readonly<z.infer<typeof manifestSchema>> & {
  /** Absolute folder holding service.yaml; build and start run here. */
  readonly dir: string;
  /** The manifest file, for messages. */
  readonly file: string;
};

/**
 * Validates one parsed service.yaml.
 * @throws ConfigError naming the file, the field, what was expected and what was found.
 */
export function resolveManifest(data: unknown, file: string): ResolvedManifest {
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatZodIssues(file, parsed.error.issues, data, manifestJsonSchema()));
  return Object.freeze({ ...parsed.data, dir: path.dirname(path.resolve(file)), file });
}

let manifestJson: unknown;
/** The JSON Schema of service manifests (for "Did you mean" on unknown keys). */
export function manifestJsonSchema(): unknown {
  manifestJson ??= z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-2020-12' });
  return manifestJson;
}
