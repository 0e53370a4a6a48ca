/**
 * Measures one service for one scenario: starts it pinned to the service CPUs, reads idle
 * memory, then for each offered rate runs the load generator while sampling the service tree,
 * the generator and the upstream, and returns one RunRecord per rate. I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { InfrastructureError } from '../errors.js';
import { runLoadJob } from '../load/generator.js';
import type { LoadJob } from '../load/job.js';
import type { LoadOutcome } from '../load/outcome.js';
import { prepareSources, type PreparedSource } from '../load/requests.js';
import { PeriodicSampler, TreeSampler, coresBetween, readCpuTimes, type TreeReading } from '../process/sampler.js';
import type { CpuTimes } from '../process/proc-parse.js';
import { startService, type RunningService } from '../process/service.js';
import type { CpuPlan } from './cpus.js';
import type { RunRecord } from './results.js';
import { judgeRun } from './validity.js';

/** One offered load of a measurement: closed loop, or an open-loop rate. */
export interface LoadPoint {
  readonly ratePerSecond: number | undefined;
  readonly capacityFraction: number | undefined;
}

export interface MeasureContext {
  readonly scenario: ResolvedScenario;
  readonly manifest: ResolvedManifest;
  readonly repetition: number;
  readonly cpus: CpuPlan;
  readonly env: Readonly<Record<string, string>>;
  readonly upstream: RunningService | undefined;
  readonly points: readonly LoadPoint[];
  /** Called before each load point (progress). */
  readonly onPoint: (point: LoadPoint, index: number) => void;
  /** Called with each finished run, so results are written as they are made. */
  readonly onRecord: (record: RunRecord) => Promise<void>;
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
    sources = prepareSources(scenario.requests, scenario.seed);
    preparedByScenario.set(key, sources);
  }
  return sources;
}

/** The load job of one point of a scenario. */
export function loadJobFor(scenario: ResolvedScenario, baseUrl: string, point: LoadPoint, seed: number): LoadJob {
  const load = scenario.load;
  return {
    baseUrl,
    sources: sourcesOf(scenario),
    seed,
    model: load.model,
    connections: load.connections,
    ...(load.model === 'open' ? { ratePerSecond: point.ratePerSecond!, arrival: load.arrival } : {}),
    warmupSeconds: scenario.warmupSeconds,
    durationSeconds: scenario.durationSeconds,
    timeoutMs: scenario.timeoutSeconds * 1000,
    verifyEvery: scenario.verifyEvery,
  };
}

interface Edges {
  service?: TreeReading;
  generator?: TreeReading;
  upstream?: TreeReading;
  cpu?: CpuTimes | undefined;
}

async function readEdges(service: TreeSampler, generator: TreeSampler | undefined, upstream: TreeSampler | undefined): Promise<Edges> {
  const [serviceReading, generatorReading, upstreamReading, cpu] = await Promise.all([service.read(), generator?.read(), upstream?.read(), readCpuTimes()]);
  return { service: serviceReading, ...(generatorReading === undefined ? {} : { generator: generatorReading }), ...(upstreamReading === undefined ? {} : { upstream: upstreamReading }), cpu };
}

/**
 * Starts the service, measures every load point, stops it.
 * @returns how the service ended (a message when it did not stop cleanly), or throws when it did not start.
 */
export async function measureService(context: MeasureContext): Promise<{ stopProblem: string | undefined }> {
  const { scenario, manifest } = context;
  const service = await startService({
    manifest,
    workers: scenario.service.workers,
    cpuList: context.cpus.serviceCpus,
    env: context.env,
    readyTimeoutMs: scenario.service.readyTimeoutSeconds * 1000,
  });
  let stopped: Awaited<ReturnType<RunningService['stop']>>;
  try {
    const tree = new TreeSampler(service.pid);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const idleReading = await tree.read();
    const idleMemory = await tree.memory();
    for (const [index, point] of context.points.entries()) {
      context.onPoint(point, index);
      const record = await measurePoint(context, service, tree, point, index, { rssBytes: idleReading.rssBytes, pssBytes: idleMemory.pssBytes });
      await context.onRecord(record);
      if (service.exitInfo() !== undefined) break;
    }
  } finally {
    const died = service.exitInfo();
    stopped = await service.stop();
    if (died !== undefined) {
      // A crash is reported once, as the failure it is, rather than as an odd exit after SIGTERM.
      const tail = service.outputTail().split('\n').slice(-10).join('\n');
      return { stopProblem: `${manifest.name} died during the run (exit code ${String(died.exitCode)}, signal ${String(died.signal)}). Last output:\n${tail}` };
    }
  }
  if (stopped.killed) return { stopProblem: `${manifest.name} ignored SIGTERM and was killed after the grace period` };
  if (stopped.exit.exitCode !== 0 && stopped.exit.exitCode !== undefined) return { stopProblem: `${manifest.name} exited with code ${stopped.exit.exitCode} after SIGTERM` };
  return { stopProblem: undefined };
}

