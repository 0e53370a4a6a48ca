/**
 * Measures one service for one scenario: starts it pinned to the service CPUs, reads idle
 * memory, then for each offered rate runs the load generator while sampling the service tree,
 * the generator and the upstream, and returns one RunRecord per rate. I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { InfrastructureError } from '../errors.js';
import { runLoadJob } from '../load/generator.js';
import type { EngineName, LoadJob, LoadTls } from '../load/job.js';
import { secondsToMs } from '../load/limits.js';
import { nextSequenceStart } from '../load/sequence.js';
import type { LoadOutcome } from '../load/outcome.js';
import type { PreparedSource } from '../load/requests.js';
import { prepareSources } from '../requests/prepare.js';
import { fillSources, type CapturedValues } from '../requests/captured.js';
import { capturedNames } from '../config/setup.js';
import { runSetup } from '../process/setup.js';
import { PeriodicSampler, TreeSampler, coresBetween, readCpuTimes, systemProc, type ProcReader, type SamplerConstants, type TreeReading } from '../process/sampler.js';
import { readFileSync } from 'node:fs';
import { parseCpuList, parseSchedstat, parseStat, type CpuTimes } from '../process/proc-parse.js';
import { engineThreadDemand, type EngineThreadDemand, type ThreadTimes } from './engine-threads.js';
import { cpuContention } from './contention.js';
import { startService, type RunningService, type ServiceEnvironment } from '../process/service.js';
import type { CpuPlan } from './cpus.js';
import type { RunRecord } from '../results/document.js';
import { judgeRun, type ValidityInput } from './validity.js';
import type { Finding, Validity } from '../results/validity.js';
import { connectTarget, type ConnectedTarget } from '../process/target.js';
import { measureRemote, type RemoteMeasurement } from '../remote/measure.js';
import type { PrometheusClient } from '../remote/prometheus.js';
import type { DatabaseServer } from '../process/databases.js';
import type { PrometheusRecord, ResourcePoint } from '../results/document.js';
import { messageOf } from '../errors.js';
import { runId } from '../results/floor-runs.js';
import { floorJob } from './floor-plan.js';
import { bindFinding, stopProblem } from './service-conduct.js';

/** One offered load of a measurement: closed loop, or an open-loop rate. */
export interface LoadPoint {
  readonly ratePerSecond: number | undefined;
  readonly capacityFraction: number | undefined;
  /** Its index in the scenario's rate list, when a round measures only some points (adaptive repetitions); else its place in `points`. */
  readonly rateIndex?: number;
  /** Open loop: connections to open instead of the scenario's (the capacity probe's Little's-law sizing). */
  readonly connections?: number;
  /** The platform floor's points only: the services of the round whose load point it shares (run/floor-plan.ts). */
  readonly beside?: readonly string[];
}

export interface MeasureContext {
  readonly scenario: ResolvedScenario;
  readonly manifest: ResolvedManifest;
  readonly repetition: number;
  readonly cpus: CpuPlan;
  /** Clock ticks and page size of this machine (from the environment). */
  readonly constants: SamplerConstants;
  /** The engine that makes the load. */
  readonly engine: EngineChoice;
  /** The scenario's `service.env` and what the fixtures fill. */
  readonly env: ServiceEnvironment;
  readonly upstream: RunningService | undefined;
  /** A database server the harness started for the scenario (PostgreSQL): sampled like the upstream. */
  readonly database?: DatabaseServer | undefined;
  readonly points: readonly LoadPoint[];
  /** Called before each load point (progress). */
  readonly onPoint: (point: LoadPoint, index: number) => void;
  /** Called with each finished run, so results are written as they are made. */
  readonly onRecord: (record: RunRecord) => Promise<void>;
  /** A remote target's Prometheus client (its `target.metrics`, checked by the preflight); undefined for a local service or a target without metrics. */
  readonly prometheus?: PrometheusClient | undefined;
  /**
   * `floor`: the manifest is the platform floor's (process/floor.ts), measured beside the round's
   * services: one thread per service CPU, no idle wait, the scenario's requests expecting its
   * answer and a short warm-up (run/floor-plan.ts), recorded with `role: 'floor'`.
   */
  readonly role?: 'floor';
}

