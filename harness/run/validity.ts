/**
 * Whether a run measured the service, which side was the bottleneck, and why not. Pure.
 *
 * A run is invalid when: requests failed (errors, timeouts, unexpected statuses, body mismatches,
 * dropped sends); nothing succeeded; the service died; an open loop achieved under 95 % of the
 * offered rate, beyond what requests in flight at the window's edges explain (the service is
 * saturated); sends waited for a free connection while the service had CPU to spare and the mean
 * latency needs more connections than the engine had (the engine ran out of them: waits only in
 * the service's slow spells are a warning, their latency being measured from the planned send);
 * the engine could not keep its schedule (open loop, p90 send lag over 1 ms); or a closed loop was bound by the load side (a
 * worker thread of the engine at its limit, or the engine plus the upstream that shares its CPUs
 * near those CPUs, while the service stayed clearly below its own: the service was not saturated,
 * and the throughput reached is only a lower bound).
 * When both sides are near their CPUs the service is saturated and the run measured it.
 * Each finding carries the figure that triggered it and a next step; warnings name the numbers
 * they concern, so tables can mark them. Invalid runs stay in the results and are never
 * summarised with the valid ones. Background: docs/measurement.md.
 */
import type { LoadOutcome } from '../load/outcome.js';
import type { Bottleneck, Concern, Finding, Validity } from '../results/validity.js';
import type { EngineThreadDemand } from './engine-threads.js';

export const RULES = {
  minAchievedShare: 0.95,
  /** The load side is "near its CPUs" above this share of them. */
  maxLoadSideShare: 0.85,
  /** The service is "clearly below its CPUs" under this share of them. */
  serviceSaturatedShare: 0.8,
  /** An engine whose p90 send lag exceeds this is behind its schedule, not just jittery. */
  maxSendLagP90Us: 1000,
  /** Sends that waited for a free connection, as a share of the planned ones, beyond which the engine ran out of connections. */
  maxConnectionWaitShare: 0.01,
  /** Warn when the p99 send lag exceeds this share of the latency p99. */
  maxSendLagShareOfP99: 0.2,
  /** Warn when the generator's event-loop delay p99 exceeds this share of the latency p99. */
  maxLoopDelayShare: 0.25,
  maxStealShare: 0.05,
  /** Other processes used more than this share of the service's or the load CPUs: the machine was busy. */
  maxCpuWaitShare: 0.1,
  minSamplesForP999: 10_000,
} as const;

