/**
 * Adaptive repetitions: after every scenario's own rounds, rounds are added only where a claim
 * (or `--until-decided`) is still open — at that check's load point, every service of the check
 * so its values stay paired — until decided, `--max-repetitions`, or the time budget. The budget
 * is spent where a decision is nearest: each time, the scenario whose open checks need the least
 * measuring time to reach a look that can decide them (rounds still needed × what a round there
 * has cost) gets the next round, among those whose round still fits in the budget. Deciding the
 * nearest first decides the most claims a budget allows; splitting the budget evenly in advance
 * left the early scenarios with no rounds at all. A point that keeps being saturated is a
 * finding, not a reason to repeat (run/saturation.ts). I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import type { RunNeed } from '../claims/needs.js';
import { FLOOR_NAME } from '../results/floor-runs.js';
import type { AdaptiveRecord, ResultsDocument } from '../results/document.js';
import type { LoadPoint } from './load-job.js';
import { dropSaturatedNeeds } from './saturation.js';
import { closeScenario, measureRound, openScenario, type RoundContext, type ScenarioState } from './scenario-rounds.js';

/** What the added rounds follow. */
export interface AdaptiveRules {
  /** What a scenario's open checks still need. */
  readonly needs: (scenario: ResolvedScenario, document: ResultsDocument) => RunNeed[];
  /** About how many more rounds they need before a look can decide them (at least 1 while any is open). */
  readonly roundsToDecision: (scenario: ResolvedScenario, document: ResultsDocument) => number;
  readonly maxRepetitions: number;
  /** performance.now() by which the added rounds must end (Infinity: no budget). */
  readonly deadlineMs: number;
}

/** A round a scenario could measure next, and what finishing its checks would take. */
interface Candidate {
  readonly state: ScenarioState;
  readonly needs: readonly RunNeed[];
  readonly points: ReadonlyMap<string, readonly LoadPoint[]>;
  readonly services: readonly ResolvedManifest[];
  readonly roundMs: number;
  readonly toDecisionMs: number;
}

/** How a scenario's added rounds are going. */
interface Progress {
  stopped: AdaptiveRecord['stopped'] | undefined;
  reasons: string[];
  readonly saturated: Map<string, string>;
}

/** A service's start to ready when it has no run yet (it always has one: its own rounds come first). */
const DEFAULT_START_MS = 1000;
/** Around each start: the settling before idle memory is read (300 ms), stopping, the runtime report (measured: 0.5–1 s in all). */
const START_OVERHEAD_MS = 800;
/** Around each point: the engine's start and the window edges' readings (measured: about 0.3 s). */
const POINT_OVERHEAD_MS = 300;

/** The next round a scenario would measure, or why it has none (its progress is updated). */
function nextRound(state: ScenarioState, progress: Progress, rules: AdaptiveRules, context: RoundContext): Candidate | undefined {
  const { scenario } = state;
  const { document } = context;
  const asked = rules.needs(scenario, document);
  const { needs, saturated } = dropSaturatedNeeds(asked, document.runs, scenario.name);
  for (const point of saturated) {
    if (!progress.saturated.has(`${point.service}@${point.point}`)) context.progress.log(`${scenario.name}: ${point.text}`);
    progress.saturated.set(`${point.service}@${point.point}`, point.text);
  }
  if (needs.length === 0) {
    progress.stopped = asked.length > 0 ? 'saturated' : state.repetition > scenario.repetitions ? 'decided' : 'not-needed';
    if (asked.length > 0) progress.reasons = [...new Set(asked.map((need) => need.because))];
    return undefined;
  }
  progress.reasons = [...new Set(needs.map((need) => need.because))];
  if (state.repetition >= rules.maxRepetitions) {
    progress.stopped = 'max-repetitions';
    return undefined;
  }
  // Only the points a need names: a claim on one load point does not re-measure the others.
  const points = new Map(
    state.services.map((manifest) => [
      manifest.name,
      (state.points.get(manifest.name) ?? []).map((point, rateIndex) => ({ ...point, rateIndex })).filter((point) => needs.some((need) => need.service === manifest.name && need.point === point.rateIndex)),
    ]),
  );
  const services = state.services.filter((manifest) => (points.get(manifest.name)?.length ?? 0) > 0);
  if (services.length === 0) {
    progress.stopped = 'decided';
    return undefined;
  }
  const roundMs = services.reduce((sum, manifest) => sum + startMs(state, manifest.name, document) + points.get(manifest.name)!.length * pointMs(state), 0);
  return { state, needs, points, services, roundMs, toDecisionMs: roundMs * Math.max(1, rules.roundsToDecision(scenario, document)) };
}

