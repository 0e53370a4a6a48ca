/**
 * `rewrite-bench run`: for each scenario, builds what is needed, probes capacity when rates are
 * fractions of it, then measures the services one at a time in rounds — every service once per
 * repetition, back to back, in an order that rotates from round to round (A B, B A, …:
 * round-order.ts) so drift and position effects hit all alike — writing results.json after
 * every run. I/O.
 */
import { execa } from 'execa';
import path from 'node:path';
import { buildService, timeBuilds } from '../build/build.js';
import { explainUntimedBuilds, hasBuildTiming, neededBuildTimings, type BuildTimingKind } from '../claims/build-timings.js';
import { estimateCapacity, evaluateClaims } from '../claims/evaluate.js';
import type { ResolvedClaims } from '../config/claims.js';
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import { DatabaseFixtures, serviceEnvironment } from '../process/databases.js';
import { CONTRACT_ORACLE } from '../suite/contract.js';
import { lowerHarnessPriority, onInterrupt } from '../process/registry.js';
import type { RunningService, ServiceEnvironment } from '../process/service.js';
import { preflightTargets, type RemoteTargets } from './remote-targets.js';
import { startUpstream } from '../process/upstream.js';
import { checkAgainstReference, describeVerdict } from '../verify/against-reference.js';
import { runMicrobenchmark } from './microbench.js';
import { metricKind } from '../stats/metrics.js';
import { explainRepetitions, pointsBelowCoverage, runsStillNeeded, type RunNeed } from '../claims/needs.js';
import { claimsPlan } from '../claims/plan.js';
import type { ClaimsPlan } from '../results/claims.js';
import { roundOrder } from './round-order.js';
import { verifyServices, workloadsOf } from '../verify/verify.js';
import { planCpus, planCpusForRemote, type CpuPlan } from './cpus.js';
import { allowedCpus, interruptsText, readEnvironment } from './environment.js';
import { cpuCount, measureService, type EngineChoice, type LoadPoint } from './measure.js';
import { ensureEngine } from '../build/engine.js';
import { engineThreads, selectEngine } from '../load/engines/select.js';
import type { EngineName } from '../load/job.js';
import { dropSaturatedNeeds } from './saturation.js';
import { probeCapacity } from './probe.js';
import { describeFinding } from '../results/validity.js';
import type { SamplerConstants } from '../process/sampler.js';
import type { Progress } from './progress.js';
import { RESULTS_SCHEMA_VERSION, type AdaptiveRecord, type ReferenceCheck, type ResultsDocument } from '../results/document.js';
import { writeJsonAtomic } from './write-results.js';
import { loadFloor } from '../process/floor.js';
import { FLOOR_NAME } from '../results/floor-runs.js';
import { floorPlannedSeconds, planRoundFloor } from './floor-plan.js';
import { pointsPairingFloor } from '../claims/needs.js';
import { formatMicros } from '../format.js';

export interface RunOptions {
  readonly scenarios: readonly ResolvedScenario[];
  readonly services: readonly ResolvedManifest[];
  /** The project's root (its git commit is recorded with the results). */
  readonly projectRoot: string;
  readonly outDir: string;
  readonly progress: Progress;
  readonly toolVersion: string;
  /** Check every service against the contract before measuring it (default on). */
  readonly verifyFirst: boolean;
  /** Random requests per endpoint of that check (50; fewer under --quick). */
  readonly verifyRandomPerEndpoint?: number;
  /** Claims to evaluate at the end; their build metrics are measured first when missing. */
  readonly claims: ResolvedClaims | undefined;
  /**
   * Open loop at capacity fractions: probe only this service and offer its rates to every
   * service (the gate: a candidate that lost capacity must be tested at the baseline's load, not
   * at a lighter load of its own). Default: each service at fractions of its own capacity.
   */
  readonly ratesFrom?: string;
  /**
   * Time the builds the claims check when this machine has not recorded them yet (default on;
   * `run --quick` turns it off unless `--timings`: a clean Rust build takes about a minute).
   */
  readonly timeBuildsForClaims?: boolean;
  /**
   * Adaptive repetitions: after a scenario's own repetitions, more interleaved rounds only for
   * the services that an open claim (or `--until-decided`) still needs, until decided, the
   * maximum of repetitions, or the time budget.
   */
  readonly adaptive?: { readonly untilDecided: boolean; readonly maxRepetitions: number; readonly maxMinutes: number | undefined };
  /**
   * Reference services that a scenario compares with but this run does not measure (`--services
   * rewrite` on a scenario whose `reference:` is legacy): built, and started for the check only.
   */
  readonly checkOnly?: readonly ResolvedManifest[];
  /**
   * Added to each repetition's number for the round's measuring order: the in-job gate's later
   * stages continue the rotation of the earlier ones (their repetitions are renumbered after).
   */
  readonly roundOffset?: number;
  /**
   * Measure the platform floor beside the services in every round of an open loop (default on;
   * `--no-floor`, or a scenario's `floor: false`, leaves it out; the in-job gate leaves it out).
   */
  readonly floor?: boolean;
}

