/**
 * Measures a remote target at every load point: checks it is ready, logs in (the scenario's
 * setup), drives it, then reads its CPU and memory over each window from its Prometheus. Nothing
 * is started or stopped here. I/O.
 */
import { messageOf } from '../errors.js';
import type { CapturedValues } from '../requests/captured.js';
import { runSetup } from '../process/setup.js';
import { connectTarget, type ConnectedTarget } from '../process/target.js';
import { measureRemote, type RemoteMeasurement } from '../remote/measure.js';
import type { PrometheusRecord, ResourcePoint, RunRecord } from '../results/document.js';
import type { Finding, Validity } from '../results/validity.js';
import { loadJobFor, type LoadPoint } from './load-job.js';
import type { MeasureContext } from './measure.js';
import { fetchRuntime, generatorRecord, runIdentity, validityInput } from './run-record.js';
import { judgeRun } from './validity.js';
import { measureWindow, type WindowCpu } from './window.js';

/**
 * Measures a remote target at every load point: checks it is ready, drives it, then reads its CPU
 * and memory over each window from its Prometheus (after a scrape later than the window's end).
 * Nothing is started or stopped. A Prometheus failure does not lose the run: it is kept, invalid,
 * with the reason; its CPU and memory are undefined, never zero.
 */
export async function measureTarget(context: MeasureContext): Promise<{ stopProblem: undefined }> {
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
      // The cores are Prometheus's average over [start, end]: CPU time is that average × the same window.
      cpuUsPerRequest: cpuCores !== undefined && completed > 0 ? (cpuCores * (end.epochMs - start.epochMs) * 1e3) / completed : undefined,
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
