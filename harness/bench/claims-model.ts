/**
 * A seeded model of how a claim is decided when `run` repeats rounds until it is: two services
 * measured once per round, each run's metric lognormal around its service's median with a
 * per-run coefficient of variation (and optionally an effect shared by the round), the claim
 * `a.metric / b.metric >= threshold`, rounds added one at a time while `runsStillNeeded` asks for
 * them (after the scenario's own repetitions, up to the plan's last look), the verdict from
 * `evaluateClaims` under the plan — the real path, with synthetic runs. Used by
 * `npm run bench:claims` and the unit tests. Pure: the same seed gives the same figures.
 */
import { evaluateClaims } from '../claims/evaluate.js';
import { runsStillNeeded } from '../claims/needs.js';
import { claimsPlan } from '../claims/plan.js';
import { resolveClaims } from '../config/claims.js';
import { mulberry32 } from '../random.js';
import type { RunRecord } from '../results/document.js';

export interface ClaimModel {
  /** `cpuUsPerRequest` (signed-rank test) or `p99` (a tail metric: sign test). */
  readonly metric: 'cpuUsPerRequest' | 'p99';
  /** The true ratio a/b of the medians. */
  readonly ratio: number;
  /** The claimed threshold: `a.metric / b.metric >= threshold`. */
  readonly threshold: number;
  /** Coefficient of variation of each run (0.2: 20 %). */
  readonly cv: number;
  /** σ of ln shared by both runs of a round (0: none, the least favourable case for pairing). */
  readonly roundSigma: number;
  /** The scenario's own repetitions (the plan's first look) and `--max-repetitions` (its last). */
  readonly repetitions: number;
  readonly maxRepetitions: number;
}

export interface ClaimTally {
  readonly holds: number;
  readonly refuted: number;
  readonly inconclusive: number;
  /** Share decided (either way) by each number of rounds, 1 … maxRepetitions. */
  readonly decidedBy: readonly number[];
  readonly meanRounds: number;
}

const normal = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

function record(service: string, repetition: number, metric: ClaimModel['metric'], value: number): RunRecord {
  return {
    scenario: 's',
    service,
    rateIndex: 0,
    repetition,
    capacityFraction: undefined,
    validity: { valid: true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
    load: { model: 'closed', connections: 8, achievedRps: 1000, latencyUs: { p50Us: 100, p99Us: metric === 'p99' ? value : 1000 }, counts: {} },
    measured: { cpuUsPerRequest: metric === 'cpuUsPerRequest' ? value : 100 },
  } as unknown as RunRecord;
}

/** One "repeat until decided": the verdict and the rounds it took. */
export function repeatUntilDecided(model: ClaimModel, seed: number): { verdict: string; rounds: number } {
  const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: [`a.${model.metric} / b.${model.metric} >= ${model.threshold}`] }] }, 'claims.yaml', ['s']);
  const plan = claimsPlan({ scenarios: [{ name: 's', repetitions: model.repetitions }], maxRepetitions: model.maxRepetitions });
  const sigma = Math.sqrt(Math.log(1 + model.cv * model.cv));
  const random = mulberry32(seed);
  const runs: RunRecord[] = [];
  let rounds = 0;
  for (let repetition = 1; repetition <= model.maxRepetitions; repetition += 1) {
    const shared = model.roundSigma * normal(random);
    runs.push(record('a', repetition, model.metric, 100 * model.ratio * Math.exp(shared + sigma * normal(random))), record('b', repetition, model.metric, 100 * Math.exp(shared + sigma * normal(random))));
    rounds = repetition;
    if (repetition >= model.repetitions && runsStillNeeded(claims, { runs, builds: [] }, 's', plan).length === 0) break;
  }
  const [result] = evaluateClaims(claims, { runs, builds: [] }, plan);
  return { verdict: result!.verdict, rounds };
}

/** `trials` claims under the model (seeds `seed`, `seed + 1`, …). */
export function simulateClaim(model: ClaimModel, trials: number, seed: number): ClaimTally {
  let holds = 0;
  let refuted = 0;
  let rounds = 0;
  const decidedAt = new Array<number>(model.maxRepetitions + 1).fill(0);
  for (let trial = 0; trial < trials; trial += 1) {
    const ending = repeatUntilDecided(model, seed + trial);
    rounds += ending.rounds;
    if (ending.verdict === 'holds') holds += 1;
    if (ending.verdict === 'refuted') refuted += 1;
    if (ending.verdict === 'holds' || ending.verdict === 'refuted') decidedAt[ending.rounds] = decidedAt[ending.rounds]! + 1;
  }
  const decidedBy: number[] = [];
  let cumulative = 0;
  for (let n = 1; n <= model.maxRepetitions; n += 1) {
    cumulative += decidedAt[n]!;
    decidedBy.push(cumulative / trials);
  }
  return { holds: holds / trials, refuted: refuted / trials, inconclusive: 1 - (holds + refuted) / trials, decidedBy, meanRounds: rounds / trials };
}