/** How a scenario's adaptive repetitions decide whether to go on. */
interface AdaptivePlan {
  readonly needs: (scenario: ResolvedScenario, document: ResultsDocument) => RunNeed[];
  readonly maxRepetitions: number;
  /** performance.now() by which this scenario's added rounds must end. */
  readonly deadlineMs: () => number;
}

/** Seconds a scenario's own repetitions take, roughly (services × repetitions × points × (warm-up + window + a start)), with the floor's at most. */
function plannedSeconds(scenario: ResolvedScenario, withFloor: boolean): number {
  const points = scenario.load.model === 'open' ? (scenario.load.ratesPerSecond ?? scenario.load.capacityFractions ?? []).length : 1;
  const services = scenario.services?.length ?? 1;
  // A probe: a closed loop and an open-loop check, each with its warm-up, and a start.
  const probeSeconds = scenario.load.model === 'open' && scenario.load.capacityFractions !== undefined ? 2 * (Math.max(scenario.warmupSeconds, 1) + scenario.load.probe.seconds) + 2 : 0;
  return services * (scenario.repetitions * (points * (scenario.warmupSeconds + scenario.durationSeconds + 0.5) + 1.5) + probeSeconds) + (withFloor ? floorPlannedSeconds(scenario, services) : 0);
}

let suiteStartedMs = performance.now();

/**
 * The adaptive plan of one scenario: what its claims (or --until-decided) still need, and its
 * share of the time budget — what is left after the planned time of the scenarios still to
 * come, split evenly among this and them.
 */
function adaptivePlan(options: RunOptions, scenario: ResolvedScenario, all: readonly ResolvedScenario[], plan: ClaimsPlan): AdaptivePlan | undefined {
  const adaptive = options.adaptive;
  if (adaptive === undefined) return undefined;
  const claims = options.claims;
  const needs = (current: ResolvedScenario, document: ResultsDocument): RunNeed[] => [
    ...(claims === undefined ? [] : runsStillNeeded(claims, document, current.name, plan)),
    ...(adaptive.untilDecided ? pointsBelowCoverage(document, current.name) : []),
  ];
  const index = all.indexOf(scenario);
  const later = all.slice(index + 1);
  return {
    needs,
    maxRepetitions: adaptive.maxRepetitions,
    deadlineMs: () => {
      if (adaptive.maxMinutes === undefined) return Number.POSITIVE_INFINITY;
      const endMs = suiteStartedMs + adaptive.maxMinutes * 60_000;
      const laterMs = later.reduce((sum, next) => sum + plannedSeconds(next, options.floor !== false) * 1000, 0);
      return performance.now() + Math.max(0, (endMs - performance.now() - laterMs) / (later.length + 1));
    },
  };
}

/** The services of `selected` that a scenario runs, in the scenario's order when it names them. */
export function servicesFor(scenario: ResolvedScenario, selected: readonly ResolvedManifest[]): ResolvedManifest[] {
  const implementing = selected.filter((manifest) => manifest.implements.includes(scenario.workload));
  if (scenario.services === undefined) return implementing;
  return scenario.services.flatMap((name) => implementing.filter((manifest) => manifest.name === name));
}

/** Steps (probes and runs) of a scenario, for the progress bar. */
function countSteps(scenario: ResolvedScenario, services: number): number {
  const load = scenario.load;
  const points = load.model === 'open' ? (load.ratesPerSecond ?? load.capacityFractions ?? []).length : 1;
  const probes = load.model === 'open' && load.capacityFractions !== undefined ? services : 0;
  return probes + services * scenario.repetitions * points;
}

