/**
 * The `metrics:` block of a remote target (`target: { url, metrics }` in a service manifest):
 * where its CPU and memory come from. A zod schema to embed, and validation into a frozen
 * ResolvedRemoteMetrics. Pure.
 *
 * ```yaml
 * metrics:                                  # Kubernetes, kubelet/cAdvisor metrics
 *   prometheus: http://prometheus.monitoring:9090
 *   preset: cadvisor
 *   namespace: shop
 *   pod: api-.*                             # a regular expression; or `container: api`
 *
 * metrics:                                  # a VM with process-exporter
 *   prometheus: https://prom.example.com
 *   preset: process-exporter
 *   groupname: api
 *
 * metrics:                                  # your own queries
 *   prometheus: http://127.0.0.1:9090
 *   cpu: sum(rate(my_cpu_seconds_total{job="api"}[$window]))
 *   memory: sum(my_resident_bytes{job="api"})
 *   memoryKind: rss
 *   selector: my_cpu_seconds_total{job="api"}   # or scrapeIntervalSeconds: 15
 * ```
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatZodIssues } from '../config/zod-message.js';
import { cadvisorQueries, processExporterQueries, WINDOW_PLACEHOLDER, type MetricsSource, type QueryTemplates } from './promql.js';

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const promql = z.string().min(1).max(4000);

/** Names of the environment variables holding credentials: the values never reach a file. */
const authSchema = z.union([
  z.strictObject({ tokenEnv: envName }),
  z.strictObject({ userEnv: envName, passwordEnv: envName }),
]);