const SAMPLE_INTERVAL_MS = 250;
const PSS_EVERY = 8;

async function fetchRuntime(baseUrl: string): Promise<unknown> {
  try {
    const response = await fetch(`${baseUrl}/debug/runtime`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

const preparedByScenario = new Map<string, readonly PreparedSource[]>();

/** The scenario's prepared request mix, computed once per scenario (the reference is costly). */
function sourcesOf(scenario: ResolvedScenario): readonly PreparedSource[] {
  const key = `${scenario.file}\u0000${scenario.name}\u0000${scenario.seed}`;
  let sources = preparedByScenario.get(key);
  if (sources === undefined) {
    sources = prepareSources(scenario.requests, scenario.seed, capturedNames(scenario.setup));
    preparedByScenario.set(key, sources);
  }
  return sources;
}

/** The engine of a run and its worker threads (load/engines/select.ts). */
export interface EngineChoice {
  readonly engine: EngineName;
  readonly threads: number;
}

/**
 * The load job of one point of a scenario.
 * @param extra.tls an https target's extra trust
 * @param extra.sequenceStart the first `{{seq}}` number: past the numbers of the earlier points of the same service start (load/sequence.ts)
 * @param extra.captured what the scenario's `setup` captured on this service start (a token), filled into the requests
 */
export function loadJobFor(scenario: ResolvedScenario, baseUrl: string, point: LoadPoint, seed: number, engine: EngineChoice, extra: { readonly tls?: LoadTls | undefined; readonly sequenceStart?: number; readonly captured?: CapturedValues } = {}): LoadJob {
  const load = scenario.load;
  return {
    ...engine,
    baseUrl,
    sources: fillSources(sourcesOf(scenario), extra.captured ?? {}),
    seed,
    model: load.model,
    connections: load.model === 'open' ? (point.connections ?? load.connections) : load.connections,
    ...(load.model === 'open' ? { ratePerSecond: point.ratePerSecond!, arrival: load.arrival } : {}),
    warmupSeconds: scenario.warmupSeconds,
    durationSeconds: scenario.durationSeconds,
    timeoutMs: secondsToMs(scenario.timeoutSeconds),
    verifyEvery: scenario.verifyEvery,
    ...(extra.tls === undefined ? {} : { tls: extra.tls }),
    sequenceStart: extra.sequenceStart ?? 1,
  };
}

/** One edge of the measured window: every process of the run read at once. */
export interface Edge {
  /** performance.now() and Date.now() when the engine signalled the edge. */
  readonly atMs: number;
  readonly epochMs: number;
  /** Undefined for a remote target (measured through Prometheus afterwards, or not at all). */
  readonly service: TreeReading | undefined;
  readonly serviceWaitNs: number | undefined;
  readonly generator: TreeReading | undefined;
  readonly generatorWaitNs: number | undefined;
  readonly upstream: TreeReading | undefined;
  readonly database: TreeReading | undefined;
  readonly cpu: CpuTimes | undefined;
  /** The harness's own CPU ticks (it shares the load CPUs). */
  readonly harnessTicks: number;
}

/** The samplers of one run: the service tree, the load engine, the upstream and a database server. */
export interface Samplers {
  readonly service: TreeSampler | undefined;
  generator: TreeSampler | undefined;
  readonly upstream: TreeSampler | undefined;
  readonly database?: TreeSampler | undefined;
}

/** The engine's threads at one moment: name and scheduler times of each (schedstat, in ns); none when the process is gone. */
interface ThreadsReading {
  readonly atMs: number;
  readonly threads: readonly ThreadTimes[];
}

async function readThreads(pid: number, reader: ProcReader = systemProc): Promise<ThreadsReading> {
  const atMs = performance.now();
  const threads: ThreadTimes[] = [];
  for (const tid of await reader.tasks(pid)) {
    const [name, schedstat] = await Promise.all([reader.read(`/proc/${pid}/task/${tid}/comm`), reader.read(`/proc/${pid}/task/${tid}/schedstat`)]);
    const times = schedstat === undefined ? undefined : parseSchedstat(schedstat);
    if (name !== undefined && times !== undefined) threads.push({ tid, name: name.trim(), ...times });
  }
  return { atMs, threads };
}

/**
 * How long before the window's end the engine's threads are read a second time: a worker thread
 * drains its last answers and exits within microseconds of the end (a fast service), before the
 * end edge reaches the harness, so the end edge cannot read it.
 */
const lateThreadsMs = (durationSeconds: number): number => Math.min(250, durationSeconds * 100);

/**
 * Reads every process of the run at a window edge. Each tree is re-scanned for new processes
 * here, whatever the periodic readings' rhythm: a worker born since the last scan must be in the
 * start reading, or all its CPU since birth would land in the window (and at the end, one born
 * inside the window would be missed).
 */
export async function readEdge(samplers: Samplers): Promise<Edge> {
  const atMs = performance.now();
  const epochMs = Date.now();
  const [service, generator, upstream, database, cpu] = await Promise.all([samplers.service?.read(true), samplers.generator?.read(true), samplers.upstream?.read(true), samplers.database?.read(true), readCpuTimes()]);
  const [serviceWaitNs, generatorWaitNs] = await Promise.all([samplers.service?.schedulerWaitNs(), samplers.generator?.schedulerWaitNs()]);
  const self = parseStat(readFileSync('/proc/self/stat', 'utf8'));
  return { atMs: service?.atMs ?? atMs, epochMs, service, serviceWaitNs, generator, generatorWaitNs, upstream, database, cpu, harnessTicks: self?.cpuTicks ?? 0 };
}

/** What the window edges say about the CPU of each side. */
export interface WindowCpu {
  readonly windowSeconds: number;
  /** Undefined for a remote target: /proc does not see it. */
  readonly serviceCores: number | undefined;
  readonly serviceWaitShare: number | undefined;
  readonly generatorCores: number;
  readonly generatorWaitShare: number | undefined;
  readonly upstreamCores: number | undefined;
  readonly databaseCores: number | undefined;
  readonly stealShare: number | undefined;
  /** Share of the service's CPUs, and of the load CPUs, that ran processes of others (run/contention.ts). */
  readonly serviceOtherLoadShare: number | undefined;
  readonly loadOtherLoadShare: number | undefined;
  /** Share of the service's CPUs, and of the load CPUs, spent in the kernel's interrupt work (irq + softirq: on loopback, mostly this run's packets). */
  readonly serviceInterruptShare: number | undefined;
  readonly loadInterruptShare: number | undefined;
  /** What the engine's worker threads wanted of a CPU (run/engine-threads.ts). */
  readonly engineThreads: EngineThreadDemand | undefined;
}

function windowCpu(start: Edge, end: Edge, constants: SamplerConstants, cpus: CpuPlan, engineThreads: EngineThreadDemand | undefined): WindowCpu {
  const seconds = (end.atMs - start.atMs) / 1000;
  const ticks = (from: TreeReading | undefined, to: TreeReading | undefined): number => (from === undefined || to === undefined ? 0 : to.cpuTicks - from.cpuTicks);
  const loadOwn = ticks(start.generator, end.generator) + ticks(start.upstream, end.upstream) + ticks(start.database, end.database) + (end.harnessTicks - start.harnessTicks);
  const contention = (list: string, own: number) => cpuContention(start.cpu, end.cpu, parseCpuList(list), own, seconds, constants.clockTicksPerSecond);
  const onService = cpus.serviceCpus === '' ? undefined : contention(cpus.serviceCpus, ticks(start.service, end.service));
  const onLoad = contention(cpus.loadCpus, loadOwn);
  const wallMs = end.atMs - start.atMs;
  const share = (from: number | undefined, to: number | undefined): number | undefined => (from === undefined || to === undefined || wallMs <= 0 ? undefined : (to - from) / 1e6 / wallMs);
  return {
    windowSeconds: wallMs / 1000,
    serviceCores: start.service !== undefined && end.service !== undefined ? coresBetween(start.service, end.service, constants) : undefined,
    serviceWaitShare: share(start.serviceWaitNs, end.serviceWaitNs),
    generatorCores: start.generator !== undefined && end.generator !== undefined ? coresBetween(start.generator, end.generator, constants) : 0,
    generatorWaitShare: share(start.generatorWaitNs, end.generatorWaitNs),
    upstreamCores: start.upstream !== undefined && end.upstream !== undefined ? coresBetween(start.upstream, end.upstream, constants) : undefined,
    databaseCores: start.database !== undefined && end.database !== undefined ? coresBetween(start.database, end.database, constants) : undefined,
    stealShare:
      start.cpu !== undefined && end.cpu !== undefined && end.cpu.totalTicks > start.cpu.totalTicks ? (end.cpu.stealTicks - start.cpu.stealTicks) / (end.cpu.totalTicks - start.cpu.totalTicks) : undefined,
    serviceOtherLoadShare: onService?.otherLoadShare,
    loadOtherLoadShare: onLoad?.otherLoadShare,
    serviceInterruptShare: onService?.interruptShare,
    loadInterruptShare: onLoad?.interruptShare,
    engineThreads,
  };
}

/**
 * Runs one load job against a started service and reads every process of the run at the window's
 * edges, as the engine signals them.
 * @throws InfrastructureError when the engine fails or never reports its window
 */
export async function measureWindow(job: LoadJob, samplers: Omit<Samplers, 'generator'>, cpus: CpuPlan, constants: SamplerConstants): Promise<{ outcome: LoadOutcome; start: Edge; end: Edge; cpu: WindowCpu; generatorPid: number }> {
  const all: Samplers = { ...samplers, generator: undefined };
  let generatorPid = 0;
  let start: Promise<Edge> | undefined;
  let end: Promise<Edge> | undefined;
  let threadsAtStart: Promise<ThreadsReading> | undefined;
  let threadsLate: Promise<ThreadsReading> | undefined;
  let lateTimer: NodeJS.Timeout | undefined;
  const outcome = await runLoadJob(job, cpus.loadCpus, {
    onStart: (pid) => {
      generatorPid = pid;
      all.generator = new TreeSampler(pid, undefined, constants);
    },
    onWindow: (edge) => {
      if (edge === 'start') {
        start = readEdge(all);
        threadsAtStart = readThreads(generatorPid);
        lateTimer = setTimeout(() => {
          threadsLate = readThreads(generatorPid);
        }, job.durationSeconds * 1000 - lateThreadsMs(job.durationSeconds));
      } else {
        end = readEdge(all);
        clearTimeout(lateTimer);
        threadsLate ??= readThreads(generatorPid);
      }
    },
  });
  clearTimeout(lateTimer);
  if (start === undefined || end === undefined) throw new InfrastructureError(`The load engine finished without reporting its measured window (${outcome.method}). This is a bug of the engine: please report it.`);
  const [startEdge, endEdge, first, last] = await Promise.all([start, end, threadsAtStart!, threadsLate ?? threadsAtStart!]);
  const engineThreads = engineThreadDemand(first.threads, last.threads, generatorPid, (last.atMs - first.atMs) * 1e6);
  return { outcome, start: startEdge, end: endEdge, cpu: windowCpu(startEdge, endEdge, constants, cpus, engineThreads), generatorPid };
}

/** The load engine's side of a run record. */
function generatorRecord(pid: number, cpus: CpuPlan, cpu: WindowCpu): RunRecord['generator'] {
  return {
    pid,
    cpuList: cpus.loadCpus,
    cpus: cpuCount(cpus.loadCpus),
    cpuCores: cpu.generatorCores,
    cpuWaitShare: cpu.generatorWaitShare,
    otherLoadShare: cpu.loadOtherLoadShare,
    ...(cpu.loadInterruptShare === undefined ? {} : { interruptShare: cpu.loadInterruptShare }),
    ...(cpu.engineThreads === undefined ? {} : { workerThreads: cpu.engineThreads }),
  };
}

/** CPUs in a taskset list such as `1-3,5`. */
export const cpuCount = (list: string): number => parseCpuList(list).length;

/**
 * The validity input of a window: the outcome and each side's CPU against the CPUs it was given.
 * A remote target passes its cores from Prometheus and its `target.cpus` in `remote`.
 */
export function validityInput(
  outcome: LoadOutcome,
  cpu: WindowCpu,
  cpus: CpuPlan,
  serviceDied: string | undefined,
  remote?: { readonly cpuCores: number | undefined; readonly cpus: number | undefined; readonly metricsProblem: string | undefined },
): ValidityInput {
  return {
    load: outcome,
    serviceDied,
    serviceCpuCores: remote === undefined ? cpu.serviceCores : remote.cpuCores,
    serviceCpus: remote === undefined ? cpuCount(cpus.serviceCpus) : remote.cpus,
    ...(remote?.metricsProblem === undefined ? {} : { metricsProblem: remote.metricsProblem }),
    generatorCpuCores: cpu.generatorCores,
    loadCpus: cpuCount(cpus.loadCpus),
    upstreamCpuCores: cpu.upstreamCores,
    databaseCpuCores: cpu.databaseCores,
    stealShare: cpu.stealShare,
    serviceOtherLoadShare: cpu.serviceOtherLoadShare,
    loadOtherLoadShare: cpu.loadOtherLoadShare,
    serviceInterruptShare: remote === undefined ? cpu.serviceInterruptShare : undefined,
    loadInterruptShare: cpu.loadInterruptShare,
    engineThreads: cpu.engineThreads,
  };
}

/**
 * Starts the service, measures every load point, stops it.
 * @returns how the service ended (a message when it did not stop cleanly), or throws when it did not start.
 */
export async function measureService(context: MeasureContext): Promise<{ stopProblem: string | undefined }> {
  const { scenario, manifest } = context;
  if (manifest.target !== undefined) return measureTarget(context);
  const isFloor = context.role === 'floor';
  const service = await startService({
    manifest,
    // The floor: one epoll thread per CPU it is given.
    workers: isFloor ? cpuCount(context.cpus.serviceCpus) : scenario.service.workers,
    cpuList: context.cpus.serviceCpus,
    ...context.env,
    readyTimeoutMs: scenario.service.readyTimeoutSeconds * 1000,
  });
  let stopped: Awaited<ReturnType<RunningService['stop']>>;
  try {
    // Log in (the scenario's setup) once per start: every point of this start uses its token. The
    // floor answers anything at once: it has nothing to log in to.
    const captured = isFloor ? {} : await runSetup({ scenario, service: manifest.name, baseUrl: service.baseUrl });
    const tree = new TreeSampler(service.pid, undefined, context.constants);
    // A service settles before its idle memory is read; the floor allocates nothing after start.
    if (!isFloor) await new Promise((resolve) => setTimeout(resolve, 300));
    const idleReading = await tree.read();
    const idleMemory = await tree.memory();
    // The database lives across the points: their inserts are numbered on from one job to the next.
    let sequenceStart = 1;
    for (const [position, point] of context.points.entries()) {
      const index = point.rateIndex ?? position;
      context.onPoint(point, index);
      const record = await measurePoint(context, service, tree, point, index, { rssBytes: idleReading.rssBytes, pssBytes: idleMemory.pssBytes }, { sequenceStart, captured });
      sequenceStart = nextSequenceStart(loadJobFor(scenario, service.baseUrl, point, 0, context.engine, { sequenceStart }));
      await context.onRecord(record);
      if (service.exitInfo() !== undefined) break;
    }
  } finally {
    const died = service.exitInfo();
    stopped = await service.stop();
    // A crash is reported once, as the failure it is, rather than as an odd exit after SIGTERM.
    if (died !== undefined) return { stopProblem: stopProblem(manifest.name, { died, outputTail: service.outputTail(), stopped }) };
  }
  return { stopProblem: stopProblem(manifest.name, { died: undefined, outputTail: '', stopped }) };
}

/** What names a run and places it in time: the same for a started service and a remote target. */
function runIdentity(context: MeasureContext, point: LoadPoint, index: number, startedAt: string, start: Pick<Edge, 'epochMs'>, end: Pick<Edge, 'epochMs'>) {
  const { scenario, manifest } = context;
  const identity = {
    scenario: scenario.name,
    service: manifest.name,
    language: manifest.language,
    repetition: context.repetition,
    rateIndex: index,
    capacityFraction: point.capacityFraction,
    ...(context.role === 'floor' ? { role: 'floor' as const, beside: point.beside ?? [] } : {}),
  };
  return {
    id: runId(identity),
    ...identity,
    startedAt,
    windowEpochMs: { start: start.epochMs, end: end.epochMs },
  } as const;
}

async function measurePoint(
  context: MeasureContext,
  service: RunningService,
  tree: TreeSampler,
  point: LoadPoint,
  index: number,
  idle: { rssBytes: number; pssBytes: number },
  job: { readonly sequenceStart: number; readonly captured: CapturedValues },
): Promise<RunRecord> {
  const { scenario } = context;
  const startedAt = new Date().toISOString();
  const periodic = new PeriodicSampler(tree, SAMPLE_INTERVAL_MS, PSS_EVERY);
  periodic.start();
  const upstream = context.upstream === undefined ? undefined : new TreeSampler(context.upstream.pid, undefined, context.constants);
  const database = context.database === undefined ? undefined : new TreeSampler(context.database.pid, undefined, context.constants);
  const seed = scenario.seed + context.repetition * 7919 + index;
  let window: Awaited<ReturnType<typeof measureWindow>>;
  try {
    const loadJob = loadJobFor(scenario, service.baseUrl, point, seed, context.engine, job);
    window = await measureWindow(context.role === 'floor' ? floorJob(loadJob) : loadJob, { service: tree, upstream, database }, context.cpus, context.constants);
  } catch (error) {
    await periodic.stop(performance.now());
    throw error;
  }
  const { outcome, start, end, cpu } = window;
  const sampled = await periodic.stop(start.atMs, start.atMs, end.atMs);
  // The PSS read at the window's end: smaps_rollup is read about every 2 s, so this one counts.
  const finalMemory = await tree.memory();
  const databaseMemory = await database?.memory();
  const exit = service.exitInfo();
  const serviceDied = exit === undefined ? undefined : `exit code ${String(exit.exitCode)}, signal ${String(exit.signal)}; last output:\n${service.outputTail().split('\n').slice(-10).join('\n')}`;
  const completed = outcome.counts.expectedStatus;
  // The floor has no runtime to report (it answers /debug/runtime like any path).
  const runtime = exit === undefined && context.role !== 'floor' ? await fetchRuntime(service.baseUrl) : undefined;
  return {
    ...runIdentity(context, point, index, startedAt, start, end),
    validity: withWarning(judgeRun(validityInput(outcome, cpu, context.cpus, serviceDied)), bindFinding(service.listening, service.port)),
    load: outcome,
    measured: {
      measuredBy: 'proc',
      pid: service.pid,
      cpuList: context.cpus.serviceCpus,
      cpus: cpuCount(context.cpus.serviceCpus),
      workers: scenario.service.workers,
      startupMs: Math.round(service.startupMs),
      cpuCores: cpu.serviceCores,
      cpuUsPerRequest: completed > 0 ? (cpu.serviceCores! * cpu.windowSeconds * 1e6) / completed : undefined,
      idleRssBytes: idle.rssBytes,
      idlePssBytes: idle.pssBytes,
      peakRssBytes: Math.max(sampled.peakRssBytes ?? 0, end.service!.rssBytes),
      peakPssBytes: Math.max(sampled.peakPssBytes ?? 0, finalMemory.pssBytes),
      vmHwmBytesSum: finalMemory.vmHwmBytesSum,
      processCount: end.service!.processCount,
      cpuWaitShare: cpu.serviceWaitShare,
      otherLoadShare: cpu.serviceOtherLoadShare,
      ...(cpu.serviceInterruptShare === undefined ? {} : { interruptShare: cpu.serviceInterruptShare }),
      series: sampled.series,
      runtime,
    },
    generator: generatorRecord(window.generatorPid, context.cpus, cpu),
    upstream: cpu.upstreamCores === undefined ? undefined : { cpuCores: cpu.upstreamCores },
    ...(context.database === undefined || cpu.databaseCores === undefined || end.database === undefined || databaseMemory === undefined
      ? {}
      : { database: { kind: context.database.kind, pid: context.database.pid, cpuList: context.database.cpuList, cpuCores: cpu.databaseCores, rssBytes: end.database.rssBytes, pssBytes: databaseMemory.pssBytes } }),
    stealShare: cpu.stealShare,
  };
}

/**
 * Measures a remote target at every load point: checks it is ready, drives it, then reads its CPU
 * and memory over each window from its Prometheus (after a scrape later than the window's end).
 * Nothing is started or stopped. A Prometheus failure does not lose the run: it is kept, invalid,
 * with the reason; its CPU and memory are undefined, never zero.
 */
async function measureTarget(context: MeasureContext): Promise<{ stopProblem: undefined }> {
  const target = await connectTarget(context.manifest, context.scenario.service.readyTimeoutSeconds * 1000);
  const captured = await runSetup({ scenario: context.scenario, service: context.manifest.name, baseUrl: target.baseUrl, tls: target.tls });
  for (const [position, point] of context.points.entries()) {
    const index = point.rateIndex ?? position;
    context.onPoint(point, index);
    await context.onRecord(await measureTargetPoint(context, target, point, index, captured));
  }
  return { stopProblem: undefined };
}

/** A remote measurement as results.json keeps it: how each figure was made, not the points twice. */
function prometheusRecord(remote: RemoteMeasurement, waitedMs: number): PrometheusRecord {
  return {
    source: remote.source,
    prometheusUrl: remote.prometheusUrl,
    startEpochSeconds: remote.startEpochSeconds,
    endEpochSeconds: remote.endEpochSeconds,
    queries: remote.queries,
    memoryKind: remote.memoryKind,
    stepSeconds: remote.stepSeconds,
    rateWindowSeconds: remote.rateWindowSeconds,
    scrapeIntervalSeconds: remote.scrapeIntervalSeconds,
    scrapeIntervalFrom: remote.scrapeIntervalFrom,
    seriesCount: remote.seriesCount,
    pointCount: remote.points.length,
    clockOffsetSeconds: remote.clockOffsetSeconds,
    waitedMs: Math.round(waitedMs),
    warnings: remote.warnings.map((warning) => warning.message),
  };
}

/** The Prometheus points on the run's time axis (ms from the window's start), in the fields their memory kind names. */
function remoteSeries(remote: RemoteMeasurement, windowStartEpochMs: number): ResourcePoint[] {
  return remote.points.map((point) => ({
    tMs: Math.round(point.atEpochSeconds * 1000 - windowStartEpochMs),
    cpuCores: point.cpuCores,
    rssBytes: remote.memoryKind === 'rss' ? point.memoryBytes : point.rssBytes,
    ...(remote.memoryKind === 'pss' && point.memoryBytes !== undefined ? { pssBytes: point.memoryBytes } : {}),
    ...(remote.memoryKind === 'working-set' && point.memoryBytes !== undefined ? { workingSetBytes: point.memoryBytes } : {}),
  }));
}

/** A run's validity with one more warning (none: unchanged). */
function withWarning(validity: Validity, warning: Finding | undefined): Validity {
  return warning === undefined ? validity : { ...validity, warnings: [...validity.warnings, warning] };
}

/** A run's validity with the remote measurement's caveats (a series that began in the window, missed scrapes, clock offset) added as warnings. */
function withRemoteWarnings(validity: Validity, remote: RemoteMeasurement | undefined): Validity {
  if (remote === undefined || remote.warnings.length === 0) return validity;
  const warnings: Finding[] = remote.warnings.map((warning) => ({
    code: 'remote-metrics',
    text: `Prometheus: ${warning.message}`,
    next: warning.kind === 'clock-offset' ? 'synchronise the clocks (NTP)' : 'check the target in Prometheus\' /targets page, or use a longer window',
    concerns: ['cpuCores', 'cpuUsPerRequest'],
  }));
  return { ...validity, warnings: [...validity.warnings, ...warnings] };
}

async function measureTargetPoint(context: MeasureContext, target: ConnectedTarget, point: LoadPoint, index: number, captured: CapturedValues): Promise<RunRecord> {
  const { scenario, manifest } = context;
  const remoteTarget = manifest.target!;
  const startedAt = new Date().toISOString();
  const seed = scenario.seed + context.repetition * 7919 + index;
  const job = loadJobFor(scenario, target.baseUrl, point, seed, context.engine, { tls: target.tls, captured });
  // Load from Kubernetes workers (load.workers): no local engine, so no local CPU figures of the load side.
  const kubernetes = scenario.load.workers?.kubernetes;
  const distributed = kubernetes === undefined ? undefined : await (await import('../kube/run-job.js')).runJobOnKubernetes(job, kubernetes, `${scenario.name}/${manifest.name}/rep${context.repetition}/rate${index}`);
  const window = distributed === undefined ? await measureWindow(job, { service: undefined, upstream: undefined }, context.cpus, context.constants) : undefined;
  const outcome = distributed?.outcome ?? window!.outcome;
  const start = distributed === undefined ? window!.start : { epochMs: distributed.windowEpochMs.start };
  const end = distributed === undefined ? window!.end : { epochMs: distributed.windowEpochMs.end };
  const cpu: WindowCpu = window?.cpu ?? { windowSeconds: outcome.windowSeconds, serviceCores: undefined, serviceWaitShare: undefined, generatorCores: 0, generatorWaitShare: undefined, upstreamCores: undefined, databaseCores: undefined, stealShare: undefined, serviceOtherLoadShare: undefined, loadOtherLoadShare: undefined, serviceInterruptShare: undefined, loadInterruptShare: undefined, engineThreads: undefined };
  let remote: RemoteMeasurement | undefined;
  let problem: string | undefined;
  let waitedMs = 0;
  if (remoteTarget.metrics !== undefined && context.prometheus !== undefined) {
    const began = performance.now();
    try {
      remote = await measureRemote({ startEpochSeconds: start.epochMs / 1000, endEpochSeconds: end.epochMs / 1000, metrics: remoteTarget.metrics, client: context.prometheus });
    } catch (error) {
      problem = messageOf(error);
    }
    waitedMs = performance.now() - began;
  }
  const completed = outcome.counts.expectedStatus;
  const cpuCores = remote?.cpuCores;
  const judged = withRemoteWarnings(judgeRun(validityInput(outcome, cpu, context.cpus, undefined, { cpuCores, cpus: remoteTarget.cpus, metricsProblem: problem })), remote);
  // Every worker judged on its own before its histogram was added (load/workers/validity.ts).
  const validity = distributed === undefined ? judged : { ...judged, valid: judged.valid && distributed.reasons.length === 0, reasons: [...judged.reasons, ...distributed.reasons], warnings: [...judged.warnings, ...distributed.warnings] };
  const memory = (kind: RemoteMeasurement['memoryKind']): number | undefined => (remote !== undefined && remote.memoryKind === kind ? remote.peakMemoryBytes : undefined);
  return {
    ...runIdentity(context, point, index, startedAt, start, end),
    validity,
    load: outcome,
    measured: {
      measuredBy: remote === undefined ? 'none' : 'prometheus',
      targetUrl: target.baseUrl,
      ...(remote === undefined ? {} : { prometheus: prometheusRecord(remote, waitedMs) }),
      pid: undefined,
      cpuList: undefined,
      cpus: remoteTarget.cpus,
      workers: undefined,
      startupMs: undefined,
      cpuCores,
      cpuUsPerRequest: cpuCores !== undefined && completed > 0 ? (cpuCores * cpu.windowSeconds * 1e6) / completed : undefined,
      idleRssBytes: undefined,
      idlePssBytes: undefined,
      peakRssBytes: memory('rss') ?? remote?.peakRssBytes,
      peakPssBytes: memory('pss'),
      ...(memory('working-set') === undefined ? {} : { peakWorkingSetBytes: memory('working-set')! }),
      vmHwmBytesSum: undefined,
      processCount: undefined,
      cpuWaitShare: undefined,
      otherLoadShare: undefined,
      series: remote === undefined ? [] : remoteSeries(remote, start.epochMs),
      runtime: await fetchRuntime(target.baseUrl),
    },
    generator: distributed === undefined ? generatorRecord(window!.generatorPid, context.cpus, cpu) : { pid: 0, cpuList: undefined, cpus: distributed.record.count * distributed.record.threadsPerWorker, cpuCores: cpu.generatorCores, cpuWaitShare: undefined, otherLoadShare: undefined },
    upstream: undefined,
    stealShare: cpu.stealShare,
    ...(distributed === undefined ? {} : { workers: distributed.record }),
  };
}