async function pinSelf(cpuList: string): Promise<void> {
  // The harness (sampler, orchestration) stays off the service's CPUs, with every thread.
  await execa('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { reject: false, stdin: 'ignore' });
}

/** Runs every scenario; returns the document also written to DIR/results.json. */
export async function runSuite(options: RunOptions): Promise<ResultsDocument> {
  const resultsFile = path.join(options.outDir, 'results.json');
  suiteStartedMs = performance.now();
  // The claims' looks are fixed before the first round (claims/plan.ts) and kept with the verdicts.
  const plan = claimsPlan({ scenarios: options.scenarios.map((scenario) => ({ name: scenario.name, repetitions: scenario.repetitions })), maxRepetitions: options.adaptive?.maxRepetitions });
  const { progress } = options;
  const document: ResultsDocument = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'rewrite-bench', version: options.toolVersion },
    state: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: undefined,
    environment: await readEnvironment(options.projectRoot),
    cpuPlan: undefined,
    // Replayed requests stay in their file: results.json says how many were read from it.
    scenarios: options.scenarios.map((scenario) => ({ ...scenario, requests: scenario.requests.map((request) => ('replayed' in request && request.replayed !== undefined ? { ...request, replayed: undefined, replayedRequests: request.replayed.length } : request)) })),
    builds: [],
    capacity: [],
    runs: [],
    failures: [],
    equivalence: [],
    adaptive: [],
    microbenchmarks: [],
    services: {},
    claims: undefined,
    harnessNiced: false,
  };
  // After an interrupt the file is final: later writes of the unwinding run must not replace it.
  let frozen = false;
  const save = (): Promise<void> => (frozen ? Promise.resolve() : writeJsonAtomic(resultsFile, document));
  const removeHook = onInterrupt(async () => {
    document.state = 'interrupted';
    document.finishedAt = new Date().toISOString();
    await save();
    frozen = true;
    progress.stop();
    console.error(`rewrite-bench: interrupted; ${document.runs.length} run(s) kept in ${resultsFile}`);
  });
  const allowed = await allowedCpus();
  const interrupts = await interruptsText();
  const constants: SamplerConstants = { clockTicksPerSecond: document.environment.clockTicksPerSecond, pageBytes: document.environment.pageBytes };
  document.harnessNiced = lowerHarnessPriority();
  const engineStatus = await ensureEngine((line) => progress.log(line));
  document.engine = engineStatus.available ? { native: 'built' } : { native: 'unavailable', reason: engineStatus.reason.split('\n')[0]! };
  if (!engineStatus.available) progress.log(`the native load engine cannot be used (${engineStatus.reason.split('\n')[0]}): open loops run on the Node pacer and closed loops on autocannon instead, and every run records its engine`);
  const floor = options.floor === false ? undefined : await loadFloor(engineStatus.available);
  if (floor !== undefined && !floor.available) progress.log(`the platform floor is not measured: ${floor.reason}`);
  const usable: ResolvedManifest[] = [];
  const timings = neededBuildTimings(options.claims);
  const untimed = new Map<string, Set<BuildTimingKind>>();
  for (const manifest of options.services) {
    if (manifest.target !== undefined) {
      // Never built, started or stopped: the harness only sends it requests.
      progress.log(`${manifest.name}: remote target ${manifest.target.url} (not built or started here; CPU and memory ${manifest.target.metrics === undefined ? 'not measured: no `target.metrics`' : `from Prometheus at ${manifest.target.metrics.prometheusUrl}`})`);
      usable.push(manifest);
      document.services[manifest.name] = { language: manifest.language, description: manifest.description, runtime: undefined };
      continue;
    }
    let build = await buildService(manifest, { log: (line) => progress.log(line) });
    const wanted = timings.get(manifest.name);
    if (build.state !== 'failed' && build.state !== 'skipped' && wanted !== undefined && options.timeBuildsForClaims === false) {
      const missing = [...wanted].filter((kind) => !hasBuildTiming(build, kind));
      if (missing.length > 0) {
        untimed.set(manifest.name, new Set(missing));
        progress.log(`not timing the ${missing.join(' and ')} build of ${manifest.name} that the claims check: build times are not measured under --quick without --timings (those checks come out "not measured")`);
      }
    } else if (build.state !== 'failed' && build.state !== 'skipped' && wanted !== undefined) {
      // A claim needs a build time this machine has not measured yet: measure it now.
      if (wanted.has('clean') && build.lastClean === undefined) {
        progress.log(`timing a clean build of ${manifest.name} for the claims`);
        build = await timeBuilds(manifest, (line) => progress.log(line));
      } else if (wanted.has('incremental') && build.lastIncremental === undefined) {
        progress.log(`timing an incremental build of ${manifest.name} for the claims`);
        build = await buildService(manifest, { touchIncremental: true, log: (line) => progress.log(line) });
      }
    }
    document.builds.push(build);
    if (build.state === 'failed' || build.state === 'skipped') {
      const message = build.state === 'failed' ? `${build.reason}\n${build.logTail}` : build.reason;
      document.failures.push({ scenario: undefined, service: manifest.name, message });
      progress.log(`skipping ${manifest.name}: ${message}`);
      continue;
    }
    usable.push(manifest);
    document.services[manifest.name] = { language: manifest.language, description: manifest.description, runtime: undefined };
  }
  // References started for the equivalence check only: built (when needed), never measured.
  const checkers: ResolvedManifest[] = [];
  for (const manifest of options.verifyFirst ? (options.checkOnly ?? []) : []) {
    const build = manifest.target === undefined ? await buildService(manifest, { log: (line) => progress.log(line) }) : undefined;
    if (build !== undefined && (build.state === 'failed' || build.state === 'skipped')) {
      document.failures.push({ scenario: undefined, service: manifest.name, message: `the reference ${manifest.name} (started for the equivalence check only) could not be built: ${build.state === 'failed' ? `${build.reason}\n${build.logTail}` : build.reason}` });
      continue;
    }
    checkers.push(manifest);
  }
  if (options.verifyFirst && usable.length > 0) {
    const checked = usable.filter((manifest) => workloadsOf(manifest, CONTRACT_ORACLE).length > 0);
    if (checked.length > 0) progress.log(`verifying ${checked.map((manifest) => manifest.name).join(', ')} against ${CONTRACT_ORACLE.name}`);
    const verdicts = await verifyServices({ services: usable, oracle: CONTRACT_ORACLE, randomPerEndpoint: options.verifyRandomPerEndpoint ?? 50, seed: 4243, log: () => {} });
    for (const verdict of verdicts) {
      if (verdict.state !== 'fail') continue;
      // A service that does not do the same work as the others is not measured.
      usable.splice(usable.findIndex((manifest) => manifest.name === verdict.service), 1);
      document.failures.push({ scenario: undefined, service: verdict.service, kind: 'non-conforming', message: `does not conform to ${CONTRACT_ORACLE.name}, not measured:\n${verdict.failures.slice(0, 5).join('\n')}` });
      progress.log(`not measuring ${verdict.service}: ${verdict.failures[0] ?? ''}`);
    }
  }
  const remote = await preflightTargets(usable, options.scenarios.filter((scenario) => servicesFor(scenario, usable).some((manifest) => manifest.target !== undefined)), servicesFor, (line) => progress.log(line));
  for (const failure of remote.failures) {
    usable.splice(usable.findIndex((manifest) => manifest.name === failure.service), 1);
    document.failures.push({ scenario: undefined, service: failure.service, message: failure.message });
    progress.log(`not measuring ${failure.service}: ${failure.message}`);
  }
  await runMicrobenchmarks(usable, options.claims, allowed, interrupts, document, progress);
  await save();
  const databases = new DatabaseFixtures(options.projectRoot);
  // The time budget is for measuring: a first run's builds (minutes for a Rust release build) and
  // the build timings the claims need are not the suite's time and would starve its repetitions.
  suiteStartedMs = performance.now();
  progress.start(options.scenarios.reduce((sum, scenario) => sum + countSteps(scenario, servicesFor(scenario, usable).length), 0));
  try {
    for (const scenario of options.scenarios) {
      const services = servicesFor(scenario, usable);
      if (services.length === 0) {
        // The command checked before anything started that some selected service implements the
        // workload; here the planned ones all failed to build or to conform.
        const planned = servicesFor(scenario, options.services);
        const message = planned.length === 0 ? `no selected service implements \`${scenario.workload}\`` : `not run: ${planned.map((manifest) => manifest.name).join(', ')} could not be measured (failed to build or to conform; see above)`;
        document.failures.push({ scenario: scenario.name, service: undefined, message });
        progress.log(`${scenario.name}: ${message}`);
        continue;
      }
      // A scenario of remote targets only leaves every CPU here to the load side.
      const cpus = services.every((manifest) => manifest.target !== undefined) ? planCpusForRemote(allowed) : planCpus(allowed, scenario.service.cpus, interrupts);
      document.cpuPlan = cpus;
      await pinSelf(cpus.loadCpus);
      // The floor runs beside services this machine starts, never beside remote targets (other machines).
      const floorManifest = floor?.available === true && scenario.floor && services.every((manifest) => manifest.target === undefined) ? floor.manifest : undefined;
      await runScenario(scenario, services, cpus, { document, save, databases, progress, constants, remote, checkers, ratesFrom: options.ratesFrom, nativeAvailable: engineStatus.available, verifyFirst: options.verifyFirst, more: adaptivePlan(options, scenario, options.scenarios, plan), roundOffset: options.roundOffset ?? 0, floor: floorManifest, floorPairedPoints: pointsPairingFloor(options.claims, scenario.name), floorSettled: new Set() });
    }
    document.state = 'complete';
    if (options.claims !== undefined) {
      const results = explainRepetitions(explainUntimedBuilds(options.claims, evaluateClaims(options.claims, document, plan), untimed), document.adaptive);
      document.claims = { file: options.claims.file, results, capacity: estimateCapacity(options.claims, document), plan };
    }
  } catch (error) {
    document.state = 'failed';
    document.failures.push({ scenario: undefined, service: undefined, message: messageOf(error) });
    throw error;
  } finally {
    removeHook();
    document.finishedAt = new Date().toISOString();
    await save();
    await databases.dispose();
    progress.stop();
  }
  return document;
}

