/**
 * The schema of a results document as read back (`report`, `gate`): every field that stats/,
 * claims/, gate/ and report/ read is checked, so a hand-edited or truncated file gets an error
 * naming the field (exit 2) instead of a crash later. Unknown keys are allowed (a newer minor
 * writer may add fields). A compile-time check below keeps it in step with document.ts: every
 * document this version writes satisfies it. Pure.
 */
import { z } from 'zod';
import { READABLE_SCHEMA_VERSIONS, type BuildRecord, type CapacityProbe, type ResultsDocument, type RunRecord } from './document.js';

const count = z.number().int().min(0);
const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const optionalNumber = finite.optional().nullable().transform((value) => value ?? undefined);

const latencySummary = z.object({
  count,
  minUs: finite,
  meanUs: finite,
  p50Us: finite,
  p90Us: finite,
  p99Us: finite,
  p999Us: finite,
  maxUs: finite,
});

const finding = z.object({
  code: z.string(),
  text: z.string(),
  next: z.string(),
  concerns: z.array(z.string()),
});

const validity = z.object({
  valid: z.boolean(),
  reasons: z.array(finding),
  warnings: z.array(finding),
  bottleneck: z.enum(['service', 'load-engine', 'engine-connections', 'neither']),
  lowerBoundRps: optionalNumber,
});

const counts = z.object({
  responses: count,
  expectedStatus: count,
  non2xx: count,
  unexpectedStatus: count,
  errors: count,
  timeouts: count,
  mismatches: count,
  verified: count,
  dropped: count,
  statusCounts: z.record(z.string(), count),
});

const loadOutcome = z.object({
  method: z.string(),
  engine: z.object({ name: z.enum(['native', 'pacer', 'autocannon']), version: z.string() }),
  threads: z.number().int().positive(),
  model: z.enum(['open', 'closed']),
  connections: z.number().int().positive(),
  offeredRps: optionalNumber,
  plannedInWindow: optionalNumber,
  windowSeconds: finite,
  counts,
  achievedRps: finite,
  latencyUs: latencySummary.optional().nullable(),
  latencyHistogram: z.string().optional().nullable(),
  uncorrectedLatencyUs: latencySummary.optional().nullable(),
  perSecond: z.array(z.object({ second: count, count, p50Us: finite, p99Us: finite, maxUs: finite })),
  sendLagP90Us: optionalNumber,
  sendLagP99Us: optionalNumber,
  connectionWaits: optionalNumber,
  connectionWaitP99Us: optionalNumber,
  eventLoopDelayP99Us: optionalNumber,
  firstError: z.string().optional().nullable(),
  addresses: z.array(z.string()).optional(),
  worker: z.object({ index: count, count: z.number().int().positive() }).optional().nullable(),
  startLatenessUs: optionalNumber,
});

/** The outcome a load engine reports (the native engine's JSON is checked with it too). */
export const loadOutcomeSchema = loadOutcome;

const resourcePoint = z.object({ tMs: finite, cpuCores: optionalNumber, rssBytes: optionalNumber, pssBytes: finite.optional(), workingSetBytes: finite.optional() });

const workerRecord = z.object({
  index: count,
  name: z.string().optional().nullable().transform((value) => value ?? undefined),
  node: z.string().optional().nullable().transform((value) => value ?? undefined),
  state: z.enum(['done', 'not-ready', 'failed']),
  valid: z.boolean(),
  clockOffsetMs: optionalNumber,
  clockUncertaintyMs: optionalNumber,
  startLatenessMs: optionalNumber,
  startDeviationMs: optionalNumber,
  plannedInWindow: optionalNumber,
  expectedPlannedInWindow: optionalNumber,
  achievedRps: optionalNumber,
  sendLagP90Us: optionalNumber,
  sendLagP99Us: optionalNumber,
  connectionWaits: optionalNumber,
  problems: z.array(z.string()),
});

