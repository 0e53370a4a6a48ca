/**
 * The claims' stopping rule simulated through the real evaluate path (seeded; the model of
 * harness/bench/claims-model.ts): rounds are added one at a time while `runsStillNeeded` asks for
 * them, as `run` does, until the check is decided or the plan's last look (15 rounds) — "repeat
 * until decided". Two services whose CPU per request is in a ratio of 3:1, each run with a
 * coefficient of variation of 20 % and no effect shared by a round (the least favourable case:
 * shared effects cancel in the paired ratio).
 */
import { describe, expect, it } from 'vitest';
import { simulateClaim, type ClaimModel } from '../../harness/bench/claims-model.js';
import { evaluateClaims } from '../../harness/claims/evaluate.js';
import { claimsPlan } from '../../harness/claims/plan.js';
import { resolveClaims } from '../../harness/config/claims.js';
import type { RunRecord } from '../../harness/results/document.js';

const model: Omit<ClaimModel, 'threshold'> = { metric: 'cpuUsPerRequest', ratio: 3, cv: 0.2, roundSigma: 0, repetitions: 3, maxRepetitions: 15 };

// Seeded simulations: deterministic, but slow on a busy machine.
describe('claims decided on paired rounds, repeated until decided (CPU per request 3:1, per-run CV 20 %)', { timeout: 120_000 }, () => {
  it('a/b >= 2 (the truth 1.5× past the threshold) holds, within 10 rounds in nearly all seeds', () => {
    const result = simulateClaim({ ...model, threshold: 2 }, 400, 1);
    expect(result.refuted).toBe(0);
    expect(result.holds).toBeGreaterThanOrEqual(0.98);
    expect(result.decidedBy[9]).toBeGreaterThanOrEqual(0.88);
    expect(result.meanRounds).toBeLessThanOrEqual(8.5);
  });
  it('a/b >= 4 (the truth 25 % short of it) is refuted, within the plan\'s 15 rounds in nearly all seeds', () => {
    const result = simulateClaim({ ...model, threshold: 4 }, 400, 10_001);
    expect(result.holds).toBe(0);
    expect(result.refuted).toBeGreaterThanOrEqual(0.85);
    expect(result.meanRounds).toBeLessThanOrEqual(10.5);
  });
  it('errs at most 2.5 % each way when the truth is exactly the threshold (exact over all looks; simulated within its noise)', () => {
    const trials = 2000;
    const slack = 2 * Math.sqrt((0.025 * 0.975) / trials);
    for (const metric of ['cpuUsPerRequest', 'p99'] as const) {
      const result = simulateClaim({ ...model, metric, threshold: 3 }, trials, 20_001);
      expect(result.holds).toBeLessThanOrEqual(0.025 + slack);
      expect(result.refuted).toBeLessThanOrEqual(0.025 + slack);
    }
    // The plan's exact error over all 13 looks, whatever the spread: ≤ 2.5 % a side, the refute side shared by the claim's 2 checks.
    const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['a.cpuUsPerRequest / b.cpuUsPerRequest >= 3', 'a.p99 / b.p99 >= 3'] }] }, 'claims.yaml', ['s']);
    const runs = Array.from({ length: 4 }, (_, index) => [
      { scenario: 's', service: 'a', rateIndex: 0, repetition: index + 1, validity: { valid: true, reasons: [], warnings: [] }, load: { latencyUs: { p99Us: 300 } }, measured: { cpuUsPerRequest: 300 } },
      { scenario: 's', service: 'b', rateIndex: 0, repetition: index + 1, validity: { valid: true, reasons: [], warnings: [] }, load: { latencyUs: { p99Us: 100 } }, measured: { cpuUsPerRequest: 100 } },
    ]).flat() as unknown as RunRecord[];
    const [result] = evaluateClaims(claims, { runs, builds: [] }, claimsPlan({ scenarios: [{ name: 's', repetitions: 3 }], maxRepetitions: 15 }));
    for (const check of result!.checks) {
      expect(check.test!.errorHolds).toBeLessThanOrEqual(0.025);
      expect(check.test!.errorRefutes).toBeLessThanOrEqual(0.025 / 2);
      expect(check.test!.design).toBe('exact');
    }
    expect(result!.checks.map((check) => check.test!.method)).toEqual(['signed-rank', 'sign']);
  });
});