/**
 * The services of a scenario that answer like its `reference:` service (all of them when it
 * names none); the others are recorded as non-conforming and not measured. When none is left
 * but the reference, the scenario is not measured at all (the reference alone decides nothing),
 * unless the reference is all the user asked for.
 */
async function equivalentServices(scenario: ResolvedScenario, services: readonly ResolvedManifest[], upstream: RunningService | undefined, shared: Shared): Promise<readonly ResolvedManifest[]> {
  if (scenario.reference === undefined) return services;
  const reference = services.find((manifest) => manifest.name === scenario.reference) ?? shared.checkers.find((manifest) => manifest.name === scenario.reference);
  const isCheckOnly = reference !== undefined && !services.includes(reference);
  if (isCheckOnly) shared.progress.log(`${scenario.name}: checking against ${reference.name}, which this run does not measure (not selected)`);
  if (reference === undefined) {
    shared.document.failures.push({ scenario: scenario.name, service: scenario.reference, message: `the reference service ${scenario.reference} could not be run (see above): nothing to compare the others with, so none is measured` });
    return [];
  }
  const candidates = services.filter((manifest) => manifest !== reference);
  if (candidates.length === 0) {
    const others = (scenario.services ?? []).filter((name) => name !== reference.name);
    if (others.length === 0) {
      shared.progress.log(`${scenario.name}: only the reference service ${reference.name} runs: nothing to compare it with; measuring it alone`);
      return services;
    }
    const message = `not measured: ${others.join(', ')} could not be run (see above), and the reference ${reference.name} alone would decide nothing; to measure it alone, run with --services ${reference.name}.`;
    shared.document.failures.push({ scenario: scenario.name, service: undefined, message });
    shared.progress.log(`${scenario.name}: ${message}`);
    return [];
  }
  let check: ReferenceCheck;
  try {
    check = await checkAgainstReference({
      scenario,
      reference,
      candidates,
      env: (manifest, label) => serviceEnv(scenario, manifest, upstream, shared.databases, label),
      // Other seeds than any load run's (those are scenario.seed + repetition × 7919 + point).
      seed: scenario.seed + 1_000_003,
      log: (line) => shared.progress.log(line),
    });
  } catch (error) {
    const message = `not measured: the equivalence check against ${reference.name} could not run: ${messageOf(error)}`;
    shared.document.failures.push({ scenario: scenario.name, service: reference.name, kind: 'infrastructure', message });
    shared.progress.log(`${scenario.name}: ${message}`);
    await shared.save();
    return [];
  }
  shared.document.equivalence.push(check);
  for (const line of check.noise) shared.progress.log(`  noise: ${line}`);
  const failed = new Set(check.verdicts.filter((verdict) => verdict.state === 'fail').map((verdict) => verdict.service));
  for (const verdict of check.verdicts) {
    if (verdict.state !== 'fail') continue;
    const message = describeVerdict(verdict, reference.name, scenario.name);
    shared.document.failures.push({ scenario: scenario.name, service: verdict.service, kind: verdict.error === undefined ? 'non-conforming' : 'infrastructure', message });
    shared.progress.log(message);
  }
  const left = services.filter((manifest) => !failed.has(manifest.name));
  if (isCheckOnly && left.length === 0) {
    const message = `not measured: no selected service answers like the reference ${reference.name} (see above). \`rewrite-bench compare ${scenario.name}\` lists every difference in seconds.`;
    shared.document.failures.push({ scenario: scenario.name, service: undefined, kind: 'non-conforming', message });
    shared.progress.log(`${scenario.name}: ${message}`);
    await shared.save();
    return [];
  }
  if (!isCheckOnly && left.length === 1) {
    // Minutes of measuring the reference alone would decide no comparison.
    const message = `not measured: no service answers like the reference ${reference.name} (${[...failed].join(', ')}; see above), and ${reference.name} alone would decide nothing. \`rewrite-bench compare ${scenario.name}\` lists every difference in seconds; to measure ${reference.name} alone, run with --services ${reference.name}.`;
    shared.document.failures.push({ scenario: scenario.name, service: undefined, kind: 'non-conforming', message });
    shared.progress.log(`${scenario.name}: ${message}`);
    await shared.save();
    return [];
  }
  await shared.save();
  return left;
}

