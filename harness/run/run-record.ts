/**
 * The parts of a run record shared by a started service and a remote target: the run's identity
 * and window, the load engine's side, the validity input of a window, the service's own runtime
 * report. I/O (the runtime report is fetched).
 */
import type { LoadOutcome } from '../load/outcome.js';
import type { RunRecord } from '../results/document.js';
import { runId } from '../results/floor-runs.js';
import type { Finding, Validity } from '../results/validity.js';
import type { CpuPlan } from './cpus.js';
import type { LoadPoint } from './load-job.js';
import type { MeasureContext } from './measure.js';
import type { ValidityInput } from './validity.js';
import { cpuCount, type Edge, type WindowCpu } from './window.js';

export async function fetchRuntime(baseUrl: string): Promise<unknown> {
  try {
    const response = await fetch(`${baseUrl}/debug/runtime`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

/** The load engine's side of a run record. */
export function generatorRecord(pid: number, cpus: CpuPlan, cpu: WindowCpu): RunRecord['generator'] {
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

/** What names a run and places it in time: the same for a started service and a remote target. */
export function runIdentity(context: MeasureContext, point: LoadPoint, index: number, startedAt: string, start: Pick<Edge, 'epochMs'>, end: Pick<Edge, 'epochMs'>) {
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

/** A run's validity with one more warning (none: unchanged). */
export function withWarning(validity: Validity, warning: Finding | undefined): Validity {
  return warning === undefined ? validity : { ...validity, warnings: [...validity.warnings, warning] };
}

