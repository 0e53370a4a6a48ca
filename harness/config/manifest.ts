/**
 * The service manifest (`services/<name>/service.yaml`): schema and validation into a frozen
 * ResolvedManifest. Pure: callers pass the parsed YAML and the file's path.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { remoteMetricsSchema } from '../remote/schema.js';
import { formatZodIssues } from './zod-message.js';

const argv = z.array(z.string().min(1)).min(1);
const relativePath = z
  .string()
  .min(1)
  .refine((value) => !path.isAbsolute(value), { message: 'expected a path relative to the service folder' });

/** A remote target's base URL: the origin only (requests' paths are appended to it). */
const targetUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return ['http:', 'https:'].includes(url.protocol) && (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  },
  { message: 'expected the service\'s base URL, http://host:port with no path, query or credentials, e.g. http://api.shop.svc:8080' },
);

/**
 * A service the harness does not start: it is never built, started or stopped; readiness is
 * checked at `url` + `ready`, and its CPU and memory come from `metrics` (Prometheus), or are
 * not measured without it. Load goes only to this URL, which the user wrote out.
 */
const targetSchema = z.strictObject({
  url: targetUrl,
  /**
   * `https://` only: `caFile`, PEM certificates of the CAs that signed the target's certificate
   * (a private or cluster CA, a self-signed server), trusted beside the system's bundle; a path
   * relative to the service folder, or absolute.
   */
  tls: z.strictObject({ caFile: z.string().min(1).optional() }).optional(),
  /** CPUs the target may use (its Kubernetes CPU limit, its VM's cores): lets the harness tell a saturated service from a saturated load engine. */
  cpus: z.number().positive().max(1024).optional(),
  metrics: remoteMetricsSchema.optional(),
});

/** Fields that describe how the harness builds and starts a local service; a remote target has none of them. */
const LOCAL_ONLY = ['build', 'clean', 'start', 'env', 'artifact', 'incremental', 'microbenchmark'] as const;

const manifestFields = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/),
  language: z.string().min(1).max(40),
  description: z.string().min(1).max(400),
  build: z.array(argv).default([]),
  /** Steps that remove build outputs, so that `build --timings` can time a clean build. */
  clean: z.array(argv).default([]),
  /** The command that starts the service (argv, run in its folder); or `target` for one the harness does not start. */
  start: argv.optional(),
  target: targetSchema.optional(),
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

export const manifestSchema = manifestFields.superRefine(
  (value, ctx) => {
    if (value.target === undefined && value.start === undefined) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'give `start` (the command that starts the service) or `target: {url: …}` (a service running elsewhere that the harness does not start)' });
    }
    if (value.target === undefined) return;
    if (value.target.tls !== undefined && !value.target.url.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['target', 'tls'], message: '`target.tls` applies to an https:// `target.url` only: remove it, or use https://' });
    }
    for (const key of LOCAL_ONLY) {
      const given = value[key];
      const isSet = Array.isArray(given) ? given.length > 0 : typeof given === 'object' && given !== null ? Object.keys(given).length > 0 : given !== undefined;
      if (isSet) ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` does not apply to a remote \`target\` (the harness never builds or starts it); remove it, or remove \`target\` to run the service here` });
    }
  },
  // Also beside other problems (all of a file's problems are reported at once); the checks above read only what is there.
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
);

/**
 * A validated manifest with its folder. Frozen; later code relies on every field being checked:
 * exactly one of `start` and `target` is set, and a target has no build, start or env fields.
 */
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
  manifestJson ??= z.toJSONSchema(manifestFields, { io: 'input', target: 'draft-2020-12' });
  return manifestJson;
}
