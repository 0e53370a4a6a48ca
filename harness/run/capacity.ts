/**
 * The capacity of a service for `capacityFractions`, from what its probe measured. Pure; the
 * probe itself (processes, load) is run/probe.ts.
 *
 * The rule (README, "Capacity"):
 * 1. A closed loop (`load.probe.connections`, the scenario's request mix, warm) must show the
 *    service as the bottleneck: at its CPUs (≥ 0.8 of them, judged like any closed-loop run; on a
 *    busy machine by its own CPU time alone), or — when it stays below them, or others used its CPUs — a
 *    throughput that grows less than 10 % when the connections are multiplied by 4 (its own
 *    limit: its CPU, a pool, a lock). Otherwise its rate is a lower
 *    bound and no fraction of it is offered: more probe connections, or absolute rates.
 * 2. An open loop at the top fraction (at most 95 %) of that rate, with the scenario's own
 *    connections, checks what an open loop sustains. A request that costs the service more CPU
 *    there than in the closed loop (wake-ups and cold caches between requests instead of
 *    back-to-back batches) lowers the capacity by that ratio; a check that fell short caps it at
 *    what it achieved. So a fraction ≤ 0.95 of the capacity keeps the service at or under that
 *    share of what it can do in open loop, on a quiet machine.
 */
import type { Validity } from '../results/validity.js';
import { countsForVerdicts, describeFinding } from '../results/validity.js';
import { RULES } from './validity.js';

const SERVICE_SATURATED_SHARE = RULES.serviceSaturatedShare;

export const PROBE_RULES = {
  /** A closed loop that left the service below its CPUs is repeated with this many times the connections. */
  connectionsFactor: 4,
  /** Less growth than this from the first to the second closed loop is a plateau: the service's own limit. */
  plateauGrowth: 0.1,
  /** The open-loop check runs at the top capacity fraction, at most this. */
  maxCheckFraction: 0.95,
  /** Connections of the load points: this × top rate × the check's longest answer (Little's law, with headroom). */
  connectionsHeadroom: 1.5,
  maxConnections: 1000,
} as const;

/** One closed-loop probe run. */
export interface ClosedProbeReading {
  readonly connections: number;
  readonly achievedRps: number;
  /** The run judged like any closed loop. */
  readonly validity: Validity;
  /** The service's CPU per completed request (its own, and the kernel's interrupt work on its CPUs), in µs; undefined when its CPU was not read. */
  readonly cpuUsPerRequest: number | undefined;
  /** "0.45 of its 1 CPU(s)", for the note. */
  readonly serviceUse: string;
  /** The service's own CPU time as a share of its CPUs (without what others took there); undefined when not read. */
  readonly serviceShare?: number | undefined;
  /** Whether the load engine was at its limit (run/validity.ts, isEngineAtLimit). */
  readonly engineAtLimit?: boolean;
}

/** What the closed-loop probes say. */
export type ClosedVerdict =
  | { readonly state: 'measured'; readonly capacityRps: number; readonly limitedBy: 'cpu' | 'plateau'; readonly reading: ClosedProbeReading; readonly note: string }
  | { readonly state: 'more-connections'; readonly connections: number }
  | { readonly state: 'lower-bound'; readonly lowerBoundRps: number; readonly note: string }
  | { readonly state: 'invalid'; readonly note: string };

const rps = (value: number): string => `${Math.round(value).toLocaleString('en-US')} req/s`;
const percent = (share: number): string => `${Math.round(share * 100)} %`;

/**
 * Judges the closed-loop probes run so far (the first at `load.probe.connections`, the second,
 * when asked for, at 4 × as many).
 * @param configured the scenario's `load.probe.connections`, named in the advice
 */
export function judgeClosedProbes(readings: readonly ClosedProbeReading[], configured: number): ClosedVerdict {
  const last = readings.at(-1);
  if (last === undefined) return { state: 'invalid', note: 'no closed-loop probe ran' };
  const at = `${rps(last.achievedRps)} at ${last.connections} connections with the service at ${last.serviceUse}`;
  if (!last.validity.valid) return { state: 'invalid', note: `${at}; ${last.validity.reasons.map(describeFinding).join('; ')}` };
  // Another tenant on the service's CPUs makes it look saturated: only a plateau can show it then (the busy-run policy of results/validity.ts).
  // A service that used its CPUs by itself was saturated, whoever else ran.
  const busy = !countsForVerdicts(last.validity) && (last.serviceShare ?? 0) < SERVICE_SATURATED_SHARE;
  const busyNote = busy ? ' (the machine was busy: others on its CPUs, so its CPU cannot show it saturated)' : '';
  if (last.validity.bottleneck === 'service' && !busy) return { state: 'measured', capacityRps: last.achievedRps, limitedBy: 'cpu', reading: last, note: `closed loop ${at}` };
  // With others on the CPUs, an engine at its limit may be what stopped the throughput growing.
  if (busy && last.engineAtLimit === true) return { state: 'invalid', note: `${at}${busyNote}, and the load engine was at its limit: neither side can be shown to be the bottleneck; run on a quieter machine` };
  const previous = readings.at(-2);
  if (previous !== undefined && previous.achievedRps > 0) {
    const growth = last.achievedRps / previous.achievedRps - 1;
    if (growth < PROBE_RULES.plateauGrowth) {
      return {
        state: 'measured',
        capacityRps: Math.max(last.achievedRps, previous.achievedRps),
        limitedBy: 'plateau',
        reading: last,
        note: `closed loop ${at}${busyNote}: throughput ${growth >= 0 ? `grew ${percent(growth)}` : `fell ${percent(-growth)}`} from ${previous.connections} connections (${rps(previous.achievedRps)}), so it is the service's own limit`,
      };
    }
  }
  const more = Math.min(PROBE_RULES.maxConnections, last.connections * PROBE_RULES.connectionsFactor);
  if (previous === undefined && more > last.connections) return { state: 'more-connections', connections: more };
  const grew = previous === undefined ? '' : ` (throughput still grew ${percent(last.achievedRps / previous.achievedRps - 1)} from ${previous.connections} connections)`;
  const raise = more > last.connections ? `raise \`load.probe.connections\` (now ${configured}) to ${more} or more, or ` : '';
  return {
    state: 'lower-bound',
    lowerBoundRps: last.achievedRps,
    note: `a lower bound, not a capacity: ${at}${busyNote}${grew} — the service was not shown to be the bottleneck, so fractions of it would be fractions of a lower bound; ${raise}give absolute \`ratesPerSecond\``,
  };
}