/** What a service start has cost in this scenario: its start to ready (the median of its runs) and the settling, stopping and sampling around it. */
function startMs(state: ScenarioState, service: string, document: ResultsDocument): number {
  const startups = document.runs.filter((run) => run.scenario === state.scenario.name && run.service === service && run.measured.startupMs !== undefined).map((run) => run.measured.startupMs!);
  const sorted = startups.sort((a, b) => a - b);
  return (sorted.length === 0 ? DEFAULT_START_MS : sorted[Math.floor(sorted.length / 2)]!) + START_OVERHEAD_MS;
}

/** What a load point costs: its warm-up and window, and the engine's start and the edges' readings. */
const pointMs = (state: ScenarioState): number => (state.scenario.warmupSeconds + state.scenario.durationSeconds) * 1000 + POINT_OVERHEAD_MS;

/**
 * Adds rounds to the scenarios' own until nothing is open or the budget is spent, and records
 * how each scenario's rounds ended (`document.adaptive`, in the scenarios' order).
 */
export async function addRounds(states: readonly ScenarioState[], rules: AdaptiveRules, context: RoundContext): Promise<void> {
  const progress = new Map(states.map((state) => [state, { stopped: undefined, reasons: [], saturated: new Map() } as Progress]));
  let open: ScenarioState | undefined;
  try {
    for (;;) {
      const candidates = states.flatMap((state) => {
        const own = progress.get(state)!;
        if (own.stopped !== undefined) return [];
        const candidate = nextRound(state, own, rules, context);
        return candidate === undefined ? [] : [candidate];
      });
      if (candidates.length === 0) break;
      const fitting = candidates.filter((candidate) => performance.now() + candidate.roundMs <= rules.deadlineMs);
      if (fitting.length === 0) {
        for (const candidate of candidates) progress.get(candidate.state)!.stopped = 'budget';
        break;
      }
      const next = fitting.reduce((best, candidate) => (candidate.toDecisionMs < best.toDecisionMs ? candidate : best));
      const { state } = next;
      if (open !== state) {
        if (open !== undefined) await closeScenario(open, context);
        open = state;
        await openScenario(state, context);
      }
      const repetition = state.repetition + 1;
      const reason = progress.get(state)!.reasons[0];
      context.progress.grow(next.services.reduce((sum, manifest) => sum + next.points.get(manifest.name)!.length, 0));
      context.progress.log(`${state.scenario.name}: repetition ${repetition} for ${next.services.map((manifest) => manifest.name).join(', ')} (${reason})`);
      // The floor joins an added round only where a claim pairs it per round (`floor.p99`).
      const floorAt = new Set(next.needs.filter((need) => need.service === FLOOR_NAME).map((need) => need.point));
      const startedMs = performance.now();
      await measureRound(state, next.services, repetition, next.points, context, floorAt);
      state.measuredMs += performance.now() - startedMs;
    }
  } finally {
    if (open !== undefined) await closeScenario(open, context);
  }
  for (const state of states) {
    const own = progress.get(state)!;
    const stopped = own.stopped ?? 'not-needed';
    context.document.adaptive.push({
      scenario: state.scenario.name,
      repetitions: state.repetition,
      seconds: Math.round(state.measuredMs / 1000),
      stopped,
      ...(stopped === 'decided' || stopped === 'not-needed' ? {} : { open: own.reasons }),
      ...(own.saturated.size === 0 ? {} : { saturated: [...own.saturated.values()] }),
    });
  }
  await context.save();
}