/** The engine of a scenario's runs on this machine (the native one unless unavailable or told otherwise). */
function engineFor(model: 'open' | 'closed', requested: EngineName | undefined, connections: number, cpus: CpuPlan, shared: Pick<Shared, 'nativeAvailable'>): EngineChoice {
  const { engine } = selectEngine(model, requested, shared.nativeAvailable);
  return { engine, threads: engine === 'native' ? engineThreads(cpuCount(cpus.loadCpus), connections) : 1 };
}

/** The micro-benchmarks the claims refer to, each pinned to the service CPU of a default plan; a failure is recorded, the run goes on. */
async function runMicrobenchmarks(services: readonly ResolvedManifest[], claims: ResolvedClaims | undefined, allowed: readonly number[], interrupts: string | undefined, document: ResultsDocument, progress: Progress): Promise<void> {
  const wanted = new Set((claims?.claims ?? []).flatMap((claim) => claim.checks.flatMap((check) => check.terms.filter((term) => metricKind(term.metric) === undefined).map((term) => term.service))));
  for (const manifest of services) {
    if (manifest.microbenchmark === undefined || !wanted.has(manifest.name)) continue;
    progress.log(`micro-benchmark of ${manifest.name}: ${manifest.microbenchmark.command.join(' ')}`);
    try {
      document.microbenchmarks.push(await runMicrobenchmark(manifest, planCpus(allowed, 1, interrupts).serviceCpus));
    } catch (error) {
      document.failures.push({ scenario: undefined, service: manifest.name, message: messageOf(error) });
      progress.log(messageOf(error));
    }
  }
}

