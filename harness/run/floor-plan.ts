/**
 * What the platform floor measures in a round (issue 21). The floor (rewrite-bench-floor, an
 * HTTP server that answers at once) is one more member of every round of an open-loop scenario,
 * started like a service on the service's CPUs and loaded by the same engine with the same
 * connections and requests, at the load point of the services it stands beside:
 *
 * - absolute rates: one floor run per rate of the round, whatever the number of services;
 * - capacity fractions: one at each service's own rate (services offered the same rate — the
 *   in-job gate's shared rates — share one);
 * - closed loops: none. A closed loop's latency is the service's own queue (connections ÷
 *   throughput, Little's law); the floor in the same closed loop would restate the load engine's
 *   throughput, and an open loop at the achieved rate would be another load model: neither tells
 *   a closed-loop service's tail from the machine's.
 *
 * Cost: the floor starts in milliseconds (no idle memory to wait for) and warms up for at most
 * FLOOR_WARMUP_SECONDS; its window is the services' own, so its percentiles rest on as many
 * samples. Where it has nothing to say it stops: at capacity fractions after one valid run beside
 * each service at each point (every service has its own rate there: a floor run beside each in
 * every round would double the scenario), and otherwise beside a service whose median was above
 * the floor's p99.9 at that point in every counted run so far (none of the service's printed
 * figures can then be the machine's) — unless a claim refers to the floor at that point
 * (`floor.p99`), which pairs it per round. Pure.
 */
import type { LoadJob } from '../load/job.js';
import type { PreparedSource } from '../load/requests.js';
import type { RunRecord } from '../results/document.js';
import { isFloorRun } from '../results/floor-runs.js';
import type { LoadPoint } from './load-job.js';

/** The floor's warm-up at most (the scenario's when shorter): the engine opens its connections and ramps up; the floor itself has nothing to warm. */
export const FLOOR_WARMUP_SECONDS = 0.25;

/** One load point of the floor in a round. */
export interface FloorPoint extends LoadPoint {
  readonly rateIndex: number;
  /** The services of the round it stands beside (whose rate, and connections, it takes). */
  readonly beside: readonly string[];
}

/** A member of the round and the points it is measured at. */
export interface RoundMember {
  readonly service: string;
  readonly points: readonly LoadPoint[];
}

/**
 * The floor's points in a round: one per distinct (rate index, rate, connections) among the
 * members' points, beside every member that has it, in rate-index order. None for a closed loop.
 */
export function floorPoints(model: 'open' | 'closed', members: readonly RoundMember[]): FloorPoint[] {
  if (model === 'closed') return [];
  const byKey = new Map<string, { point: LoadPoint; rateIndex: number; beside: string[] }>();
  for (const member of members) {
    for (const [position, point] of member.points.entries()) {
      if (point.ratePerSecond === undefined) continue;
      const rateIndex = point.rateIndex ?? position;
      const key = `${rateIndex}\u0000${point.ratePerSecond}\u0000${point.connections ?? ''}`;
      const entry = byKey.get(key);
      if (entry === undefined) byKey.set(key, { point, rateIndex, beside: [member.service] });
      else if (!entry.beside.includes(member.service)) entry.beside.push(member.service);
    }
  }
  return [...byKey.values()]
    .sort((a, b) => a.rateIndex - b.rateIndex || a.point.ratePerSecond! - b.point.ratePerSecond!)
    .map(({ point, rateIndex, beside }) => ({
      ratePerSecond: point.ratePerSecond,
      capacityFraction: point.capacityFraction,
      rateIndex,
      ...(point.connections === undefined ? {} : { connections: point.connections }),
      beside,
    }));
}

/** The scenario's requests as the floor gets them: the same bytes, every answer expected to be a 200 (the floor answers `{"ok":true}` to anything). */
export function floorSources(sources: readonly PreparedSource[]): PreparedSource[] {
  return sources.map((source) => ({
    weight: source.weight,
    list: source.list.map(({ expectBody: _expectBody, ...request }) => ({ ...request, expectStatus: 200 })),
  }));
}

/** A service's load job as the floor's: its requests expecting the floor's answer, no body checks, a short warm-up. */
export function floorJob(job: LoadJob): LoadJob {
  return { ...job, sources: floorSources(job.sources), verifyEvery: 0, warmupSeconds: Math.min(job.warmupSeconds, FLOOR_WARMUP_SECONDS) };
}

const p50Of = (run: RunRecord): number | undefined => run.load.latencyUs?.p50Us;
const p999Of = (run: RunRecord): number | undefined => run.load.latencyUs?.p999Us;

