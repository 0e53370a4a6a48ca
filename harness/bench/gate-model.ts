/**
 * A seeded model of what the in-job gate measures, to put the stopping plan through its paces
 * without a machine: rounds of baseline and candidate measured back to back in alternating order
 * (as run.ts measures them), each run's value lognormal around its side's median with
 *
 * - a shared round effect (σ of ln, the machine's mood that both runs of a round see),
 * - its own run noise (σ of ln, per side: unequal spreads allowed),
 * - a position effect (the run measured second in a round is this much slower),
 *
 * turned into RunRecords and replayed through the real gate (`replayInJob`: decide after each
 * stage, stop when nothing awaits more runs). Used by `npm run bench:gate` and the unit tests.
 * Pure: the same seed gives the same figures.
 */
import { replayInJob } from '../gate/stage-runs.js';
import type { GatePlan } from '../gate/plan.js';
import { mulberry32 } from '../random.js';
import type { RunRecord } from '../results/document.js';

export interface GateModel {
  /** σ of ln shared by both runs of a round. */
  readonly roundSigma: number;
  /** σ of ln of each run, baseline and candidate. */
  readonly runSigma: { readonly baseline: number; readonly candidate: number };
  /** The candidate's true median over the baseline's (1.1: exactly a +10 % limit). */
  readonly ratio: number;
  /** Factor on the run measured second in its round (1.03: +3 %). */
  readonly positionEffect: number;
  /** Metrics of each run (each drawn independently from the model): the gate's rows. */
  readonly metrics: readonly ('p50' | 'p99')[];
}

export interface GateTally {
  /** Shares of trials. */
  readonly regression: number;
  readonly pass: number;
  readonly borderline: number;
  readonly undecided: number;
  /** Regressions found by the stage whose runs per side are at most 20. */
  readonly regressionWithin20: number;
  /** Mean runs per side the gate measured before it stopped. */
  readonly meanRunsPerSide: number;
}

const normal = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

function record(service: string, repetition: number, orderInRound: number, latencyUs: Record<string, number>): RunRecord {
  return {
    id: `model/${service}/rep${repetition}/rate0`,
    scenario: 'model',
    service,
    language: 'model',
    repetition,
    orderInRound,
    rateIndex: 0,
    capacityFraction: undefined,
    startedAt: '',
    validity: { valid: true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
    load: { model: 'closed', connections: 4, offeredRps: undefined, achievedRps: 1000, latencyUs, counts: { responses: 1000, expectedStatus: 1000, non2xx: 0, unexpectedStatus: 0, errors: 0, timeouts: 0, mismatches: 0, verified: 0, dropped: 0, statusCounts: {} } },
    measured: {},
  } as unknown as RunRecord;
}

/** Both sides' runs of `rounds` rounds under the model, the candidate second in odd rounds and first in even ones. */
export function drawRounds(model: GateModel, rounds: number, random: () => number): { baseline: RunRecord[]; candidate: RunRecord[] } {
  const baseline: RunRecord[] = [];
  const candidate: RunRecord[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const candidateSecond = round % 2 === 1;
    const values = (side: 'baseline' | 'candidate', shared: number): number => {
      const second = (side === 'candidate') === candidateSecond;
      return 1000 * Math.exp(shared + model.runSigma[side] * normal(random)) * (side === 'candidate' ? model.ratio : 1) * (second ? model.positionEffect : 1);
    };
    const shared = model.metrics.map(() => model.roundSigma * normal(random));
    const latency = (side: 'baseline' | 'candidate'): Record<string, number> => Object.fromEntries(model.metrics.map((metric, index) => [`${metric}Us`, values(side, shared[index]!)]));
    baseline.push(record('x', round, candidateSecond ? 1 : 2, latency('baseline')));
    candidate.push(record('x', round, candidateSecond ? 2 : 1, latency('candidate')));
  }
  return { baseline, candidate };
}

/** `trials` in-job gates under the model, each stopping where the plan stops. */
export function simulateGate(model: GateModel, plan: GatePlan, trials: number, seed: number): GateTally {
  const random = mulberry32(seed);
  const last = plan.stages.at(-1)!.runsPerSide;
  let regression = 0;
  let pass = 0;
  let borderline = 0;
  let undecided = 0;
  let within20 = 0;
  let runs = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const { baseline, candidate } = drawRounds(model, last, random);
    const { outcome, runsPerSide } = replayInJob(baseline, candidate, model.metrics, [], plan);
    runs += runsPerSide;
    if (outcome.exitCode === 1) {
      regression += 1;
      if (runsPerSide <= 20) within20 += 1;
    } else if (outcome.exitCode === 3) undecided += 1;
    else if (outcome.rows.some((row) => row.verdict === 'borderline')) borderline += 1;
    else pass += 1;
  }
  const share = (count: number): number => count / trials;
  return { regression: share(regression), pass: share(pass), borderline: share(borderline), undecided: share(undecided), regressionWithin20: share(within20), meanRunsPerSide: runs / trials };
}