interface Shared {
  readonly document: ResultsDocument;
  /** Prometheus clients of the remote targets that passed the preflight. */
  readonly remote: RemoteTargets;
  readonly constants: SamplerConstants;
  readonly ratesFrom: string | undefined;
  readonly nativeAvailable: boolean;
  /** Check each scenario's services against its `reference:` first (off with --skip-verify). */
  readonly verifyFirst: boolean;
  readonly more: AdaptivePlan | undefined;
  readonly roundOffset: number;
  readonly save: () => Promise<void>;
  readonly databases: DatabaseFixtures;
  readonly progress: Progress;
  /** The platform floor's manifest when it is measured in this scenario (run/floor-plan.ts). */
  readonly floor: ResolvedManifest | undefined;
  /** Rate indexes where a claim refers to `floor.<metric>`: the floor is paired there in every round. */
  readonly floorPairedPoints: ReadonlySet<number>;
  /** `service@point` beside which the floor stopped (said once). */
  readonly floorSettled: Set<string>;
  /** References started for the equivalence check only (RunOptions.checkOnly, built). */
  readonly checkers: readonly ResolvedManifest[];
}

/**
 * A service's environment in a scenario: its `service.env`, and what the fixtures fill (fresh per
 * call), under the names the scenario chose.
 * @param label tells this instance's fresh fixtures from others' (`rep1`, `probe`, `primary`)
 */