const isHttpUrl = (value: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

const prometheusUrl = z
  .string()
  .refine(isHttpUrl, { message: 'expected an http:// or https:// URL, the server\'s base URL such as http://prometheus:9090', abort: true })
  .refine((value) => { const url = new URL(value); return url.username === '' && url.password === ''; }, {
    message: 'credentials do not belong in the URL (it is written to results.json): set PROMETHEUS_TOKEN, or PROMETHEUS_USER and PROMETHEUS_PASSWORD, in the environment',
  })
  .refine((value) => { const url = new URL(value); return url.search === '' && url.hash === ''; }, { message: 'expected the server\'s base URL without a query or fragment, e.g. http://prometheus:9090' });

const isRegex = (value: string): boolean => {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
};

const fields = z.strictObject({
  /** Base URL of the Prometheus HTTP API (the part before /api/v1), e.g. http://prometheus:9090. */
  prometheus: prometheusUrl,
  preset: z.enum(['cadvisor', 'process-exporter']).optional(),
  // cadvisor
  namespace: z.string().min(1).max(253).optional(),
  pod: z.string().min(1).max(400).refine(isRegex, { message: 'expected a regular expression (RE2), e.g. `api-.*`' }).optional(),
  container: z.string().min(1).max(253).optional(),
  // process-exporter
  groupname: z.string().min(1).max(400).optional(),
  memtype: z.enum(['proportionalResident', 'resident']).optional(),
  /** Extra exact label matchers for a preset's queries. */
  labels: z.record(labelName, z.string()).optional(),
  // custom queries (or overrides of a preset's)
  cpu: promql.optional(),
  memory: promql.optional(),
  memoryKind: z.enum(['pss', 'rss', 'working-set']).optional(),
  /** A raw series selector (custom queries): scrape interval, freshness and series count come from its samples. */
  selector: promql.optional(),
  /** Prometheus' scrape interval for the target; measured from the selector's samples when absent. */
  scrapeIntervalSeconds: z.number().positive().max(3600).optional(),
  auth: authSchema.optional(),
  /** Per HTTP request to Prometheus. */
  timeoutMs: z.number().int().positive().max(300_000).optional(),
});

type Fields = z.infer<typeof fields>;

const PRESET_KEYS = {
  cadvisor: ['namespace', 'pod', 'container', 'labels'],
  'process-exporter': ['groupname', 'memtype', 'labels'],
} as const;
const PRESET_ONLY = ['namespace', 'pod', 'container', 'groupname', 'memtype', 'labels'] as const;

/** How requests authenticate: environment variable names only. */
export type ResolvedAuth =
  | { readonly kind: 'default' }
  | { readonly kind: 'bearer'; readonly tokenEnv: string }
  | { readonly kind: 'basic'; readonly userEnv: string; readonly passwordEnv: string };

/** A validated `metrics:` block. Frozen; measure.ts relies on every rule below having been checked. */
export interface ResolvedRemoteMetrics {
  readonly prometheusUrl: string;
  readonly source: MetricsSource;
  readonly templates: QueryTemplates;
  /** From the config; when undefined, measured from the selector's samples (then `templates.selector` is set). */
  readonly scrapeIntervalSeconds: number | undefined;
  readonly auth: ResolvedAuth;
  readonly timeoutMs: number;
}

/** Default timeout of one HTTP request to Prometheus. */
export const DEFAULT_TIMEOUT_MS = 10_000;

function check(value: Fields, ctx: z.core.$RefinementCtx<Fields>): void {
  const issue = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
  if (value.preset !== undefined) {
    const allowed: readonly string[] = PRESET_KEYS[value.preset];
    for (const key of PRESET_ONLY) if (value[key] !== undefined && !allowed.includes(key)) issue(key, `\`${key}\` does not apply to the \`${value.preset}\` preset; remove it`);
    for (const key of Object.keys(value.labels ?? {})) {
      if (['namespace', 'pod', 'container', 'groupname', 'memtype', '__name__'].includes(key)) issue('labels', `\`labels.${key}\` would clash with the preset's own matcher; use the \`${key}\` field instead`);
    }
  }
  if (value.preset === 'cadvisor') {
    if (value.namespace === undefined) issue('namespace', 'the `cadvisor` preset needs the Kubernetes `namespace` of the service');
    if (value.pod === undefined && value.container === undefined) issue('pod', 'the `cadvisor` preset needs `pod` (a regular expression, e.g. `api-.*`) or `container` (an exact name), or both');
  }
  if (value.preset === 'process-exporter' && value.groupname === undefined) issue('groupname', 'the `process-exporter` preset needs the `groupname` process-exporter gives the service (its config\'s `process_names[].name`)');
  if (value.preset === undefined) {
    for (const key of PRESET_ONLY) if (value[key] !== undefined) issue(key, `\`${key}\` belongs to a preset: add \`preset: cadvisor\` or \`preset: process-exporter\`, or remove it`);
    if (value.cpu === undefined) issue('cpu', `without a \`preset\`, give \`cpu\`: a query for cores with \`${WINDOW_PLACEHOLDER}\` as its rate window, e.g. \`sum(rate(process_cpu_seconds_total{job="api"}[${WINDOW_PLACEHOLDER}]))\``);
    if (value.memory === undefined) issue('memory', 'without a `preset`, give `memory`: a query for bytes, e.g. `sum(process_resident_memory_bytes{job="api"})`');
    if (value.selector === undefined && value.scrapeIntervalSeconds === undefined) issue('scrapeIntervalSeconds', 'without a `preset`, give `selector` (the raw series your cpu query reads) or `scrapeIntervalSeconds`');
  }
  if (value.cpu !== undefined && !value.cpu.includes(WINDOW_PLACEHOLDER)) issue('cpu', `the cpu query must contain \`${WINDOW_PLACEHOLDER}\` where its rate window goes, e.g. \`sum(rate(x_cpu_seconds_total[${WINDOW_PLACEHOLDER}]))\`: the harness sets it from the window and the scrape interval`);
  if (value.memory !== undefined && value.memoryKind === undefined) issue('memoryKind', 'a custom `memory` query needs `memoryKind`: `pss`, `rss` or `working-set`');
  if (value.selector !== undefined && /^\s*[a-z_]+\s*\(/i.test(value.selector)) issue('selector', 'expected a raw series selector such as `my_cpu_seconds_total{job="api"}`, not a function call');
}

function resolve(value: Fields): ResolvedRemoteMetrics {
  // check() has guaranteed the fields each branch reads.
  const preset: QueryTemplates | undefined =
    value.preset === 'cadvisor'
      ? cadvisorQueries({ namespace: value.namespace!, pod: value.pod, container: value.container, labels: value.labels ?? {} })
      : value.preset === 'process-exporter'
        ? processExporterQueries({ groupname: value.groupname!, memtype: value.memtype ?? 'proportionalResident', labels: value.labels ?? {} })
        : undefined;
  const templates: QueryTemplates = {
    cpu: value.cpu ?? preset!.cpu,
    memory: value.memory ?? preset!.memory,
    memoryKind: value.memory === undefined ? preset!.memoryKind : value.memoryKind!,
    rss: value.memory === undefined ? preset?.rss : undefined,
    selector: value.selector ?? preset?.selector,
  };
  const auth: ResolvedAuth =
    value.auth === undefined ? { kind: 'default' } : 'tokenEnv' in value.auth ? { kind: 'bearer', tokenEnv: value.auth.tokenEnv } : { kind: 'basic', userEnv: value.auth.userEnv, passwordEnv: value.auth.passwordEnv };
  return Object.freeze({
    prometheusUrl: value.prometheus,
    source: value.preset ?? 'custom',
    templates: Object.freeze(templates),
    scrapeIntervalSeconds: value.scrapeIntervalSeconds,
    auth: Object.freeze(auth),
    timeoutMs: value.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * The `metrics:` block's schema, to embed under `target: { url, metrics }` in the manifest
 * schema; it parses into a frozen ResolvedRemoteMetrics. Unknown keys are rejected; rules that
 * span fields (a preset's required selectors) are custom issues on the field concerned.
 */
export const remoteMetricsSchema = fields.superRefine(check).transform(resolve);

/**
 * Validates a parsed `metrics:` block on its own.
 * @param file the file it came from, for messages
 * @throws ConfigError naming the file, the field, what was expected and what was found.
 */
export function resolveRemoteMetrics(data: unknown, file: string): ResolvedRemoteMetrics {
  const parsed = remoteMetricsSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatZodIssues(file, parsed.error.issues, data, remoteMetricsJsonSchema()));
  return parsed.data;
}

let jsonSchema: unknown;
/** The JSON Schema of the block (for "Did you mean" on unknown keys). */
export function remoteMetricsJsonSchema(): unknown {
  jsonSchema ??= z.toJSONSchema(remoteMetricsSchema, { io: 'input', target: 'draft-2020-12' });
  return jsonSchema;
}
