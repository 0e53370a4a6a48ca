/**
 * The capacity probe of an open loop at `capacityFractions`: against one warm instance of the
 * service, a closed loop (again with 4 × the connections when the first left the service below
 * its CPUs), then an open loop at the top fraction, each with the scenario's request mix and
 * warm-up. The rule that turns them into a capacity is run/capacity.ts. I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import type { EngineName, LoadTls } from '../load/job.js';
import type { LoadOutcome } from '../load/outcome.js';
import { TreeSampler, type SamplerConstants } from '../process/sampler.js';
import { startService, type RunningService, type ServiceEnvironment } from '../process/service.js';
import { connectTarget } from '../process/target.js';
import { runSetup } from '../process/setup.js';
import type { CapacityProbe } from '../results/document.js';
import { checkRateRps, connectionsFor, correctCapacity, judgeClosedProbes, type ClosedProbeReading, type OpenCheckReading } from './capacity.js';
import type { CpuPlan } from './cpus.js';
import { loadJobFor, type EngineChoice } from './load-job.js';
import { validityInput } from './run-record.js';
import { cpuCount, measureWindow, type WindowCpu } from './window.js';
import { isEngineAtLimit, judgeRun } from './validity.js';

/** The open-loop check's warm-up at most: the engine's ramp (the instance is warm from the closed loops). */
const CHECK_WARMUP_SECONDS = 0.5;

/** What the probe needs from the run. */
export interface ProbeContext {
  readonly scenario: ResolvedScenario;
  readonly manifest: ResolvedManifest;
  readonly cpus: CpuPlan;
  readonly constants: SamplerConstants;
  /** The service's environment for the probe's instance (its fresh fixtures). */
  readonly env: () => Promise<ServiceEnvironment>;
  /** The engine of a model with this many connections (run.ts's choice, the same as the points'). */
  readonly engine: (model: 'open' | 'closed', requested: EngineName | undefined, connections: number) => EngineChoice;
  /** The upstream's pid, when the scenario has one (it shares the load CPUs). */
  readonly upstreamPid: number | undefined;
  /** The PostgreSQL server's pid, when the scenario's database has one (it shares the load CPUs). */
  readonly databasePid: number | undefined;
}

/** "0.93 of its 1 CPU(s)", or what is known of a remote target's. */
function serviceUse(cpu: WindowCpu, serviceCpus: number | undefined): string {
  const cores = cpu.serviceCores === undefined ? 'an unmeasured share' : cpu.serviceCores.toFixed(2);
  return serviceCpus === undefined ? `${cores} cores` : `${cores} of its ${serviceCpus} CPU(s)`;
}

/** The service's CPU per completed request, with the kernel's interrupt work on its CPUs, in µs. */
function cpuUsPerRequest(outcome: LoadOutcome, cpu: WindowCpu, serviceCpus: number | undefined): number | undefined {
  if (cpu.serviceCores === undefined || outcome.counts.expectedStatus === 0) return undefined;
  const cores = cpu.serviceCores + (cpu.serviceInterruptShare ?? 0) * (serviceCpus ?? 0);
  return (cores * cpu.windowSeconds * 1e6) / outcome.counts.expectedStatus;
}

/**
 * Probes a service's capacity for an open-loop scenario at capacity fractions.
 * @returns the probe as results.json keeps it; `valid` only when it measured a capacity (not a lower bound)
 */