export function serviceEnv(scenario: ResolvedScenario, manifest: ResolvedManifest, upstream: RunningService | undefined, databases: DatabaseFixtures, label: string): Promise<ServiceEnvironment> {
  return serviceEnvironment(scenario, manifest, { databases, upstreamUrl: upstream?.baseUrl }, label);
}

async function runScenario(scenario: ResolvedScenario, all: readonly ResolvedManifest[], cpus: CpuPlan, shared: Shared): Promise<void> {
  const { progress, document } = shared;
  const upstream = scenario.fixtures.upstream === undefined ? undefined : await startUpstream(scenario.fixtures.upstream.delayMs, cpus.loadCpus);
  try {
    // A database server (PostgreSQL) runs beside the upstream, on the load CPUs, for this scenario only.
    await shared.databases.open(scenario, cpus.loadCpus);
    const services = shared.verifyFirst ? await equivalentServices(scenario, all, upstream, shared) : all;
    if (services.length === 0) return;
    const points = new Map<string, LoadPoint[]>();
    const load = scenario.load;
    const probed = services.find((manifest) => manifest.name === shared.ratesFrom);
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
          constants: shared.constants,
          env: () => serviceEnv(scenario, manifest, upstream, shared.databases, 'probe'),
          engine: (model, requested, connections) => engineFor(model, requested, connections, cpus, shared),
          upstreamPid: upstream?.pid,
          databasePid: shared.databases.server()?.pid,
        });
        document.capacity.push(probe);
        await shared.save();
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
    const startedMs = performance.now();
    const round = (repetition: number, only: readonly ResolvedManifest[]): Promise<void> => measureRound(scenario, only, repetition, points, cpus, upstream, shared);
    for (let repetition = 1; repetition <= scenario.repetitions; repetition += 1) await round(repetition, services);
    // Adaptive repetitions: more interleaved rounds, only for the services an open claim still needs.
    const more = shared.more;
    let repetition = scenario.repetitions;
    let stopped: AdaptiveRecord['stopped'] = 'not-needed';
    let reasons: string[] = [];
    const saturated = new Map<string, string>();
    for (;;) {
      const asked = more === undefined ? [] : more.needs(scenario, document);
      // A point that keeps being saturated is a finding, not a reason to repeat it (run/saturation.ts).
      const { needs, saturated: found } = dropSaturatedNeeds(asked, document.runs, scenario.name);
      for (const point of found) {
        if (!saturated.has(`${point.service}@${point.point}`)) progress.log(`${scenario.name}: ${point.text}`);
        saturated.set(`${point.service}@${point.point}`, point.text);
      }
      if (needs.length === 0) {
        if (asked.length > 0) {
          stopped = 'saturated';
          reasons = [...new Set(asked.map((need) => need.because))];
        } else if (repetition > scenario.repetitions) stopped = 'decided';
        break;
      }
      reasons = [...new Set(needs.map((need) => need.because))];
      if (repetition >= more!.maxRepetitions) {
        stopped = 'max-repetitions';
        break;
      }
      // Only the points a need names: a claim on one load point does not re-measure the others.
      const neededPoints = new Map(
        services.map((manifest) => [
          manifest.name,
          (points.get(manifest.name) ?? []).map((point, rateIndex) => ({ ...point, rateIndex })).filter((point) => needs.some((need) => need.service === manifest.name && need.point === point.rateIndex)),
        ]),
      );
      const wanted = services.filter((manifest) => (neededPoints.get(manifest.name)?.length ?? 0) > 0);
      if (wanted.length === 0) break;
      // The round's time from what a run (with its start, warm-up and probe share) has taken so far.
      const runsSoFar = Math.max(1, document.runs.filter((run) => run.scenario === scenario.name).length);
      const roundMs = ((performance.now() - startedMs) / runsSoFar) * wanted.reduce((sum, manifest) => sum + neededPoints.get(manifest.name)!.length, 0);
      if (performance.now() + roundMs > more!.deadlineMs()) {
        stopped = 'budget';
        break;
      }
      repetition += 1;
      progress.grow(wanted.reduce((sum, manifest) => sum + neededPoints.get(manifest.name)!.length, 0));
      progress.log(`${scenario.name}: repetition ${repetition} for ${wanted.map((manifest) => manifest.name).join(', ')} (${reasons[0]})`);
      // The floor joins an added round only where a claim pairs it per round (`floor.p99`).
      const floorAt = new Set(needs.filter((need) => need.service === FLOOR_NAME).map((need) => need.point));
      await measureRound(scenario, wanted, repetition, neededPoints, cpus, upstream, shared, floorAt);
    }
    document.adaptive.push({
      scenario: scenario.name,
      repetitions: repetition,
      seconds: Math.round((performance.now() - startedMs) / 1000),
      stopped,
      ...(stopped === 'decided' || stopped === 'not-needed' ? {} : { open: reasons }),
      ...(saturated.size === 0 ? {} : { saturated: [...saturated.values()] }),
    });
    await shared.save();
  } finally {
    await shared.databases.close();
    await upstream?.stop();
  }
}

