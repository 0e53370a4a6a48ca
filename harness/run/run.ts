/**
 * `rewrite-bench run`: builds and checks the services (prepare.ts), then measures every
 * scenario's own rounds — every service once per repetition, back to back, in an order that
 * rotates from round to round so drift and position effects hit all alike (scenario-rounds.ts) —
 * and then adds rounds where claims are still open, within the time budget (adaptive.ts),
 * writing results.json after every run; finally decides the claims. I/O.
 */
import path from 'node:path';
import { ensureEngine } from '../build/engine.js';
import { explainUntimedBuilds } from '../claims/build-timings.js';
import { estimateCapacity, evaluateClaims } from '../claims/evaluate.js';
import { explainRepetitions, pointsBelowCoverage, pointsPairingFloor, roundsToDecision, runsStillNeeded } from '../claims/needs.js';
import { claimsPlan } from '../claims/plan.js';
import type { ResolvedClaims } from '../config/claims.js';
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import { DatabaseFixtures } from '../process/databases.js';
import { loadFloor } from '../process/floor.js';
import { lowerHarnessPriority, onInterrupt } from '../process/registry.js';
import type { SamplerConstants } from '../process/sampler.js';
import type { ClaimsPlan } from '../results/claims.js';
import { RESULTS_SCHEMA_VERSION, type ResultsDocument } from '../results/document.js';
import { runsForCoverage, TARGET_COVERAGE } from '../stats/interval.js';
import { addRounds, type AdaptiveRules } from './adaptive.js';
import { planCpus, planCpusForRemote } from './cpus.js';
import { allowedCpus, interruptsText, readEnvironment } from './environment.js';
import { prepareServices, servicesFor } from './prepare.js';
import type { Progress } from './progress.js';
import { measureOwnRounds, type RoundContext, type ScenarioState } from './scenario-rounds.js';
import { writeJsonAtomic } from './write-results.js';

export { servicesFor } from './prepare.js';

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

/** Steps (probes and runs) of a scenario, for the progress bar. */
function countSteps(scenario: ResolvedScenario, services: number): number {
  const load = scenario.load;
  const points = load.model === 'open' ? (load.ratesPerSecond ?? load.capacityFractions ?? []).length : 1;
  const probes = load.model === 'open' && load.capacityFractions !== undefined ? services : 0;
  return probes + services * scenario.repetitions * points;
}

/** What adaptive repetitions follow: the claims' open checks (and --until-decided), the budget from `measuringStartedMs`. */
function adaptiveRules(options: RunOptions, plan: ClaimsPlan, measuringStartedMs: number): AdaptiveRules | undefined {
  const adaptive = options.adaptive;
  if (adaptive === undefined) return undefined;
  const { claims } = options;
  const coverageRuns = runsForCoverage(TARGET_COVERAGE);
  return {
    needs: (scenario, document) => [...(claims === undefined ? [] : runsStillNeeded(claims, document, scenario.name, plan)), ...(adaptive.untilDecided ? pointsBelowCoverage(document, scenario.name) : [])],
    roundsToDecision: (scenario, document) =>
      Math.max(
        claims === undefined ? 0 : (roundsToDecision(claims, document, scenario.name, plan) ?? 0),
        // --until-decided: the valid runs the most lacking point still needs for 95 % coverage.
        adaptive.untilDecided ? Math.max(0, ...pointsBelowCoverage(document, scenario.name).map((need) => coverageRuns - validRunsAt(document, scenario.name, need.service, need.point))) : 0,
        1,
      ),
    maxRepetitions: adaptive.maxRepetitions,
    deadlineMs: adaptive.maxMinutes === undefined ? Number.POSITIVE_INFINITY : measuringStartedMs + adaptive.maxMinutes * 60_000,
  };
}

/** Valid runs of a service at a point of a scenario. */
const validRunsAt = (document: ResultsDocument, scenario: string, service: string, point: number): number =>
  document.runs.filter((run) => run.scenario === scenario && run.service === service && run.rateIndex === point && run.validity.valid).length;

/** Runs every scenario; returns the document also written to DIR/results.json. */
export async function runSuite(options: RunOptions): Promise<ResultsDocument> {
  const resultsFile = path.join(options.outDir, 'results.json');
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
  const { usable, checkers, untimed, remote } = await prepareServices(options, document, progress, { allowed, interrupts });
  await save();
  const databases = new DatabaseFixtures(options.projectRoot);
  const context: RoundContext = { document, save, databases, progress, constants, remote, checkers, ratesFrom: options.ratesFrom, nativeAvailable: engineStatus.available, verifyFirst: options.verifyFirst, roundOffset: options.roundOffset ?? 0 };
  // The time budget is for measuring: a first run's builds (minutes for a Rust release build) and
  // the build timings the claims need are not the suite's time and would starve its repetitions.
  const measuringStartedMs = performance.now();
  progress.start(options.scenarios.reduce((sum, scenario) => sum + countSteps(scenario, servicesFor(scenario, usable).length), 0));
  try {
    const states: ScenarioState[] = [];
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
      // The floor runs beside services this machine starts, never beside remote targets (other machines).
      const floorManifest = floor?.available === true && scenario.floor && services.every((manifest) => manifest.target === undefined) ? floor.manifest : undefined;
      const state = await measureOwnRounds(scenario, services, cpus, { manifest: floorManifest, pairedPoints: pointsPairingFloor(options.claims, scenario.name) }, context);
      if (state !== undefined) states.push(state);
    }
    // Every scenario's own rounds first; then rounds where claims are still open, within the budget.
    const rules = adaptiveRules(options, plan, measuringStartedMs);
    if (rules !== undefined) await addRounds(states, rules, context);
    else for (const state of states) document.adaptive.push({ scenario: state.scenario.name, repetitions: state.repetition, seconds: Math.round(state.measuredMs / 1000), stopped: 'not-needed' });
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