const workersRecord = z.object({
  platform: z.enum(['kubernetes', 'local']),
  namespace: z.string().optional().nullable().transform((value) => value ?? undefined),
  job: z.string().optional().nullable().transform((value) => value ?? undefined),
  count: z.number().int().positive(),
  threadsPerWorker: z.number().int().positive(),
  startAtEpochMs: finite,
  readyMs: finite,
  maxStartSkewMs: finite,
  startSpreadMs: optionalNumber,
  workers: z.array(workerRecord),
});

const run = z.object({
  id: z.string(),
  scenario: z.string(),
  service: z.string(),
  language: z.string(),
  repetition: z.number().int().positive(),
  rateIndex: count,
  orderInRound: z.number().int().positive().optional(),
  capacityFraction: optionalNumber,
  startedAt: z.string(),
  windowEpochMs: z.object({ start: finite, end: finite }).optional(),
  validity,
  load: loadOutcome,
  measured: z.object({
    // Documents of 0.2.0 before remote targets measured everything from /proc.
    measuredBy: z.enum(['proc', 'prometheus', 'none']).default('proc'),
    targetUrl: z.string().optional(),
    prometheus: z
      .object({
        source: z.enum(['cadvisor', 'process-exporter', 'custom']),
        prometheusUrl: z.string(),
        startEpochSeconds: finite,
        endEpochSeconds: finite,
        queries: z.object({ cpuMean: z.string(), cpuSeries: z.string(), memory: z.string(), rss: z.string().optional().nullable().transform((value) => value ?? undefined) }),
        memoryKind: z.enum(['pss', 'rss', 'working-set']),
        stepSeconds: finite,
        rateWindowSeconds: finite,
        scrapeIntervalSeconds: finite,
        scrapeIntervalFrom: z.enum(['config', 'samples']),
        seriesCount: optionalNumber,
        pointCount: count,
        clockOffsetSeconds: finite,
        waitedMs: finite,
        warnings: z.array(z.string()),
      })
      .optional(),
    pid: count.optional().nullable().transform((value) => value ?? undefined),
    cpuList: z.string().optional().nullable(),
    cpus: z.number().positive().optional().nullable().transform((value) => value ?? undefined),
    workers: z.number().int().positive().optional().nullable().transform((value) => value ?? undefined),
    startupMs: optionalNumber,
    cpuCores: optionalNumber,
    cpuUsPerRequest: optionalNumber,
    idleRssBytes: optionalNumber,
    idlePssBytes: optionalNumber,
    peakRssBytes: optionalNumber,
    peakPssBytes: optionalNumber,
    peakWorkingSetBytes: finite.optional(),
    vmHwmBytesSum: optionalNumber,
    processCount: count.optional().nullable().transform((value) => value ?? undefined),
    cpuWaitShare: optionalNumber,
    otherLoadShare: optionalNumber,
    interruptShare: finite.optional(),
    series: z.array(resourcePoint),
    runtime: z.unknown().optional(),
  }),
  generator: z.object({ pid: count, cpuList: z.string().optional().nullable(), cpus: z.number().int().positive(), cpuCores: finite, cpuWaitShare: optionalNumber, otherLoadShare: optionalNumber, interruptShare: finite.optional(), workerThreads: z.object({ threads: count, busiestShare: finite, meanShare: finite }).optional() }),
  upstream: z.object({ cpuCores: finite }).optional().nullable(),
  database: z.object({ kind: z.literal('postgres'), pid: count, cpuList: z.string().optional().nullable(), cpuCores: finite, rssBytes: finite, pssBytes: finite }).optional().nullable(),
  stealShare: optionalNumber,
  workers: workersRecord.optional(),
});

const buildTiming = z.object({
  kind: z.enum(['clean', 'incremental']),
  seconds: finite,
  lastStepSeconds: finite,
  trigger: z.enum(['edit', 'touch', 'sources']).optional(),
  steps: z.array(z.object({ argv: z.array(z.string()), seconds: finite })),
  at: z.string(),
});

