/**
 * The results document (`DIR/results.json`, documented in docs/results.md): the shared data
 * shapes of a run — runs, builds, probes, failures, the environment. Types only, so that stats/,
 * claims/, gate/ and report/ read results without importing the I/O that writes them. Pure.
 */
import type { CapacityEstimate, ClaimResult, ClaimsPlan } from './claims.js';
import type { LoadOutcome } from '../load/outcome.js';
import type { Bottleneck, Validity } from './validity.js';

/** The version this tool writes: 3 added `orderInRound` and the claims' sequential plan and tests. */
export const RESULTS_SCHEMA_VERSION = 3;
/** Versions `report` and `gate` read (version 2's claims were decided by per-service intervals; their stored verdicts are shown as they are). */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [2, 3];

/** Lines of code per language and in total. */
export interface LinesOfCode {
  readonly total: number;
  readonly byLanguage: Readonly<Record<string, number>>;
  readonly files: number;
}

/** Timing of one build step. */
export interface StepTiming {
  readonly argv: readonly string[];
  readonly seconds: number;
}

/** One timed build of a service. */
export interface BuildTiming {
  readonly kind: 'clean' | 'incremental';
  /** Wall time of all steps. */
  readonly seconds: number;
  /** Wall time of the last step (the compile for cargo/go; package install for Python). */
  readonly lastStepSeconds: number;
  /**
   * What provoked an incremental build: `edit` (a comment line appended to the `incremental`
   * file, then removed), `touch` (its mtime only: the comment syntax is unknown) or `sources`
   * (the sources changed since the last build). Absent in records of older versions (touch).
   */
  readonly trigger?: 'edit' | 'touch' | 'sources';
  readonly steps: readonly StepTiming[];
  /** ISO time the build finished. */
  readonly at: string;
}

/** What `build` did for one service. */
export type BuildRecord = {
  readonly service: string;
  readonly language: string;
  readonly linesOfCode: LinesOfCode;
  readonly artifactBytes: number | undefined;
  readonly artifactKind: 'file' | 'directory' | undefined;
  /** The most recent clean and incremental builds on this machine (this one or earlier). */
  readonly lastClean: BuildTiming | undefined;
  readonly lastIncremental: BuildTiming | undefined;
} & (
  | { readonly state: 'built'; readonly build: BuildTiming }
  | { readonly state: 'up-to-date' }
  | { readonly state: 'skipped'; readonly reason: string }
  | { readonly state: 'failed'; readonly reason: string; readonly logTail: string; readonly logFile: string }
);

/** The machine a run was measured on. */
export interface Environment {
  readonly hostname: string;
  readonly cpuModel: string;
  readonly logicalCpus: number;
  /** CPUs this process may run on (Cpus_allowed_list). */
  readonly allowedCpus: string;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly cgroup: 'v1' | 'v2' | 'unknown';
  readonly versions: Readonly<Record<string, string>>;
  readonly gitCommit: string | undefined;
  readonly gitDirty: boolean | undefined;
  readonly command: string;
  readonly clockTicksPerSecond: number;
  readonly pageBytes: number;
}

/** One point of a run's resource time series. */
export interface ResourcePoint {
  /** ms since the start of the measured window (negative during warm-up). */
  readonly tMs: number;
  /** Undefined where Prometheus had no value (a remote target); /proc points always have one. */
  readonly cpuCores: number | undefined;
  readonly rssBytes: number | undefined;
  readonly pssBytes?: number;
  /** A remote target's cgroup working set (cAdvisor). */
  readonly workingSetBytes?: number;
}

/** Where a run's CPU and memory figures come from. */
export type MeasuredBy = 'proc' | 'prometheus' | 'none';

/** How a remote target's CPU and memory were read from Prometheus over the run's window (remote/measure.ts). */
export interface PrometheusRecord {
  readonly source: 'cadvisor' | 'process-exporter' | 'custom';
  readonly prometheusUrl: string;
  /** The window as sent to Prometheus, epoch seconds of the harness's clock. */
  readonly startEpochSeconds: number;
  readonly endEpochSeconds: number;
  /** The exact query texts sent (the mean cores, the points of cores and memory, and RSS beside PSS). */
  readonly queries: { readonly cpuMean: string; readonly cpuSeries: string; readonly memory: string; readonly rss: string | undefined };
  readonly memoryKind: 'pss' | 'rss' | 'working-set';
  readonly stepSeconds: number;
  readonly rateWindowSeconds: number;
  readonly scrapeIntervalSeconds: number;
  readonly scrapeIntervalFrom: 'config' | 'samples';
  /** Raw series the selector matched over the window; undefined without a selector. */
  readonly seriesCount: number | undefined;
  readonly pointCount: number;
  /** Prometheus' clock minus the harness's, in s. */
  readonly clockOffsetSeconds: number;
  /** From the scrape after the window's end until the figures were read. */
  readonly waitedMs: number;
  readonly warnings: readonly string[];
}

