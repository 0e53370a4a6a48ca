/**
 * One scenario's rounds. A scenario is opened (its upstream started, its database server, the
 * harness pinned to the load CPUs), checked against its reference, probed when its rates are
 * fractions of capacity, and measured in rounds — every service once per repetition, back to
 * back, in an order that rotates from round to round (round-order.ts), the platform floor one
 * more member in an open loop — then closed. Its state (the services left, their load points)
 * outlives the scenario's own rounds, so that rounds can be added later where claims are still
 * open (run/adaptive.ts). I/O.
 */
import { execa } from 'execa';
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import { formatMicros } from '../format.js';
import { engineThreads, selectEngine } from '../load/engines/select.js';
import type { EngineName } from '../load/job.js';
import type { DatabaseFixtures } from '../process/databases.js';
import type { SamplerConstants } from '../process/sampler.js';
import type { RunningService } from '../process/service.js';
import { startUpstream } from '../process/upstream.js';
import type { ResultsDocument } from '../results/document.js';
import { describeFinding } from '../results/validity.js';
import type { CpuPlan } from './cpus.js';
import { equivalentServices } from './equivalent-services.js';
import { planRoundFloor } from './floor-plan.js';
import type { EngineChoice, LoadPoint } from './load-job.js';
import { measureService } from './measure.js';
import { cpuCount } from './window.js';
import { probeCapacity } from './probe.js';
import type { Progress } from './progress.js';
import type { RemoteTargets } from './remote-targets.js';
import { roundOrder } from './round-order.js';
import { serviceEnv } from './service-env.js';

/** What every scenario's rounds share: the results, the machine, the fixtures. */
export interface RoundContext {
  readonly document: ResultsDocument;
  /** Prometheus clients of the remote targets that passed the preflight. */
  readonly remote: RemoteTargets;
  readonly constants: SamplerConstants;
  readonly ratesFrom: string | undefined;
  readonly nativeAvailable: boolean;
  /** Check each scenario's services against its `reference:` first (off with --skip-verify). */
  readonly verifyFirst: boolean;
  readonly roundOffset: number;
  readonly save: () => Promise<void>;
  readonly databases: DatabaseFixtures;
  readonly progress: Progress;
  /** References started for the equivalence check only (RunOptions.checkOnly, built). */
  readonly checkers: readonly ResolvedManifest[];
}

/** A scenario after its own rounds: what later rounds measure, and how long a run has taken. */
export interface ScenarioState {
  readonly scenario: ResolvedScenario;
  /** The services measured (those that answered like the reference and were probed). */
  readonly services: readonly ResolvedManifest[];
  /** Each service's load points (rates from its capacity probe at fractions). */
  readonly points: ReadonlyMap<string, readonly LoadPoint[]>;
  readonly cpus: CpuPlan;
  /** The platform floor's manifest when it is measured in this scenario (run/floor-plan.ts). */
  readonly floor: ResolvedManifest | undefined;
  /** Rate indexes where a claim refers to `floor.<metric>`: the floor is paired there in every round. */
  readonly floorPairedPoints: ReadonlySet<number>;
  /** `service@point` beside which the floor stopped (said once). */
  readonly floorSettled: Set<string>;
  /** The highest repetition measured so far. */
  repetition: number;
  /** Wall time of the scenario's rounds (its own and added ones). */
  measuredMs: number;
  /** The upstream while the scenario is open. */
  upstream: RunningService | undefined;
}

