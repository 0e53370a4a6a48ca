/**
 * Measures one service for one scenario: starts it pinned to the service CPUs, logs in (the
 * scenario's setup), reads idle memory, then for each offered rate runs the load engine while
 * sampling the service tree, the engine and the fixtures (window.ts), and returns one RunRecord
 * per rate. A remote target is measured through its Prometheus instead (measure-target.ts). I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { nextSequenceStart } from '../load/sequence.js';
import type { CapturedValues } from '../requests/captured.js';
import { runSetup } from '../process/setup.js';
import { PeriodicSampler, TreeSampler, type SamplerConstants } from '../process/sampler.js';
import { startService, type RunningService, type ServiceEnvironment } from '../process/service.js';
import type { CpuPlan } from './cpus.js';
import type { RunRecord } from '../results/document.js';
import { judgeRun } from './validity.js';
import type { PrometheusClient } from '../remote/prometheus.js';
import type { DatabaseServer } from '../process/databases.js';
import { floorJob } from './floor-plan.js';
import { loadJobFor, type EngineChoice, type LoadPoint } from './load-job.js';
import { measureTarget } from './measure-target.js';
import { fetchRuntime, generatorRecord, runIdentity, validityInput, withWarning } from './run-record.js';
import { bindFinding, stopProblem } from './service-conduct.js';
import { cpuCount, measureWindow } from './window.js';

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