/**
 * The service side of one run. A local service is measured from /proc (`measuredBy: 'proc'`);
 * a remote target from its Prometheus (`'prometheus'`, with `prometheus` saying how), or not at
 * all without a `metrics:` block (`'none'`): then the figures a run cannot have are undefined,
 * never zero.
 */
export interface ServiceMeasurement {
  readonly measuredBy: MeasuredBy;
  /** The URL of a remote target (the harness did not start it). */
  readonly targetUrl?: string;
  readonly prometheus?: PrometheusRecord;
  readonly pid: number | undefined;
  readonly cpuList: string | undefined;
  /** CPUs the service was given (the size of cpuList; a remote target's `target.cpus`). */
  readonly cpus: number | undefined;
  /** WORKERS given to a local service (undefined for a remote target: the harness does not start it). */
  readonly workers: number | undefined;
  /** Spawn to the first 200 on the ready path (undefined for a remote target). */
  readonly startupMs: number | undefined;
  /** Δ(CPU time) of the whole process tree over the window ÷ window wall time (reaped children included). */
  readonly cpuCores: number | undefined;
  /** CPU time of the tree per completed request, in µs. */
  readonly cpuUsPerRequest: number | undefined;
  /** Σ RSS and Σ PSS of the tree after start, before any load. */
  readonly idleRssBytes: number | undefined;
  readonly idlePssBytes: number | undefined;
  /** Peaks over the measured window (RSS every 250 ms, PSS every 2 s plus a final read at the window end). */
  readonly peakRssBytes: number | undefined;
  readonly peakPssBytes: number | undefined;
  /** Peak cgroup working set (cAdvisor's container_memory_working_set_bytes): neither RSS nor PSS. */
  readonly peakWorkingSetBytes?: number;
  /** Σ VmHWM per process at the end: like RSS, double-counts shared pages. */
  readonly vmHwmBytesSum: number | undefined;
  readonly processCount: number | undefined;
  /** Share of the window the service's threads waited, runnable, for a CPU (schedstat; includes its threads waiting for each other). */
  readonly cpuWaitShare: number | undefined;
  /** Share of the service's CPUs' time that ran other processes than the service's (someone else on its CPUs). */
  readonly otherLoadShare: number | undefined;
  /**
   * Share of the service's CPUs' time in the kernel's interrupt work (irq + softirq), charged to no
   * process: on loopback mostly the receive processing of this run's packets. Not in `cpuCores`.
   */
  readonly interruptShare?: number;
  readonly series: readonly ResourcePoint[];
  /** The service's own /debug/runtime after the run (versions, GC counters), if it answers. */
  readonly runtime: unknown;
}

/** The load engine's process during one run. */
export interface GeneratorMeasurement {
  readonly pid: number;
  readonly cpuList: string | undefined;
  /** CPUs the load side had (engine, harness, upstream). */
  readonly cpus: number;
  readonly cpuCores: number;
  /** Share of the window the engine's threads waited, runnable, for a CPU (schedstat). */
  readonly cpuWaitShare: number | undefined;
  /** Share of the load CPUs' time that ran other processes than the engine's, the upstream's and the harness's. */
  readonly otherLoadShare: number | undefined;
  /** Share of the load CPUs' time in the kernel's interrupt work (irq + softirq). */
  readonly interruptShare?: number;
  /**
   * The engine's worker threads over the window: how many, and the busiest's and the mean
   * (CPU time + wait for a CPU) ÷ window (schedstat). A closed loop whose busiest worker is above
   * 0.85 was bound by the engine, however many load CPUs it had. Absent when not read.
   */
  readonly workerThreads?: { readonly threads: number; readonly busiestShare: number; readonly meanShare: number };
}