async function pinSelf(cpuList: string): Promise<void> {
  // The harness (sampler, orchestration) stays off the service's CPUs, with every thread.
  await execa('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { reject: false, stdin: 'ignore' });
}

/** Starts what the scenario's runs need: the harness on the load CPUs, its upstream, its database server. */
export async function openScenario(state: Pick<ScenarioState, 'scenario' | 'cpus' | 'upstream'>, context: RoundContext): Promise<void> {
  const { scenario, cpus } = state;
  context.document.cpuPlan = cpus;
  await pinSelf(cpus.loadCpus);
  state.upstream = scenario.fixtures.upstream === undefined ? undefined : await startUpstream(scenario.fixtures.upstream.delayMs, cpus.loadCpus);
  // A database server (PostgreSQL) runs beside the upstream, on the load CPUs, for this scenario only.
  await context.databases.open(scenario, cpus.loadCpus);
}

/** Stops what openScenario started. */
export async function closeScenario(state: Pick<ScenarioState, 'upstream'>, context: RoundContext): Promise<void> {
  await context.databases.close();
  await state.upstream?.stop();
  state.upstream = undefined;
}

/** The engine of a scenario's runs on this machine (the native one unless unavailable or told otherwise). */
function engineFor(model: 'open' | 'closed', requested: EngineName | undefined, connections: number, cpus: CpuPlan, context: Pick<RoundContext, 'nativeAvailable'>): EngineChoice {
  const { engine } = selectEngine(model, requested, context.nativeAvailable);
  return { engine, threads: engine === 'native' ? engineThreads(cpuCount(cpus.loadCpus), connections) : 1 };
}

/**
 * A scenario's own rounds: opens it, checks its services against its reference, probes capacity
 * at fractions, measures `scenario.repetitions` rounds, closes it.
 * @param floor the floor's manifest when it is measured here; pairedPoints: where a claim refers to it
 * @returns its state for added rounds, or undefined when nothing could be measured
 */
export async function measureOwnRounds(
  scenario: ResolvedScenario,
  all: readonly ResolvedManifest[],
  cpus: CpuPlan,
  floor: { readonly manifest: ResolvedManifest | undefined; readonly pairedPoints: ReadonlySet<number> },
  context: RoundContext,
): Promise<ScenarioState | undefined> {
  const { progress, document } = context;
  const opened = { scenario, cpus, upstream: undefined as RunningService | undefined };
  await openScenario(opened, context);
  try {
    const upstream = opened.upstream;
    const services = context.verifyFirst ? await equivalentServices(scenario, all, upstream, context) : all;
    if (services.length === 0) return undefined;
    const points = new Map<string, LoadPoint[]>();
    const load = scenario.load;
    const probed = services.find((manifest) => manifest.name === context.ratesFrom);
    let sharedRates: LoadPoint[] | undefined;
    for (const manifest of services) {
      if (load.model === 'closed') points.set(manifest.name, [{ ratePerSecond: undefined, capacityFraction: undefined }]);
      else if (load.ratesPerSecond !== undefined) points.set(manifest.name, load.ratesPerSecond.map((rate) => ({ ratePerSecond: rate, capacityFraction: undefined })));
      else if (probed !== undefined && manifest !== probed) continue;
      else {
        progress.step(`${scenario.name}: capacity probe of ${manifest.name}`);
        const probe = await probeCapacity({
          scenario,
          manifest,
          cpus,
          constants: context.constants,
          env: () => serviceEnv(scenario, manifest, upstream, context.databases, 'probe'),
          engine: (model, requested, connections) => engineFor(model, requested, connections, cpus, context),
          upstreamPid: upstream?.pid,
          databasePid: context.databases.server()?.pid,
        });
        document.capacity.push(probe);
        await context.save();
        if (!probe.valid) {
          const message = probe.state === 'lower-bound' ? `capacity probe found ${probe.note}; not measured` : `capacity probe invalid, not measured: ${probe.note}`;
          document.failures.push({ scenario: scenario.name, service: manifest.name, message });
          progress.log(`${scenario.name}: ${manifest.name}: ${message}`);
          continue;
        }
        points.set(manifest.name, load.capacityFractions!.map((fraction) => ({ ratePerSecond: fraction * probe.capacityRps, capacityFraction: fraction, connections: probe.connections })));
        if (manifest === probed) sharedRates = points.get(manifest.name);
      }
    }
    if (probed !== undefined && load.model === 'open' && load.capacityFractions !== undefined) {
      for (const manifest of services) {
        if (manifest === probed) continue;
        if (sharedRates === undefined) document.failures.push({ scenario: scenario.name, service: manifest.name, message: `not measured: the rates come from ${probed.name}'s capacity probe, which was invalid` });
        else {
          points.set(manifest.name, sharedRates);
          document.capacity.push({ scenario: scenario.name, service: manifest.name, capacityRps: sharedRates[0]!.ratePerSecond! / sharedRates[0]!.capacityFraction!, valid: true, note: `offered ${probed.name}'s rates (not probed itself)`, validity: undefined, ratesFrom: probed.name });
        }
      }
    }
    const state: ScenarioState = {
      scenario,
      services: services.filter((manifest) => points.has(manifest.name)),
      points,
      cpus,
      floor: floor.manifest,
      floorPairedPoints: floor.pairedPoints,
      floorSettled: new Set(),
      repetition: 0,
      measuredMs: 0,
      upstream,
    };
    const startedMs = performance.now();
    for (let repetition = 1; repetition <= scenario.repetitions; repetition += 1) await measureRound(state, state.services, repetition, points, context);
    state.measuredMs = performance.now() - startedMs;
    // Closed below: added rounds open the scenario again.
    state.upstream = undefined;
    return state;
  } finally {
    await closeScenario(opened, context);
  }
}

/**
 * One repetition of the given services, each at all its load points, in the round's rotated
 * order (round-order.ts); the platform floor, when measured, is one more member of the rotation.
 * The scenario must be open.
 * @param floorAt an added round: the rate indexes where the floor joins it (a claim pairs it); undefined: the floor's own plan (run/floor-plan.ts)
 */
export async function measureRound(
  state: ScenarioState,
  services: readonly ResolvedManifest[],
  repetition: number,
  points: ReadonlyMap<string, readonly LoadPoint[]>,
  context: RoundContext,
  floorAt?: ReadonlySet<number>,
): Promise<void> {
  const { progress, document } = context;
  const { scenario, cpus, upstream } = state;
  const measured = services.filter((manifest) => points.has(manifest.name));
  const floorManifest = scenario.load.model === 'open' ? state.floor : undefined;
  const members = roundOrder<ResolvedManifest | 'floor'>([...measured, ...(floorManifest === undefined ? [] : (['floor'] as const))], repetition + context.roundOffset);
  state.repetition = Math.max(state.repetition, repetition);
  for (const [position, member] of members.entries()) {
    const manifest = member === 'floor' ? floorManifest! : member;
    let servicePoints: readonly LoadPoint[] = points.get(manifest.name) ?? [];
    if (member === 'floor') {
      const plan = planRoundFloor({
        model: scenario.load.model,
        members: measured.map((service) => ({ service: service.name, points: points.get(service.name)! })),
        runs: document.runs.filter((run) => run.scenario === scenario.name),
        pairedPoints: state.floorPairedPoints,
        only: floorAt,
        describe: formatMicros,
      });
      for (const settled of plan.settled) {
        if (state.floorSettled.has(`${settled.service}@${settled.point}`)) continue;
        state.floorSettled.add(`${settled.service}@${settled.point}`);
        progress.log(`${scenario.name}: ${settled.text}`);
      }
      servicePoints = plan.points;
      if (servicePoints.length === 0) continue;
      progress.grow(servicePoints.length);
    }
    try {
      const { stopProblem } = await measureService({
        scenario,
        manifest,
        repetition,
        cpus,
        constants: context.constants,
        engine: engineFor(scenario.load.model, scenario.load.engine, scenario.load.connections, cpus, context),
        env: member === 'floor' ? {} : await serviceEnv(scenario, manifest, upstream, context.databases, `rep${repetition}`),
        upstream,
        database: context.databases.server(),
        prometheus: context.remote.clients.get(manifest.name),
        points: servicePoints,
        ...(member === 'floor' ? { role: 'floor' as const } : {}),
        onPoint: (point) =>
          progress.step(`${scenario.name}: ${member === 'floor' ? 'the platform floor' : manifest.name} rep ${repetition}${repetition > scenario.repetitions ? ' (added)' : `/${scenario.repetitions}`}${point.ratePerSecond === undefined ? '' : ` at ${point.ratePerSecond.toFixed(0)} req/s`}`),
        onRecord: async (record) => {
          document.runs.push({ ...record, orderInRound: position + 1 });
          if (member !== 'floor') document.services[manifest.name] = { ...document.services[manifest.name]!, runtime: record.measured.runtime ?? document.services[manifest.name]?.runtime };
          if (!record.validity.valid) progress.log(`invalid run ${record.id}: ${record.validity.reasons.map(describeFinding).join('; ')}`);
          await context.save();
        },
      });
      if (stopProblem !== undefined) {
        document.failures.push({ scenario: scenario.name, service: manifest.name, message: stopProblem });
        progress.log(`${scenario.name}: ${stopProblem}`);
      }
    } catch (error) {
      document.failures.push({ scenario: scenario.name, service: manifest.name, message: messageOf(error) });
      progress.log(`${scenario.name}: ${manifest.name} rep ${repetition} failed: ${messageOf(error)}`);
      await context.save();
    }
  }
}