export async function probeCapacity(context: ProbeContext): Promise<CapacityProbe> {
  const { scenario, manifest, cpus, constants } = context;
  const load = scenario.load;
  if (load.model !== 'open' || load.capacityFractions === undefined) throw new Error('probeCapacity needs an open-loop scenario at capacity fractions');
  const fractions = load.capacityFractions;
  // Warm: the points' own warm-up (at least a second) before each window, against one instance.
  const warmupSeconds = Math.max(scenario.warmupSeconds, 1);
  const serviceCpus = manifest.target === undefined ? cpuCount(cpus.serviceCpus) : manifest.target.cpus;
  const base = { scenario: scenario.name, service: manifest.name };
  let service: RunningService | undefined;
  try {
    let baseUrl: string;
    let tls: LoadTls | undefined;
    if (manifest.target !== undefined) ({ baseUrl, tls } = await connectTarget(manifest, scenario.service.readyTimeoutSeconds * 1000));
    else {
      service = await startService({ manifest, workers: scenario.service.workers, cpuList: cpus.serviceCpus, ...(await context.env()), readyTimeoutMs: scenario.service.readyTimeoutSeconds * 1000 });
      baseUrl = service.baseUrl;
    }
    const captured = await runSetup({ scenario, service: manifest.name, label: 'capacity probe', baseUrl, tls });
    // A remote target's CPU is not read during the short probe (fewer than 4 scrapes): only a plateau or the check can show it the bottleneck.
    const tree = service === undefined ? undefined : new TreeSampler(service.pid, undefined, constants);
    const samplers = () => ({
      service: tree,
      upstream: context.upstreamPid === undefined ? undefined : new TreeSampler(context.upstreamPid, undefined, constants),
      database: context.databasePid === undefined ? undefined : new TreeSampler(context.databasePid, undefined, constants),
    });
    const remote = manifest.target === undefined ? undefined : { cpuCores: undefined, cpus: manifest.target.cpus, metricsProblem: undefined };
    const window = async (probeScenario: ResolvedScenario, point: { ratePerSecond: number | undefined; capacityFraction: number | undefined }, seed: number, engine: EngineChoice) => {
      const measured = await measureWindow(loadJobFor(probeScenario, baseUrl, point, seed, engine, { tls, captured }), samplers(), cpus, constants);
      const input = validityInput(measured.outcome, measured.cpu, cpus, undefined, remote);
      return { ...measured, validity: judgeRun(input), engineAtLimit: isEngineAtLimit(input) };
    };

    // 1. Closed loops: the service must be the bottleneck.
    // The probe is a closed loop: the Node pacer's choice becomes its closed-loop sibling.
    const closedEngine = load.engine === 'pacer' ? 'autocannon' : load.engine;
    const readings: ClosedProbeReading[] = [];
    let connections = load.probe.connections;
    let verdict = judgeClosedProbes(readings, load.probe.connections);
    for (;;) {
      const closedScenario: ResolvedScenario = { ...scenario, load: { model: 'closed', connections }, warmupSeconds, durationSeconds: load.probe.seconds };
      const run = await window(closedScenario, { ratePerSecond: undefined, capacityFraction: undefined }, scenario.seed + readings.length + 1, context.engine('closed', closedEngine, connections));
      readings.push({ connections, achievedRps: run.outcome.achievedRps, validity: run.validity, cpuUsPerRequest: cpuUsPerRequest(run.outcome, run.cpu, serviceCpus), serviceUse: serviceUse(run.cpu, serviceCpus), serviceShare: run.cpu.serviceCores === undefined || serviceCpus === undefined ? undefined : run.cpu.serviceCores / serviceCpus, engineAtLimit: run.engineAtLimit });
      verdict = judgeClosedProbes(readings, load.probe.connections);
      if (verdict.state !== 'more-connections') break;
      connections = verdict.connections;
    }
    const closedRecord = readings.map((reading) => ({ connections: reading.connections, achievedRps: reading.achievedRps, cpuUsPerRequest: reading.cpuUsPerRequest, bottleneck: reading.validity.bottleneck }));
    const validity = readings.at(-1)!.validity;
    if (verdict.state === 'invalid') return { ...base, capacityRps: 0, valid: false, state: 'invalid', validity, note: verdict.note, closedLoop: closedRecord };
    if (verdict.state === 'lower-bound') return { ...base, capacityRps: verdict.lowerBoundRps, valid: false, state: 'lower-bound', validity, note: verdict.note, closedLoop: closedRecord };
    if (verdict.state !== 'measured') throw new Error('judgeClosedProbes asked for more connections after the last probe');

    // 2. An open loop at the top fraction, as the points will send it: the same requests and
    // connections; the instance is warm from the closed loops, so the engine's ramp is all the
    // warm-up it needs, and the probe's window (not a long soak's) is enough to see it sustained.
    const checkRps = checkRateRps(verdict.capacityRps, fractions);
    const checkScenario: ResolvedScenario = { ...scenario, warmupSeconds: Math.min(scenario.warmupSeconds, CHECK_WARMUP_SECONDS), durationSeconds: Math.min(scenario.durationSeconds, load.probe.seconds) };
    const check = await window(checkScenario, { ratePerSecond: checkRps, capacityFraction: checkRps / verdict.capacityRps }, scenario.seed + 1_000_001, context.engine('open', load.engine, load.connections));
    const checkReading: OpenCheckReading = {
      offeredRps: checkRps,
      achievedRps: check.outcome.achievedRps,
      validity: check.validity,
      cpuUsPerRequest: cpuUsPerRequest(check.outcome, check.cpu, serviceCpus),
      longestAnswerUs: check.outcome.uncorrectedLatencyUs?.maxUs ?? check.outcome.latencyUs?.maxUs,
    };
    const capacity = correctCapacity(verdict, checkReading);
    const openCheck = {
      offeredRps: checkRps,
      achievedRps: checkReading.achievedRps,
      cpuUsPerRequest: checkReading.cpuUsPerRequest,
      longestAnswerUs: checkReading.longestAnswerUs,
      reasons: check.validity.reasons.map((reason) => reason.code),
    };
    if (capacity.state === 'invalid') return { ...base, capacityRps: 0, valid: false, state: 'invalid', validity, note: capacity.note, closedLoop: closedRecord, openCheck };
    const pointConnections = connectionsFor(load.connections, Math.min(Math.max(...fractions), 1) * capacity.capacityRps, checkReading);
    const raised = pointConnections > load.connections ? `; ${pointConnections} connections for the points (${load.connections} in the scenario): the check's longest answer at the top rate needs them (Little's law, × 1.5)` : '';
    return { ...base, capacityRps: capacity.capacityRps, valid: true, state: 'measured', validity, note: `${capacity.note}${raised}`, closedLoop: closedRecord, openCheck, connections: pointConnections };
  } catch (error) {
    return { ...base, capacityRps: 0, valid: false, state: 'invalid', validity: undefined, note: messageOf(error) };
  } finally {
    await service?.stop();
  }
}