const buildCommon = {
  service: z.string(),
  language: z.string(),
  linesOfCode: z.object({ total: count, byLanguage: z.record(z.string(), count), files: count }),
  artifactBytes: optionalNumber,
  artifactKind: z.enum(['file', 'directory']).optional().nullable(),
  lastClean: buildTiming.optional().nullable(),
  lastIncremental: buildTiming.optional().nullable(),
};

const build = z.discriminatedUnion('state', [
  z.object({ ...buildCommon, state: z.literal('built'), build: buildTiming }),
  z.object({ ...buildCommon, state: z.literal('up-to-date') }),
  z.object({ ...buildCommon, state: z.literal('skipped'), reason: z.string() }),
  z.object({ ...buildCommon, state: z.literal('failed'), reason: z.string(), logTail: z.string(), logFile: z.string() }),
]);

const probe = z.object({
  scenario: z.string(),
  service: z.string(),
  capacityRps: finite,
  valid: z.boolean(),
  note: z.string(),
  validity: validity.optional().nullable(),
  ratesFrom: z.string().optional(),
  state: z.enum(['measured', 'lower-bound', 'invalid']).optional(),
  closedLoop: z.array(z.object({ connections: count, achievedRps: finite, cpuUsPerRequest: optionalNumber, bottleneck: z.enum(['service', 'load-engine', 'engine-connections', 'neither']) })).optional(),
  openCheck: z.object({ offeredRps: finite, achievedRps: finite, cpuUsPerRequest: optionalNumber, longestAnswerUs: optionalNumber, reasons: z.array(z.string()) }).optional(),
  connections: count.optional(),
});

export const resultsSchema = z.object({
  schemaVersion: z.number().refine((version) => READABLE_SCHEMA_VERSIONS.includes(version), { message: `expected one of ${READABLE_SCHEMA_VERSIONS.join(', ')}` }),
  tool: z.object({ name: z.literal('rewrite-bench'), version: z.string() }),
  state: z.enum(['running', 'complete', 'interrupted', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().optional().nullable(),
  environment: z.object({ hostname: z.string(), gitCommit: z.string().optional().nullable() }).loose(),
  cpuPlan: z
    .object({ serviceCpus: z.string(), loadCpus: z.string(), choice: z.object({ by: z.enum(['device-interrupts', 'lowest-numbers', 'remote']), interruptsByCpu: z.record(z.string(), z.number()).optional(), reason: z.string() }).optional() })
    .optional()
    .nullable(),
  harnessNiced: z.boolean(),
  scenarios: z.array(z.unknown()),
  builds: z.array(build),
  capacity: z.array(probe),
  runs: z.array(run),
  failures: z.array(z.object({ scenario: z.string().optional().nullable(), service: z.string().optional().nullable(), kind: z.enum(['non-conforming', 'infrastructure']).optional(), message: z.string() })),
  services: z.record(z.string(), z.object({ language: z.string(), description: z.string(), runtime: z.unknown().optional() })),
  claims: z.unknown().optional(),
  equivalence: z.array(z.unknown()).optional(),
  microbenchmarks: z.array(z.object({ service: z.string(), command: z.array(z.string()), metrics: z.record(z.string(), z.array(finite)), seconds: finite })).optional(),
  adaptive: z.array(z.object({ scenario: z.string(), repetitions: z.number().int().positive(), seconds: finite, stopped: z.enum(['decided', 'not-needed', 'budget', 'max-repetitions', 'saturated']), open: z.array(z.string()).optional(), saturated: z.array(z.string()).optional() })).optional(),
});

// Every document this version writes satisfies the schema (compile-time): a field added to
// document.ts with a type the schema rejects fails `tsc` here.
type Mutable<T> = T extends readonly (infer U)[] ? Array<Mutable<U>> : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Accepts<Schema extends z.ZodType, Value> = Mutable<Value> extends z.input<Schema> ? true : false;
const writesConform: [Accepts<typeof run, RunRecord>, Accepts<typeof build, BuildRecord>, Accepts<typeof probe, CapacityProbe>, Accepts<typeof resultsSchema, ResultsDocument>] = [true, true, true, true];
void writesConform;