/** A database server's process tree during one run (it runs on the load CPUs, never the service's). */
export interface DatabaseMeasurement {
  readonly kind: 'postgres';
  readonly pid: number;
  /** Where it was pinned (taskset list); undefined: not pinned. */
  readonly cpuList: string | undefined;
  readonly cpuCores: number;
  /** Σ RSS and Σ PSS of its processes at the window's end. */
  readonly rssBytes: number;
  readonly pssBytes: number;
}

/** One load worker of a run whose load came from several (`load.workers`). */
export interface WorkerRecord {
  readonly index: number;
  /** The pod (or local process) that ran it; undefined when none ever ran. */
  readonly name: string | undefined;
  readonly node: string | undefined;
  /** `done`, `not-ready` (never answered in time) or `failed`. */
  readonly state: 'done' | 'not-ready' | 'failed';
  readonly valid: boolean;
  /** Its clock minus the harness's, ms, within ± clockUncertaintyMs (half the shortest ping round trip). */
  readonly clockOffsetMs: number | undefined;
  readonly clockUncertaintyMs: number | undefined;
  /** How late its engine started the schedule after the agreed instant, by its own clock, ms. */
  readonly startLatenessMs: number | undefined;
  /** Its schedule's start on the harness's clock, ms after the agreed instant (lateness − clock offset). */
  readonly startDeviationMs: number | undefined;
  /** Sends it planned in the window, and its exact share of the schedule (constant arrivals). */
  readonly plannedInWindow: number | undefined;
  readonly expectedPlannedInWindow: number | undefined;
  readonly achievedRps: number | undefined;
  readonly sendLagP90Us: number | undefined;
  readonly sendLagP99Us: number | undefined;
  readonly connectionWaits: number | undefined;
  /** Why it is invalid (each finding's text). */
  readonly problems: readonly string[];
}

/** How the load of a run was split across workers, and what each did. */
export interface WorkersRecord {
  /** `kubernetes` (an Indexed Job) or `local` (the same command as local processes: tests, bench:workers). */
  readonly platform: 'kubernetes' | 'local';
  readonly namespace: string | undefined;
  readonly job: string | undefined;
  readonly count: number;
  /** Engine threads per worker. */
  readonly threadsPerWorker: number;
  /** The instant every worker started its schedule at (epoch ms, each by its own clock). */
  readonly startAtEpochMs: number;
  /** From the launch until the start went out (pods scheduled, images pulled, clocks measured), ms. */
  readonly readyMs: number;
  readonly maxStartSkewMs: number;
  /** Latest minus earliest start on the harness's clock, ms. */
  readonly startSpreadMs: number | undefined;
  readonly workers: readonly WorkerRecord[];
}

/** One service × scenario × repetition × rate. */
export interface RunRecord {
  readonly id: string;
  readonly scenario: string;
  readonly service: string;
  readonly language: string;
  readonly repetition: number;
  /** Index in the scenario's rate list (0 for closed loop). */
  readonly rateIndex: number;
  /**
   * 1-based position of this run's service in its round's measuring order (the members rotate
   * from round to round: A B, B A, …). Absent in files of schema version 2.
   */
  readonly orderInRound?: number;
  /** The fraction of the measured capacity, when the scenario asked for one. */
  readonly capacityFraction: number | undefined;
  readonly startedAt: string;
  /** The measured window's edges as this machine's clock read them (epoch ms): where runs of several load hosts overlap. */
  readonly windowEpochMs?: { readonly start: number; readonly end: number };
  readonly validity: Validity;
  readonly load: LoadOutcome;
  readonly measured: ServiceMeasurement;
  readonly generator: GeneratorMeasurement;
  readonly upstream: { readonly cpuCores: number } | undefined;
  /** The database server the harness started (PostgreSQL), measured apart from the service: absent for SQLite or none. */
  readonly database?: DatabaseMeasurement | undefined;
  /** Share of machine CPU time stolen during the window. */
  readonly stealShare: number | undefined;
  /** The load came from several workers (`load.workers`): each one, judged before the merge. */
  readonly workers?: WorkersRecord;
}