/** The rate of the open-loop check: the top capacity fraction of the closed loop's rate, at most 95 %. */
export function checkRateRps(capacityRps: number, fractions: readonly number[]): number {
  return Math.min(Math.max(...fractions), PROBE_RULES.maxCheckFraction) * capacityRps;
}

/** The open-loop check at the top fraction. */
export interface OpenCheckReading {
  readonly offeredRps: number;
  readonly achievedRps: number;
  readonly validity: Validity;
  /** As in ClosedProbeReading; undefined when the service's CPU was not read. */
  readonly cpuUsPerRequest: number | undefined;
  /** The longest answer from its actual send (uncorrected), in µs. */
  readonly longestAnswerUs: number | undefined;
}

/** The capacity after the open-loop check, or why there is none. */
export type CapacityVerdict =
  | { readonly state: 'measured'; readonly capacityRps: number; readonly note: string }
  | { readonly state: 'invalid'; readonly note: string };

/** Reasons that make the check say nothing about capacity (the points would fail the same way). */
const BROKEN = new Set(['failures', 'no-success', 'service-died', 'metrics-missing']);

/** Corrects the closed loop's capacity by what the open-loop check sustained. */
export function correctCapacity(closed: Extract<ClosedVerdict, { state: 'measured' }>, check: OpenCheckReading): CapacityVerdict {
  const broken = check.validity.reasons.filter((reason) => BROKEN.has(reason.code));
  const checked = `open-loop check at ${rps(check.offeredRps)}`;
  if (broken.length > 0) return { state: 'invalid', note: `${closed.note}; ${checked}: ${broken.map(describeFinding).join('; ')}` };
  let capacityRps = closed.capacityRps;
  const steps: string[] = [];
  const closedCpuUs = closed.reading.cpuUsPerRequest;
  if (closed.limitedBy === 'cpu' && closedCpuUs !== undefined && check.cpuUsPerRequest !== undefined && check.cpuUsPerRequest > closedCpuUs) {
    capacityRps = (closed.capacityRps * closedCpuUs) / check.cpuUsPerRequest;
    steps.push(`a request cost ${Math.round(check.cpuUsPerRequest).toLocaleString('en-US')} µs of CPU there against ${Math.round(closedCpuUs).toLocaleString('en-US')} µs in the closed loop: × ${(closedCpuUs / check.cpuUsPerRequest).toFixed(3)}`);
  }
  const saturated = check.validity.reasons.some((reason) => reason.code === 'saturated');
  if (saturated && check.achievedRps < capacityRps) {
    capacityRps = check.achievedRps;
    steps.push(`it fell short, achieving ${rps(check.achievedRps)}: at most that`);
  }
  const outcome = saturated ? `achieved ${rps(check.achievedRps)}` : `sustained ${rps(check.achievedRps)}`;
  return {
    state: 'measured',
    capacityRps,
    note: `${closed.note}; ${checked} ${outcome}${steps.length === 0 ? '' : ` (${steps.join('; ')})`}; capacity ${rps(capacityRps)}`,
  };
}

/**
 * Connections of the load points: the scenario's, or more when the check's longest answer needs
 * them at the top rate (Little's law: rate × time a request holds a connection, with headroom),
 * so that a slow spell queues at the service, as real clients' requests would. Only a check that
 * kept up says how long answers take at that rate.
 */
export function connectionsFor(configured: number, topRateRps: number, check: OpenCheckReading): number {
  const saturated = check.validity.reasons.some((reason) => reason.code === 'saturated');
  if (saturated || check.longestAnswerUs === undefined) return configured;
  const needed = Math.ceil(PROBE_RULES.connectionsHeadroom * topRateRps * (check.longestAnswerUs / 1e6));
  return Math.min(PROBE_RULES.maxConnections, Math.max(configured, needed));
}