async function measurePoint(
  context: MeasureContext,
  service: RunningService,
  tree: TreeSampler,
  point: LoadPoint,
  index: number,
  idle: { rssBytes: number; pssBytes: number },
): Promise<RunRecord> {
  const { scenario, manifest } = context;
  const startedAt = new Date().toISOString();
  const periodic = new PeriodicSampler(tree, SAMPLE_INTERVAL_MS, PSS_EVERY);
  periodic.start();
  const upstreamSampler = context.upstream === undefined ? undefined : new TreeSampler(context.upstream.pid);
  let generatorSampler: TreeSampler | undefined;
  let generatorPid = 0;
  let start: Promise<Edges> | undefined;
  let end: Promise<Edges> | undefined;
  const seed = scenario.seed + context.repetition * 7919 + index;
  let outcome: LoadOutcome;
  try {
    outcome = await runLoadJob(loadJobFor(scenario, service.baseUrl, point, seed), context.cpus.loadCpus, {
      onStart: (pid) => {
        generatorPid = pid;
        generatorSampler = new TreeSampler(pid);
      },
      onWindow: (edge) => {
        if (edge === 'start') start = readEdges(tree, generatorSampler, upstreamSampler);
        else end = readEdges(tree, generatorSampler, upstreamSampler);
      },
    });
  } catch (error) {
    await periodic.stop(performance.now());
    throw error;
  }
  if (start === undefined || end === undefined) {
    await periodic.stop(performance.now());
    throw new InfrastructureError(`The load generator finished without reporting its measured window (${outcome.method}).`);
  }
  const startEdges = await start;
  const endEdges = await end;
  const sampled = await periodic.stop(startEdges.service!.atMs, startEdges.service!.atMs, endEdges.service!.atMs);
  // The PSS read at the window's end: smaps_rollup is read about every 2 s, so this one counts.
  const finalMemory = await tree.memory();
  const serviceCores = coresBetween(startEdges.service!, endEdges.service!, tree.constants);
  const generatorCores = startEdges.generator !== undefined && endEdges.generator !== undefined ? coresBetween(startEdges.generator, endEdges.generator, tree.constants) : 0;
  const upstreamCores = startEdges.upstream !== undefined && endEdges.upstream !== undefined ? coresBetween(startEdges.upstream, endEdges.upstream, tree.constants) : undefined;
  const stealShare =
    startEdges.cpu !== undefined && endEdges.cpu !== undefined && endEdges.cpu.totalTicks > startEdges.cpu.totalTicks
      ? (endEdges.cpu.stealTicks - startEdges.cpu.stealTicks) / (endEdges.cpu.totalTicks - startEdges.cpu.totalTicks)
      : undefined;
  const exit = service.exitInfo();
  const serviceDied = exit === undefined ? undefined : `exit code ${String(exit.exitCode)}, signal ${String(exit.signal)}; last output:\n${service.outputTail().split('\n').slice(-10).join('\n')}`;
  const completed = outcome.counts.expectedStatus;
  const windowSeconds = (endEdges.service!.atMs - startEdges.service!.atMs) / 1000;
  const runtime = exit === undefined ? await fetchRuntime(service.baseUrl) : undefined;
  return {
    id: `${scenario.name}/${manifest.name}/rep${context.repetition}/rate${index}`,
    scenario: scenario.name,
    service: manifest.name,
    language: manifest.language,
    repetition: context.repetition,
    rateIndex: index,
    capacityFraction: point.capacityFraction,
    startedAt,
    validity: judgeRun({ load: outcome, generatorCpuCores: generatorCores, serviceDied, stealShare }),
    load: outcome,
    measured: {
      pid: service.pid,
      cpuList: context.cpus.serviceCpus,
      workers: scenario.service.workers,
      startupMs: Math.round(service.startupMs),
      cpuCores: serviceCores,
      cpuUsPerRequest: completed > 0 ? (serviceCores * windowSeconds * 1e6) / completed : undefined,
      idleRssBytes: idle.rssBytes,
      idlePssBytes: idle.pssBytes,
      peakRssBytes: Math.max(sampled.peakRssBytes ?? 0, endEdges.service!.rssBytes),
      peakPssBytes: Math.max(sampled.peakPssBytes ?? 0, finalMemory.pssBytes),
      vmHwmBytesSum: finalMemory.vmHwmBytesSum,
      processCount: endEdges.service!.processCount,
      series: sampled.series,
      runtime,
    },
    generator: { pid: generatorPid, cpuList: context.cpus.loadCpus, cpuCores: generatorCores },
    upstream: upstreamCores === undefined ? undefined : { cpuCores: upstreamCores },
    stealShare,
  };
}
