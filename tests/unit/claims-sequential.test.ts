/**
 * The claims' stopping rule simulated through the real evaluate path (seeded): rounds are added
 * one at a time while `runsStillNeeded` asks for them, as `run` does, until the check is decided
 * or the plan's last look (15 rounds) — "repeat until decided". Two services whose CPU per request
 * is in a ratio of 3:1, each run with a coefficient of variation of 20 % and no effect shared by a
 * round (the least favourable case: shared effects cancel in the paired ratio).
 */
import { describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../harness/claims/evaluate.js';
import { runsStillNeeded } from '../../harness/claims/needs.js';
import { claimsPlan } from '../../harness/claims/plan.js';
import { resolveClaims } from '../../harness/config/claims.js';
import { mulberry32 } from '../../harness/random.js';
import type { RunRecord } from '../../harness/results/document.js';

const normal = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

function run(service: string, repetition: number, cpuUsPerRequest: number): RunRecord {
  return {
    scenario: 's',
    service,
    rateIndex: 0,
    repetition,
    capacityFraction: undefined,
    validity: { valid: true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
    load: { model: 'closed', connections: 8, achievedRps: 1000, latencyUs: { p50Us: 500, p99Us: 1000 }, counts: {} },
    measured: { cpuUsPerRequest },
  } as unknown as RunRecord;
}

/** The scenario's own 3 repetitions, then a look after every added round up to 15. */
const plan = claimsPlan({ scenarios: [{ name: 's', repetitions: 3 }], maxRepetitions: 15 });

interface Ending {
  readonly verdict: string;
  readonly rounds: number;
}

/** One "repeat until decided" of `a/b >= threshold` with a true ratio a/b = `ratio`, per-run CV `cv`. */
function repeatUntilDecided(threshold: number, ratio: number, cv: number, seed: number): Ending {
  const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: [`a.cpuUsPerRequest / b.cpuUsPerRequest >= ${threshold}`] }] }, 'claims.yaml', ['s']);
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const random = mulberry32(seed);
  const runs: RunRecord[] = [];
  let rounds = 0;
  for (let repetition = 1; repetition <= 15; repetition += 1) {
    runs.push(run('a', repetition, 100 * ratio * Math.exp(sigma * normal(random))), run('b', repetition, 100 * Math.exp(sigma * normal(random))));
    rounds = repetition;
    if (repetition >= 3 && runsStillNeeded(claims, { runs, builds: [] }, 's', plan).length === 0) break;
  }
  const [result] = evaluateClaims(claims, { runs, builds: [] }, plan);
  return { verdict: result!.verdict, rounds };
}

function tally(threshold: number, ratio: number, trials: number, seed: number): { holds: number; refuted: number; within10: number; meanRounds: number } {
  let holds = 0;
  let refuted = 0;
  let within10 = 0;
  let rounds = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const ending = repeatUntilDecided(threshold, ratio, 0.2, seed + trial);
    if (ending.verdict === 'holds') holds += 1;
    if (ending.verdict === 'refuted') refuted += 1;
    if (ending.verdict !== 'inconclusive' && ending.rounds <= 10) within10 += 1;
    rounds += ending.rounds;
  }
  return { holds: holds / trials, refuted: refuted / trials, within10: within10 / trials, meanRounds: rounds / trials };
}

// Seeded simulations: deterministic, but slow on a busy machine.
describe('claims decided on paired rounds, repeated until decided (CPU per request 3:1, per-run CV 20 %)', { timeout: 60_000 }, () => {
  it('a/b >= 2 (the truth 1.5× past the threshold) holds, within 10 rounds in nearly all seeds', () => {
    const result = tally(2, 3, 400, 1);
    expect(result.refuted).toBe(0);
    expect(result.holds).toBeGreaterThanOrEqual(0.98);
    expect(result.within10).toBeGreaterThanOrEqual(0.88);
    expect(result.meanRounds).toBeLessThanOrEqual(8.5);
  });
  it('a/b >= 4 (the truth 25 % short of it) is refuted, within the plan\'s 15 rounds in nearly all seeds', () => {
    const result = tally(4, 3, 400, 10_001);
    expect(result.holds).toBe(0);
    expect(result.refuted).toBeGreaterThanOrEqual(0.85);
    expect(result.meanRounds).toBeLessThanOrEqual(10.5);
  });
  it('errs at most 2.5 % each way when the truth is exactly the threshold (exact over all looks; simulated within its noise)', () => {
    const trials = 2000;
    const result = tally(3, 3, trials, 20_001);
    const slack = 2 * Math.sqrt((0.025 * 0.975) / trials);
    expect(result.holds).toBeLessThanOrEqual(0.025 + slack);
    expect(result.refuted).toBeLessThanOrEqual(0.025 + slack);
    // The plan's exact error over all 13 looks, whatever the spread: ≤ 2.5 % a side.
    const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['a.cpuUsPerRequest / b.cpuUsPerRequest >= 3', 'a.p99 / b.p99 >= 3'] }] }, 'claims.yaml', ['s']);
    const runs = Array.from({ length: 4 }, (_, index) => [run('a', index + 1, 300), run('b', index + 1, 100)]).flat();
    const [result2] = evaluateClaims(claims, { runs, builds: [] }, plan);
    for (const check of result2!.checks) {
      expect(check.test!.errorHolds).toBeLessThanOrEqual(0.025);
      expect(check.test!.errorRefutes).toBeLessThanOrEqual(0.025 / 2);
      expect(check.test!.design).toBe('exact');
    }
    expect(result2!.checks.map((check) => check.test!.method)).toEqual(['signed-rank', 'sign']);
  });
});