/** A closed-loop capacity probe of one service for one scenario. */
export interface CapacityProbe {
  readonly scenario: string;
  readonly service: string;
  readonly capacityRps: number;
  readonly valid: boolean;
  readonly note: string;
  /** The (last) closed-loop probe judged like a closed-loop run (undefined when it could not run). */
  readonly validity: Validity | undefined;
  /** Service whose capacity set the rates of this one (the gate runs both sides at the baseline's rates). */
  readonly ratesFrom?: string;
  /**
   * `measured`: a capacity the points are fractions of; `lower-bound`: the closed loop did not
   * show the service as the bottleneck, so `capacityRps` is only a lower bound and no fraction of
   * it is offered; `invalid`: no capacity (see the note). Absent in results of older versions.
   */
  readonly state?: 'measured' | 'lower-bound' | 'invalid';
  /** The closed-loop probes: connections, throughput, the service's CPU per request (its own and the interrupt work on its CPUs, µs), which side limited it. */
  readonly closedLoop?: readonly { readonly connections: number; readonly achievedRps: number; readonly cpuUsPerRequest: number | undefined; readonly bottleneck: Bottleneck }[];
  /** The open-loop check at the top fraction (at most 95 %) of the closed loop's rate, and the codes of its validity reasons. */
  readonly openCheck?: { readonly offeredRps: number; readonly achievedRps: number; readonly cpuUsPerRequest: number | undefined; readonly longestAnswerUs: number | undefined; readonly reasons: readonly string[] };
  /** Connections the load points open: the scenario's, or more where the check's longest answer needs them (Little's law). */
  readonly connections?: number;
}

/**
 * A rule of `compare:` that accepts a kind of difference, with the reason given for it: declared
 * in a scenario, or suggested by `rewrite-bench compare` for a difference it found.
 */
export type AcceptRule =
  /** The value at `path` (a pattern) may differ. */
  | { readonly kind: 'ignore'; readonly path: string; readonly why?: string }
  /** RFC 3339 strings at `paths` (or anywhere: `all`) compare as instants. */
  | { readonly kind: 'times'; readonly paths: readonly string[] | 'all'; readonly why?: string }
  /** The array at `path` compares as a multiset (order ignored). */
  | { readonly kind: 'sets'; readonly path: string; readonly why?: string }
  /** Numbers at `path` are equal within `relative` × the larger magnitude. */
  | { readonly kind: 'tolerance'; readonly path: string; readonly relative: number; readonly why?: string }
  /** The candidate may answer status `candidate` where the reference answers `reference` (bodies then are not compared). */
  | { readonly kind: 'statuses'; readonly reference: number; readonly candidate: number; readonly why?: string };

/** One location where a candidate answered differently from the reference, counted over the requests of one kind. */
export interface ReferenceDifference {
  /** The kind of request: method and path, or the template it came from (`GET /items/{{id}}`). */
  readonly requestKind: string;
  /** `status`, `content-type`, or a JSON path with indices as `[*]` (`$` for the whole body, also compared as bytes). */
  readonly location: string;
  /** Requests of this kind compared. */
  readonly requests: number;
  /** Requests in which the candidate differed there. */
  readonly differedCount: number;
  /** Requests in which the reference's two instances differed there (its noise). */
  readonly noiseCount: number;
  /** The sign test's one-sided p where the reference was noisy (verify/noise-rule.ts). */
  readonly p?: number;
  /** The first request in which it differed: the request, the difference, both answers (shortened). */
  readonly example: {
    readonly request: string;
    readonly field: string;
    readonly described: string;
    readonly referenceBody: string;
    readonly candidateBody: string;
  };
  /** Rules that would accept it (what `rewrite-bench compare` suggests); absent when none can. */
  readonly accept?: readonly AcceptRule[];
}

/** How a candidate compared with the reference. */
export interface ReferenceVerdict {
  readonly service: string;
  readonly state: 'pass' | 'fail';
  /** Requests compared. */
  readonly checked: number;
  /** The first difference that is not noise: the request, the field, both answers (also the first of `differences`). */
  readonly difference?: {
    readonly request: string;
    readonly field: string;
    readonly described: string;
    readonly referenceBody: string;
    readonly candidateBody: string;
  };
  /** Every location where it differed beyond the reference's noise, with counts and an example (absent in older files). */
  readonly differences?: readonly ReferenceDifference[];
  /** Reported locations beyond the ones `differences` keeps (200). */
  readonly moreDifferences?: number;
  /** Locations where it differed within the reference's own noise (excused). */
  readonly withinNoise?: readonly ReferenceDifference[];
  /** A start failure or a request that got no answer. */
  readonly error?: string;
}