/**
 * One repetition of the given services, each at all its load points, in the round's rotated
 * order (round-order.ts); the platform floor, when measured, is one more member of the rotation.
 * @param floorAt an added round: the rate indexes where the floor joins it (a claim pairs it); undefined: the floor's own plan (run/floor-plan.ts)
 */
async function measureRound(
  scenario: ResolvedScenario,
  services: readonly ResolvedManifest[],
  repetition: number,
  points: ReadonlyMap<string, readonly LoadPoint[]>,
  cpus: CpuPlan,
  upstream: RunningService | undefined,
  shared: Shared,
  floorAt?: ReadonlySet<number>,
): Promise<void> {
  const { progress, document } = shared;
  const measured = services.filter((manifest) => points.has(manifest.name));
  const floorManifest = scenario.load.model === 'open' ? shared.floor : undefined;
  const members = roundOrder<ResolvedManifest | 'floor'>([...measured, ...(floorManifest === undefined ? [] : (['floor'] as const))], repetition + shared.roundOffset);
  for (const [position, member] of members.entries()) {
    const manifest = member === 'floor' ? floorManifest! : member;
    let servicePoints: readonly LoadPoint[] = points.get(manifest.name) ?? [];
    if (member === 'floor') {
      const plan = planRoundFloor({
        model: scenario.load.model,
        members: measured.map((service) => ({ service: service.name, points: points.get(service.name)! })),
        runs: document.runs.filter((run) => run.scenario === scenario.name),
        pairedPoints: shared.floorPairedPoints,
        only: floorAt,
        describe: formatMicros,
      });
      for (const settled of plan.settled) {
        if (shared.floorSettled.has(`${settled.service}@${settled.point}`)) continue;
        shared.floorSettled.add(`${settled.service}@${settled.point}`);
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
        constants: shared.constants,
        engine: engineFor(scenario.load.model, scenario.load.engine, scenario.load.connections, cpus, shared),
        env: member === 'floor' ? {} : await serviceEnv(scenario, manifest, upstream, shared.databases, `rep${repetition}`),
        upstream,
        database: shared.databases.server(),
        prometheus: shared.remote.clients.get(manifest.name),
        points: servicePoints,
        ...(member === 'floor' ? { role: 'floor' as const } : {}),
        onPoint: (point) =>
          progress.step(`${scenario.name}: ${member === 'floor' ? 'the platform floor' : manifest.name} rep ${repetition}${repetition > scenario.repetitions ? ' (added)' : `/${scenario.repetitions}`}${point.ratePerSecond === undefined ? '' : ` at ${point.ratePerSecond.toFixed(0)} req/s`}`),
        onRecord: async (record) => {
          document.runs.push({ ...record, orderInRound: position + 1 });
          if (member !== 'floor') document.services[manifest.name] = { ...document.services[manifest.name]!, runtime: record.measured.runtime ?? document.services[manifest.name]?.runtime };
          if (!record.validity.valid) progress.log(`invalid run ${record.id}: ${record.validity.reasons.map(describeFinding).join('; ')}`);
          await shared.save();
        },
      });
      if (stopProblem !== undefined) {
        document.failures.push({ scenario: scenario.name, service: manifest.name, message: stopProblem });
        progress.log(`${scenario.name}: ${stopProblem}`);
      }
    } catch (error) {
      document.failures.push({ scenario: scenario.name, service: manifest.name, message: messageOf(error) });
      progress.log(`${scenario.name}: ${manifest.name} rep ${repetition} failed: ${messageOf(error)}`);
      await shared.save();
    }
  }
}
