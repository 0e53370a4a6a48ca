/**
 * One measured window: the load engine runs a job while every process of the run — the service
 * tree, the engine and its threads, the upstream, a database server — and the CPUs are read at
 * the window's edges as the engine signals them (each tree re-scanned there), and what those
 * readings say about each side's CPU. I/O.
 */
import { readFileSync } from 'node:fs';
import { InfrastructureError } from '../errors.js';
import { runLoadJob } from '../load/generator.js';
import type { LoadJob } from '../load/job.js';
import type { LoadOutcome } from '../load/outcome.js';
import { parseCpuList, parseSchedstat, parseStat, type CpuTimes } from '../process/proc-parse.js';
import { TreeSampler, coresBetween, readCpuTimes, systemProc, type ProcReader, type SamplerConstants, type TreeReading } from '../process/sampler.js';
import { cpuContention } from './contention.js';
import type { CpuPlan } from './cpus.js';
import { engineThreadDemand, type EngineThreadDemand, type ThreadTimes } from './engine-threads.js';

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

/** CPUs in a taskset list such as `1-3,5`. */
export const cpuCount = (list: string): number => parseCpuList(list).length;