/** What the check found: the noise learnt between two instances of the reference, and each candidate's verdict. */
export interface ReferenceCheck {
  readonly scenario: string;
  readonly reference: string;
  readonly requests: number;
  /** One line per request kind and location with noise (`GET /quote`: `$.generated_at` differed in 300 of 300 …). */
  readonly noise: readonly string[];
  /** The declared `compare.ignore` paths. */
  readonly ignore: readonly string[];
  /** Every declared rule of `compare:` with its reason (absent in older files). */
  readonly rules?: readonly AcceptRule[];
  readonly verdicts: readonly ReferenceVerdict[];
}

/** An in-process micro-benchmark of one service (its manifest's `microbenchmark`). */
export interface MicrobenchmarkRecord {
  readonly service: string;
  readonly command: readonly string[];
  /** Per metric, one value per run, as the benchmark printed them. */
  readonly metrics: Readonly<Record<string, readonly number[]>>;
  readonly cpuList: string | undefined;
  readonly seconds: number;
}

/** How a scenario's repetitions ended: its claims decided, or the budget spent with checks still open. */
export interface AdaptiveRecord {
  readonly scenario: string;
  /** The highest repetition run (some services may have stopped earlier). */
  readonly repetitions: number;
  /** Wall time of the scenario's runs. */
  readonly seconds: number;
  /**
   * `decided`: added runs decided every open check; `not-needed`: none was open; `budget`,
   * `max-repetitions`: checks still open; `saturated`: checks still open, but only at points that
   * keep being saturated (run/saturation.ts), which are not repeated.
   */
  readonly stopped: 'decided' | 'not-needed' | 'budget' | 'max-repetitions' | 'saturated';
  /** What was still open when it stopped. */
  readonly open?: readonly string[];
  /** Points saturated in two or more runs, not repeated: what was seen and the rate that would be valid. */
  readonly saturated?: readonly string[];
}

/** A failure that stopped part of the matrix (a service that would not start, a build that failed). */
export interface FailureRecord {
  readonly scenario: string | undefined;
  readonly service: string | undefined;
  /** `non-conforming`: the service answered differently from the oracle and was not measured (exit 1); else the measurement failed (exit 3). */
  readonly kind?: 'non-conforming' | 'infrastructure';
  readonly message: string;
}

/** How the service's CPUs were chosen (run/cpus.ts); absent in results written before it was recorded. */
export interface CpuChoice {
  /** `device-interrupts`: the allowed CPUs that took the fewest since boot; `lowest-numbers`: /proc/interrupts unread or no device interrupt counted; `remote`: no service runs here. */
  readonly by: 'device-interrupts' | 'lowest-numbers' | 'remote';
  /** Device interrupts per allowed CPU since boot, keyed by CPU number, when /proc/interrupts was read. */
  readonly interruptsByCpu?: Readonly<Record<string, number>>;
  /** The choice in words, with the figures. */
  readonly reason: string;
}

export interface ResultsDocument {
  readonly schemaVersion: number;
  readonly tool: { readonly name: 'rewrite-bench'; readonly version: string };
  state: 'running' | 'complete' | 'interrupted' | 'failed';
  readonly startedAt: string;
  finishedAt: string | undefined;
  readonly environment: Environment;
  cpuPlan: { readonly serviceCpus: string; readonly loadCpus: string; readonly choice?: CpuChoice } | undefined;
  /** Whether the harness ran at nice 10 (root only) so its sampling yields to the load generator. */
  harnessNiced: boolean;
  /** Whether the native load engine could be used on this machine (each run's `load.engine` says which ran it). */
  engine?: { readonly native: 'built' } | { readonly native: 'unavailable'; readonly reason: string };
  readonly scenarios: readonly unknown[];
  readonly builds: BuildRecord[];
  readonly capacity: CapacityProbe[];
  readonly runs: RunRecord[];
  readonly failures: FailureRecord[];
  /** Micro-benchmarks run for the claims (metrics the endpoint runs do not have). */
  readonly microbenchmarks: MicrobenchmarkRecord[];
  /** Per scenario: how many repetitions it took and why it stopped (adaptive repetitions). */
  readonly adaptive: AdaptiveRecord[];
  /** Per scenario with a `reference:`: the noise learnt between two instances of it and each service's verdict. */
  readonly equivalence: ReferenceCheck[];
  readonly services: Record<string, { readonly language: string; readonly description: string; readonly runtime: unknown }>;
  /** Verdicts of the claims file, evaluated at the end (see claims/evaluate.ts). */
  claims: { readonly file: string; readonly results: readonly ClaimResult[]; readonly capacity: readonly CapacityEstimate[]; readonly plan?: ClaimsPlan } | undefined;
}