export interface ValidityInput {
  readonly load: LoadOutcome;
  readonly serviceDied: string | undefined;
  /**
   * CPU cores used in the window, and CPUs given, by the service and the load side. A remote
   * target's cores may be unknown (no `metrics:`, or Prometheus failed) and so may its CPUs (no
   * `target.cpus`): then the service cannot be shown saturated, and a busy load side makes the
   * run engine-bound.
   */
  readonly serviceCpuCores: number | undefined;
  readonly serviceCpus: number | undefined;
  /** Why the service's CPU and memory are missing (a remote target's Prometheus failed): the run is invalid. */
  readonly metricsProblem?: string | undefined;
  readonly generatorCpuCores: number;
  readonly loadCpus: number;
  /** The upstream shares the load CPUs; undefined when the scenario has none. */
  readonly upstreamCpuCores: number | undefined;
  /** A database server the harness started shares them too (PostgreSQL); undefined when there is none. */
  readonly databaseCpuCores?: number | undefined;
  /** Share of machine CPU time stolen by the hypervisor during the window (0–1). */
  readonly stealShare: number | undefined;
  /** Share of the service's CPUs, and of the load CPUs, that ran other processes than this run's (run/contention.ts). */
  readonly serviceOtherLoadShare: number | undefined;
  readonly loadOtherLoadShare: number | undefined;
  /**
   * Share of the service's CPUs, and of the load CPUs, in the kernel's interrupt work (irq +
   * softirq; run/contention.ts): on loopback mostly this run's own packets. Not other load (it
   * never makes the machine "busy"), but CPU the side could not use: it counts in its demand.
   */
  readonly serviceInterruptShare?: number | undefined;
  readonly loadInterruptShare?: number | undefined;
  /**
   * What the engine's worker threads wanted of a CPU (run/engine-threads.ts), read at the window's
   * edges; undefined when they could not be read (then the engine's CPU is judged against its
   * `load.threads`).
   */
  readonly engineThreads?: EngineThreadDemand | undefined;
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** "0.93 of its 1 CPU(s)", or what is known of a remote target's. */
function serviceUse(input: ValidityInput): string {
  const cores = input.serviceCpuCores === undefined ? 'an unmeasured share' : input.serviceCpuCores.toFixed(2);
  return input.serviceCpus === undefined ? `${cores} cores (its CPU limit unknown: set \`target.cpus\`)` : `${cores} of its ${input.serviceCpus} CPU(s)`;
}

/** Whether the service used (with what others and the kernel's interrupt work took on its CPUs) most of its CPUs; false when that cannot be known. */
function isServiceBusy(input: ValidityInput): boolean {
  if (input.serviceCpuCores === undefined || input.serviceCpus === undefined || input.serviceCpus <= 0) return false;
  const demand = input.serviceCpuCores + ((input.serviceOtherLoadShare ?? 0) + (input.serviceInterruptShare ?? 0)) * input.serviceCpus;
  return demand >= RULES.serviceSaturatedShare * input.serviceCpus;
}
const LATENCY: readonly Concern[] = ['p50', 'p90', 'p99', 'p999', 'max'];
const TAIL: readonly Concern[] = ['p99', 'p999', 'max'];
const EVERYTHING: readonly Concern[] = [...LATENCY, 'rps', 'cpuCores', 'cpuUsPerRequest'];

function engineName(load: LoadOutcome): string {
  return load.engine.name === 'native' ? 'the native load engine' : load.engine.name === 'pacer' ? 'the Node pacer' : 'autocannon';
}

/** Applies the validity rules to one run. */
export function judgeRun(input: ValidityInput): Validity {
  const { load } = input;
  const { counts } = load;
  const reasons: Finding[] = [];
  const warnings: Finding[] = [];
  const engine = engineName(load);
  if (input.serviceDied !== undefined) {
    reasons.push({ code: 'service-died', text: `the service died during the run: ${input.serviceDied}`, next: 'fix the service (its last output is above); a run of a dead service measures nothing', concerns: EVERYTHING });
  }
  const failures: string[] = [];
  if (counts.errors > 0) failures.push(`${counts.errors} connection errors`);
  if (counts.timeouts > 0) failures.push(`${counts.timeouts} timeouts`);
  if (counts.non2xx > 0) failures.push(`${counts.non2xx} non-2xx responses`);
  if (counts.unexpectedStatus > 0) failures.push(`${counts.unexpectedStatus} responses with an unexpected 2xx status`);
  if (counts.mismatches > 0) failures.push(`${counts.mismatches} of ${counts.verified} sampled bodies differed from the reference`);
  if (counts.dropped > 0) failures.push(`${counts.dropped} planned requests dropped (too many outstanding)`);
  if (failures.length > 0) {
    reasons.push({
      code: 'failures',
      text: `${failures.join(', ')}${load.firstError === undefined ? '' : ` (first: ${load.firstError})`}`,
      next: 'a service that fails requests under load is not measured: fix the first error, or set the scenario\'s expectStatus if that answer is intended',
      concerns: EVERYTHING,
    });
  }
  if (counts.expectedStatus === 0) {
    reasons.push({ code: 'no-success', text: 'no successful response in the measured window', next: "check the scenario's paths and expectStatus against the service", concerns: EVERYTHING });
  }
  if (input.metricsProblem !== undefined) {
    reasons.push({ code: 'metrics-missing', text: `the service's CPU and memory could not be read: ${input.metricsProblem}`, next: 'fix what the message names; the latency of this run is kept, but its figures are not summarised without their CPU and memory', concerns: ['cpuCores', 'cpuUsPerRequest'] });
  }
  const bottleneck = load.model === 'open' ? judgeOpen(input, reasons, warnings, engine) : judgeClosed(input, reasons, engine);
  const lag = load.sendLagP99Us;
  const latencyP99 = load.latencyUs?.p99Us;
  if (load.model === 'open' && lag !== undefined && latencyP99 !== undefined && lag > RULES.maxSendLagShareOfP99 * latencyP99) {
    warnings.push({
      code: 'send-lag-share',
      text: `${engine}'s own p99 lateness (${lag} µs) is over ${percent(RULES.maxSendLagShareOfP99)} of the latency p99 (${latencyP99} µs): the tail at this rate mixes in the engine's and the platform's jitter`,
      next: load.engine.name === 'native' ? 'run on a quieter machine for tails this small' : 'use `load.engine: native` for sub-millisecond tails',
      concerns: TAIL,
    });
  }
  if (load.eventLoopDelayP99Us !== undefined && latencyP99 !== undefined && load.eventLoopDelayP99Us > RULES.maxLoopDelayShare * latencyP99) {
    warnings.push({
      code: 'loop-delay',
      text: `the load generator's event-loop delay p99 (${load.eventLoopDelayP99Us} µs) is over ${percent(RULES.maxLoopDelayShare)} of the latency p99 (${latencyP99} µs): part of the tail may be client lag`,
      next: 'use `load.engine: native`, or fewer connections',
      concerns: LATENCY,
    });
  }
  if (input.stealShare !== undefined && input.stealShare > RULES.maxStealShare) {
    warnings.push({ code: 'steal', text: `${percent(input.stealShare)} of CPU time was stolen by the hypervisor during the window`, next: 'run on a quieter host (or dedicated cores)', concerns: EVERYTHING });
  }
  if ((load.latencyUs?.count ?? 0) < RULES.minSamplesForP999) {
    warnings.push({ code: 'thin-tail', text: `${load.latencyUs?.count ?? 0} responses: p99.9 rests on fewer than 10 samples`, next: 'a longer window or a higher rate gives p99.9 more samples', concerns: ['p999'] });
  }
  const busy = busyFinding(input);
  if (busy !== undefined) (reasons.length > 0 ? reasons : warnings).push(busy);
  const lowerBoundRps = bottleneck === 'load-engine' && reasons.every((reason) => reason.code === 'engine-bound' || reason.code === 'machine-busy') ? load.achievedRps : undefined;
  return { valid: reasons.length === 0, reasons, warnings, bottleneck, lowerBoundRps };
}

function judgeOpen(input: ValidityInput, reasons: Finding[], warnings: Finding[], engine: string): Bottleneck {
  const { load } = input;
  const offered = load.offeredRps ?? 0;
  const planned = load.plannedInWindow ?? 0;
  const waits = load.connectionWaits ?? 0;
  // What the service could have had: the CPU it got plus what others took on its CPUs.
  const serviceBusy = isServiceBusy(input);
  const short = offered > 0 && isShort(load, offered);
  let bottleneck: Bottleneck = 'neither';
  const waitsFinding = planned > 0 && waits > RULES.maxConnectionWaitShare * planned && !serviceBusy ? judgeConnectionWaits(input, engine) : undefined;
  if (waitsFinding?.kind === 'reason') {
    bottleneck = 'engine-connections';
    reasons.push(waitsFinding.finding);
  } else {
    if (waitsFinding !== undefined) warnings.push(waitsFinding.finding);
    if (short) {
      bottleneck = 'service';
      reasons.push({
        code: 'saturated',
        text: `achieved ${load.achievedRps.toFixed(1)} of ${offered.toFixed(1)} req/s offered (${percent(load.achievedRps / offered)}, below ${percent(RULES.minAchievedShare)}) with the service at ${serviceUse(input)}: the service is saturated at this rate`,
        next: 'lower the rate (or a capacity fraction below 1), or give the service more CPUs (`service.cpus`, `service.workers`)',
        concerns: ['p50', 'p90', 'p99', 'p999', 'max', 'rps'],
      });
    }
  }
  if (load.sendLagP90Us !== undefined && load.sendLagP90Us > RULES.maxSendLagP90Us) {
    reasons.push({
      code: 'engine-late',
      text: `${engine} sent ${load.sendLagP90Us} µs late at p90 (limit ${RULES.maxSendLagP90Us} µs): the engine could not keep its own schedule (its lateness, not the service's)`,
      next: load.engine.name === 'native' ? 'run on a quieter machine, or give the load side more CPUs' : 'use `load.engine: native`, a lower rate, or a quieter machine',
      concerns: LATENCY,
    });
  }
  return bottleneck;
}

/**
 * Sends that waited for a free connection (over 1 % of the planned ones) while the service had
 * CPU to spare. Little's law says how many connections the rate needs: rate × how long each
 * request holds one. When the mean hold already needs them all, the engine ran out of
 * connections for good and queued the load itself: invalid. When only the longest answers need
 * more (a GC pause or another stall: the sends planned during it find every connection held), the
 * run stays valid with a warning — latency is measured from the planned send, so a send that
 * waited counts its wait, as it would have queued at the service; dropping these runs biased the
 * spikiest service's p99/p50 down. When neither explains the waits, connections were held longer
 * than answers took (no keep-alive, delayed ACKs): invalid.
 */
function judgeConnectionWaits(input: ValidityInput, engine: string): { kind: 'reason' | 'warning'; finding: Finding } {
  const { load } = input;
  const offered = load.offeredRps ?? 0;
  const planned = load.plannedInWindow ?? 0;
  const waits = load.connectionWaits ?? 0;
  const holdUs = load.uncorrectedLatencyUs?.meanUs ?? load.latencyUs?.meanUs ?? 0;
  const needed = Math.ceil((offered * holdUs) / 1e6);
  const waited = `${waits} of ${planned} sends (${percent(waits / planned)}) waited for a free connection${load.connectionWaitP99Us === undefined ? '' : ` (p99 wait ${load.connectionWaitP99Us} µs)`} while the service used ${serviceUse(input)}`;
  const littles = `${offered.toFixed(0)} req/s × ${holdUs} µs mean latency ≈ ${needed} requests in flight`;
  // In slow spells (a GC pause, a stall) the sends planned during the longest answer all need a connection.
  const longestUs = load.uncorrectedLatencyUs?.maxUs ?? load.latencyUs?.maxUs ?? 0;
  const neededInSpells = Math.ceil((offered * longestUs) / 1e6);
  const concerns: readonly Concern[] = ['p50', 'p90', 'p99', 'p999', 'max', 'rps'];
  if (needed >= load.connections) {
    return {
      kind: 'reason',
      finding: { code: 'connections-exhausted', text: `${engine} ran out of connections: ${waited}; ${littles} ≥ ${load.connections} connections`, next: `raise \`load.connections\` to at least ${Math.max(load.connections + 1, Math.ceil(needed * 1.5))}`, concerns },
    };
  }
  if (neededInSpells >= load.connections) {
    return {
      kind: 'warning',
      finding: {
        code: 'connection-waits',
        text: `${waited}, in the service's slow spells: ${littles}, but × ${longestUs} µs, its longest answer, ≈ ${neededInSpells} ≥ ${load.connections} connections. Their latency is measured from the planned send and includes the wait, as it would have queued at the service: the figures stand`,
        next: `about ${neededInSpells} connections (\`load.connections\`) would have avoided the waits`,
        concerns: ['max'],
      },
    };
  }
  return {
    kind: 'reason',
    finding: {
      code: 'connections-exhausted',
      text: `${waited}, though ${littles} and its longest answer (${longestUs} µs) ≈ ${neededInSpells}, fewer than the ${load.connections} connections: connections stayed busy longer than answers took`,
      next: 'check that the service keeps connections alive (HTTP/1.1 keep-alive) and answers at once (a server that writes headers and body separately without TCP_NODELAY waits 40 ms for an ACK)',
      concerns,
    },
  };
}

/**
 * Whether an open loop fell short of its offered rate by more than the window's edges explain.
 * Answers completed inside the window differ from the sends planned in it by the requests in
 * flight at its end less those in flight at its start: for a service that keeps up, a random
 * count of mean about rate × latency each (Little's law), so their difference has a standard
 * deviation near √(2 × rate × latency). A saturated service's backlog grows with the window
 * instead. Without this allowance a slow service at a few req/s (python on /alloc: 28 sends,
 * 160 ms each, 26 answered inside the window) reads as saturated. The expected count is the
 * planned sends of the window (rate × window when the engine does not report them).
 */
export function isShort(load: LoadOutcome, offeredRps: number): boolean {
  // The sends the engine planned in the window, not rate × window: Poisson arrivals plan a random
  // count (15–120 expected sends: 10–29 % of runs of a service that kept up read as saturated).
  const expected = load.plannedInWindow ?? offeredRps * load.windowSeconds;
  const shortfall = expected - load.achievedRps * load.windowSeconds;
  const inFlight = (offeredRps * (load.uncorrectedLatencyUs?.meanUs ?? load.latencyUs?.meanUs ?? 0)) / 1e6;
  const edgeAllowance = 1 + 3 * Math.sqrt(2 * inFlight);
  return shortfall > Math.max((1 - RULES.minAchievedShare) * expected, edgeAllowance);
}

/**
 * Whether the load engine itself was at its limit: a worker thread that ran, or waited to run,
 * nearly all of the window (read per thread when the edges read them), else the engine's CPU
 * against the threads it was given (never more than the load CPUs). Not its share of the load
 * CPUs: the native engine gets one thread fewer than load CPUs (load/engines/select.ts), so at
 * full tilt it uses 1/2, 2/3, 3/4 … of 2, 3, 4 load CPUs.
 */
export function isEngineAtLimit(input: ValidityInput): boolean {
  if (input.engineThreads !== undefined) return input.engineThreads.busiestShare > RULES.maxLoadSideShare;
  const ceilingCores = Math.min(Math.max(1, input.load.threads), input.loadCpus);
  return ceilingCores > 0 && input.generatorCpuCores > RULES.maxLoadSideShare * ceilingCores;
}

function judgeClosed(input: ValidityInput, reasons: Finding[], engine: string): Bottleneck {
  const { load } = input;
  // What the load side could have had: CPU used by the engine and the upstream plus what others and the kernel's interrupt work took there.
  const loadSideDemand = input.generatorCpuCores + (input.upstreamCpuCores ?? 0) + (input.databaseCpuCores ?? 0) + ((input.loadOtherLoadShare ?? 0) + (input.loadInterruptShare ?? 0)) * input.loadCpus;
  const cpusBusy = input.loadCpus > 0 && loadSideDemand > RULES.maxLoadSideShare * input.loadCpus;
  const engineBusy = isEngineAtLimit(input);
  if (isServiceBusy(input)) return 'service';
  if (!cpusBusy && !engineBusy) return 'neither';
  const upstream = `${input.upstreamCpuCores === undefined ? '' : ` and the upstream ${input.upstreamCpuCores.toFixed(2)}`}${input.databaseCpuCores === undefined ? '' : ` and the database server ${input.databaseCpuCores.toFixed(2)}`}`;
  const threads = input.engineThreads?.threads ?? load.threads;
  const which =
    engineBusy && !cpusBusy
      ? `${engine}'s ${threads === 1 ? 'one worker thread' : `${threads} worker threads`} ${
          input.engineThreads === undefined
            ? `used ${input.generatorCpuCores.toFixed(2)} cores (> ${RULES.maxLoadSideShare} of ${threads === 1 ? 'its thread' : `its ${threads} threads`})`
            : `${threads === 1 ? 'was' : 'were'} at their limit (the busiest ran or waited to run ${percent(input.engineThreads.busiestShare)} of the window, > ${percent(RULES.maxLoadSideShare)})`
        }${upstream === '' ? '' : `, with${upstream.replace(/^ and/, '')}`} on ${input.loadCpus} load CPU(s)`
      : `${engine} used ${input.generatorCpuCores.toFixed(2)}${upstream} of ${input.loadCpus} load CPU(s) (> ${RULES.maxLoadSideShare})`;
  reasons.push({
    code: 'engine-bound',
    text: `the load side saturated first: ${which} while the service used ${input.serviceCpuCores === undefined || input.serviceCpus === undefined ? `${serviceUse(input)}, so it cannot be shown saturated` : `only ${serviceUse(input)}: the service was not saturated`}, so ${Math.round(load.achievedRps).toLocaleString('en-US')} req/s is a lower bound of its throughput`,
    next: load.engine.name === 'native' ? 'give the load engine more CPUs (a machine with more cores, or fewer `service.cpus`)' : 'use `load.engine: native`, or give the load side more CPUs',
    concerns: EVERYTHING,
  });
  return 'load-engine';
}

/** The machine was busy: a process of the run waited for its CPU a good part of the window. */
function busyFinding(input: ValidityInput): Finding | undefined {
  const parts: string[] = [];
  if ((input.serviceOtherLoadShare ?? 0) > RULES.maxCpuWaitShare) parts.push(`other processes used ${percent(input.serviceOtherLoadShare!)} of the service's CPUs`);
  if ((input.loadOtherLoadShare ?? 0) > RULES.maxCpuWaitShare) parts.push(`other processes used ${percent(input.loadOtherLoadShare!)} of the load CPUs`);
  if (parts.length === 0) return undefined;
  return { code: 'machine-busy', text: `the machine was busy: ${parts.join(', and ')}`, next: 'run on a quieter machine (no builds or other benchmarks beside it)', concerns: EVERYTHING };
}