/** A service at a point beside which the floor is not measured again, and why. */
export interface SettledPoint {
  readonly service: string;
  readonly point: number;
  readonly text: string;
}

/**
 * Whether the floor has nothing more to say beside `service` at `point`: both have valid runs
 * there, and the service's smallest p50 is above the largest p99.9 of the floor beside it.
 * @param runs the scenario's runs so far (services' and the floor's)
 * @returns the reason, or undefined while the floor is still needed
 */
export function settledBeside(runs: readonly RunRecord[], service: string, point: number, describe: (us: number) => string): SettledPoint | undefined {
  const own = runs.filter((run) => !isFloorRun(run) && run.service === service && run.rateIndex === point && run.validity.valid).flatMap((run) => (p50Of(run) === undefined ? [] : [p50Of(run)!]));
  const besideRuns = runs.filter((run) => isFloorRun(run) && run.rateIndex === point && (run.beside ?? []).includes(service) && run.validity.valid);
  // At capacity fractions every service has its own rate at every point: the floor beside each in
  // every round would cost as much as the services' own runs (+49 % on process-sweep). One valid
  // run characterises the machine at that rate.
  if (besideRuns.some((run) => run.capacityFraction !== undefined)) {
    return { service, point, text: `the floor was measured once beside ${service} at its own rate at this point (capacity fractions: one rate per service), and is not measured beside it again` };
  }
  const floor = besideRuns.flatMap((run) => (p999Of(run) === undefined ? [] : [p999Of(run)!]));
  if (own.length === 0 || floor.length === 0) return undefined;
  const lowest = Math.min(...own);
  const highest = Math.max(...floor);
  if (lowest <= highest) return undefined;
  return {
    service,
    point,
    text: `${service}'s p50 (at least ${describe(lowest)} in ${own.length} valid run${own.length === 1 ? '' : 's'}) is above the floor's p99.9 beside it (at most ${describe(highest)} in ${floor.length}): none of its latency figures can be the machine's, so the floor is not measured beside it again at this point`,
  };
}

/**
 * The members' points the floor still stands beside in the next round: a (service, point) the
 * floor has settled is left out, unless a claim pairs the floor per round at that point.
 * @param pairedPoints rate indexes at which a claim of the scenario refers to `floor.<metric>`
 */
export function membersStillNeedingFloor(members: readonly RoundMember[], runs: readonly RunRecord[], pairedPoints: ReadonlySet<number>, describe: (us: number) => string): { members: RoundMember[]; settled: SettledPoint[] } {
  const settled: SettledPoint[] = [];
  const kept = members.map((member) => ({
    service: member.service,
    // The rate index first, from the point's place when it has none: filtering must not renumber it.
    points: member.points
      .map((point, position) => ({ ...point, rateIndex: point.rateIndex ?? position }))
      .filter((point) => {
        if (pairedPoints.has(point.rateIndex)) return true;
        const found = settledBeside(runs, member.service, point.rateIndex, describe);
        if (found !== undefined) settled.push(found);
        return found === undefined;
      }),
  }));
  return { members: kept, settled };
}

/** What the floor measures in one round, and where it stopped standing beside a service. */
export interface RoundFloor {
  readonly points: readonly FloorPoint[];
  readonly settled: readonly SettledPoint[];
}

/**
 * The floor's points in a round.
 * @param runs the scenario's runs so far
 * @param pairedPoints rate indexes where a claim refers to `floor.<metric>` (never settled)
 * @param only an added round (adaptive repetitions): the rate indexes where a claim's floor term asks for it; undefined for the scenario's own rounds
 */
export function planRoundFloor(input: {
  readonly model: 'open' | 'closed';
  readonly members: readonly RoundMember[];
  readonly runs: readonly RunRecord[];
  readonly pairedPoints: ReadonlySet<number>;
  readonly only: ReadonlySet<number> | undefined;
  readonly describe: (us: number) => string;
}): RoundFloor {
  if (input.model === 'closed') return { points: [], settled: [] };
  if (input.only !== undefined) {
    const only = input.only;
    const members = input.members.map((member) => ({ service: member.service, points: member.points.map((point, position) => ({ ...point, rateIndex: point.rateIndex ?? position })).filter((point) => only.has(point.rateIndex)) }));
    return { points: floorPoints('open', members), settled: [] };
  }
  const { members, settled } = membersStillNeedingFloor(input.members, input.runs, input.pairedPoints, input.describe);
  return { points: floorPoints('open', members), settled };
}
