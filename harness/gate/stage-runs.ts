/**
 * The in-job gate measures the plan stage by stage: one `runSuite` per stage, both sides in
 * rounds (back to back, the order alternating), each stage's runs appended to the earlier ones.
 * What each stage measures and how its runs join the others. Pure.
 *
 * - Repetitions continue: stage 2 of a 5, 10, 20 plan measures repetitions 6–10, with the load
 *   seeds and the measuring order those repetitions would have had in one long run (the
 *   scenario's seed is shifted; `roundOffset` continues the rotation), and its run ids say so.
 *   The plan reads stage boundaries, and pairs rounds, by repetition number (sequential.ts).
 * - The capacity probe runs once: an open loop at fractions of capacity probes the baseline in
 *   stage 1 only (both sides get the baseline's rates, `ratesFrom`); later stages are offered
 *   those same absolute rates, and their runs keep the fractions they stand for.
 */
import type { ResolvedScenario } from '../config/scenario.js';
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { runId } from '../results/floor-runs.js';
import type { Budget } from './budget.js';
import { decideGate, type GateOutcome } from './outcome.js';
import type { GatePlan } from './plan.js';

/** The two services of the in-job gate, by role. */
export const GATE_SIDES = ['baseline', 'candidate'] as const;

/**
 * The scenario that measures stage `stageIndex` (0-based) of the plan.
 * @param rates absolute rates for a stage after the first of an open loop at capacity fractions: the ones stage 1 offered (`ratesOffered`)
 */
export function stageScenario(scenario: ResolvedScenario, plan: GatePlan, stageIndex: number, rates?: readonly number[]): ResolvedScenario {
  const before = stageIndex === 0 ? 0 : plan.stages[stageIndex - 1]!.runsPerSide;
  const repetitions = plan.stages[stageIndex]!.runsPerSide - before;
  // measure.ts seeds a run's load with seed + repetition × 7919 + rate index: shifting the seed makes repetition r of this stage draw what repetition before + r would.
  const shifted = { ...scenario, services: [...GATE_SIDES], repetitions, seed: scenario.seed + before * 7919 };
  if (stageIndex === 0 || scenario.load.model !== 'open' || scenario.load.capacityFractions === undefined) return Object.freeze(shifted);
  if (rates === undefined || rates.length !== scenario.load.capacityFractions.length) throw new Error('stageScenario needs the rates stage 1 offered, one per capacity fraction');
  return Object.freeze({ ...shifted, load: { ...scenario.load, capacityFractions: undefined, ratesPerSecond: [...rates] } });
}

/**
 * The absolute rates stage 1 offered both sides of an open loop at capacity fractions (from the
 * baseline's probe); undefined for other loads or without a valid baseline probe.
 */
export function ratesOffered(scenario: ResolvedScenario, firstStage: ResultsDocument): number[] | undefined {
  if (scenario.load.model !== 'open' || scenario.load.capacityFractions === undefined) return undefined;
  const probe = firstStage.capacity.find((entry) => entry.service === 'baseline' && entry.valid);
  if (probe === undefined) return undefined;
  return scenario.load.capacityFractions.map((fraction) => fraction * probe.capacityRps);
}

/**
 * A later stage's runs as continuations of the earlier ones: repetitions after `before`, ids to
 * match, and the capacity fraction each rate stands for (`capacityFractions` of the scenario).
 */
export function continueRuns(runs: readonly RunRecord[], before: number, capacityFractions: readonly number[] | undefined): RunRecord[] {
  return runs.map((run) => {
    const repetition = run.repetition + before;
    return {
      ...run,
      id: runId({ ...run, repetition }),
      repetition,
      capacityFraction: capacityFractions?.[run.rateIndex] ?? run.capacityFraction,
    };
  });
}

/**
 * One document of all stages: the first stage's environment and probes, every stage's runs and
 * failures, the scenario with the repetitions measured, the state and end of the last stage.
 * @param later documents of stages 2 … with their runs already continued (`continueRuns`)
 */
export function mergeStages(first: ResultsDocument, later: readonly ResultsDocument[], scenario: ResolvedScenario, repetitions: number): ResultsDocument {
  const last = later.at(-1) ?? first;
  const states = [first, ...later].map((document) => document.state);
  const state = states.find((entry) => entry !== 'complete') ?? 'complete';
  return {
    ...first,
    state,
    finishedAt: last.finishedAt,
    scenarios: [{ ...scenario, services: [...GATE_SIDES], repetitions }],
    builds: first.builds,
    capacity: [...first.capacity, ...later.flatMap((document) => document.capacity)],
    runs: [...first.runs, ...later.flatMap((document) => document.runs)],
    failures: [...first.failures, ...later.flatMap((document) => document.failures)],
    services: Object.assign({}, first.services, ...later.map((document) => document.services)) as ResultsDocument['services'],
  };
}

/**
 * What the in-job gate would have concluded measuring these runs stage by stage (the runs'
 * repetitions are the order they would have been measured in): it decides after each stage and
 * stops when nothing awaits more runs, or when the runs end. `npm run bench:gate` replays
 * resampled rounds of real runs and simulated ones through it; commands/gate.ts stops on the same
 * `needsMoreRuns`.
 * @returns the outcome where it stopped, and the runs per side measured by then
 */
export function replayInJob(baseline: readonly RunRecord[], candidate: readonly RunRecord[], metrics: readonly string[], budgets: readonly Budget[], plan: GatePlan): { outcome: GateOutcome; runsPerSide: number } {
  const available = Math.min(...[baseline, candidate].map((runs) => runs.reduce((highest, run) => Math.max(highest, run.repetition), 0)));
  let outcome: GateOutcome | undefined;
  for (const [index, stage] of plan.stages.entries()) {
    const through = (runs: readonly RunRecord[]): RunRecord[] => runs.filter((run) => run.repetition <= stage.runsPerSide);
    outcome = decideGate(through(baseline), through(candidate), metrics, budgets, plan);
    if (!outcome.needsMoreRuns || available <= stage.runsPerSide || index === plan.stages.length - 1) return { outcome, runsPerSide: Math.min(stage.runsPerSide, available) };
  }
  // checkPlan guarantees a stage, and the last one returns above.
  throw new Error('unreachable: the gate plan has no stage');
}
