import { describe, expect, it } from 'vitest';
import { simulateGate, type GateModel } from '../../harness/bench/gate-model.js';
import { resolveScenario } from '../../harness/config/scenario.js';
import { parseBudget, evaluateBudget } from '../../harness/gate/budget.js';
import { lookAtFailures, lookAtMetric, lookAtSaturation } from '../../harness/gate/decide.js';
import { decideGate } from '../../harness/gate/outcome.js';
import { describePositions, gateJUnit, gateMarkdown, TAIL_JITTER_NOTE } from '../../harness/gate/render.js';
import { checkPlan, DEFAULT_PLAN, describePlan, gateTestFor, planWithStages } from '../../harness/gate/plan.js';
import { holm } from '../../harness/gate/sequential.js';
import { continueRuns, mergeStages, ratesOffered, replayInJob, stageScenario } from '../../harness/gate/stage-runs.js';
import type { ResultsDocument, RunRecord } from '../../harness/results/document.js';

/** One look at 5 rounds, all of α: the fixed-sample gate. */
const oneLook = planWithStages([5]);

describe('the stopping plan', () => {
  it('defaults to looks at 5, 10 and 20 rounds, α = 0.05 spent over all of them', () => {
    expect(DEFAULT_PLAN).toEqual({
      maxRegression: 0.1,
      alpha: 0.05,
      stages: [
        { runsPerSide: 5, futilityP: 0.6, weight: 0.5 },
        { runsPerSide: 10, futilityP: 0.5, weight: 0.5 },
        { runsPerSide: 20, futilityP: undefined, weight: 1 },
      ],
    });
    expect(describePlan(DEFAULT_PLAN)).toBe("looks at 5, 10, 20 rounds (runs a side, paired); earlier looks test at half the last look's level; an earlier look passes a row when p > 0.6, 0.5; limit +10 % inside the test; α 0.05 over all looks and rows (exact sequential levels, Holm over the rows)");
    expect(describePlan(oneLook)).toBe('one look at 5 rounds (runs a side, paired); limit +10 % inside the test; α 0.05 over all looks and rows (exact sequential levels, Holm over the rows)');
    expect(checkPlan(DEFAULT_PLAN)).toEqual([]);
    expect([gateTestFor('p50'), gateTestFor('cpuUsPerRequest'), gateTestFor('p99'), gateTestFor('max')]).toEqual(['signed-rank', 'signed-rank', 'sign', 'sign']);
  });
  it('refuses plans that cannot reject or do not add runs', () => {
    // 4 rounds: the smallest exact p is 1/16 = 0.0625, never below 0.05 (why one look needs 5).
    expect(checkPlan(planWithStages([4]))).toEqual(['the last look cannot reject: with 4 rounds the smallest exact p is 2^-4 = 0.063, above α = 0.05; it needs at least 5 runs a side']);
    expect(checkPlan(planWithStages([5]))).toEqual([]);
    expect(checkPlan(planWithStages([6, 5]))).toEqual(['look 2: runs per side must be an integer above 6, got 5']);
    expect(checkPlan({ ...DEFAULT_PLAN, stages: [{ runsPerSide: 5, futilityP: 0.01, weight: 0.5 }, { runsPerSide: 10, futilityP: undefined, weight: 1 }] })).toEqual(['look 1: the futility threshold must be in (α, 1], got 0.01']);
    expect(checkPlan({ ...DEFAULT_PLAN, stages: [{ runsPerSide: 5, futilityP: 0.6, weight: 0 }, { runsPerSide: 10, futilityP: undefined, weight: 1 }] })).toEqual(['look 1: the relative level must be in (0, 1], got 0']);
  });
});

describe('one look at one row (literal values)', () => {
  const pairs = (baseline: readonly number[], candidate: ReadonlyArray<number | undefined>): Array<{ baseline: number | undefined; candidate: number | undefined }> => baseline.map((value, index) => ({ baseline: value, candidate: candidate[index] }));
  const baseline = [1000, 1100, 950, 1050, 1020];
  it('pairs rounds: +30 % in every round is a one-sided signed-rank p of 1/32 against the +10 % limit', () => {
    const look = lookAtMetric(pairs(baseline, baseline.map((value) => value * 1.3)), 'signed-rank', true, 0.1, 1 / 32)!;
    expect(look).toMatchObject({ test: 'signed-rank', p: 1 / 32, rounds: 5, baselineValue: 1020, worst: { baseline: 0, candidate: 0 } });
    expect(look.worseRatio!.value).toBeCloseTo(1.3, 12);
    expect(look.candidateValue).toBeCloseTo(1326, 9);
  });
  it('treats a change of exactly the limit as the null itself: +10 % in every round is p = 1 (ties count against a regression)', () => {
    expect(lookAtMetric(pairs(baseline, baseline.map((value) => value * 1.1)), 'signed-rank', true, 0.1, 0.03)!.p).toBe(1);
  });
  it('ranks a run that did not count as the worst of its side instead of dropping it', () => {
    // The candidate's runs 2 and 4 were invalid: +∞ there, the largest ranks (4, 5): W₊ = 9 of 15, P(W₊ ≥ 9) = 13/32.
    const look = lookAtMetric(pairs(baseline, [1000, undefined, 950, undefined, 1020]), 'signed-rank', true, 0.1, 0.03)!;
    expect(look).toMatchObject({ rounds: 5, worst: { baseline: 0, candidate: 2 }, p: 13 / 32 });
    // Every candidate run invalid: as worse as 5 rounds can show.
    expect(lookAtMetric(pairs(baseline, [undefined, undefined, undefined, undefined, undefined]), 'signed-rank', true, 0.1, 0.03)!.p).toBe(1 / 32);
    // A round whose two runs both did not count says nothing and is left out.
    expect(lookAtMetric([{ baseline: undefined, candidate: undefined }, ...pairs([1000], [1500])], 'sign', true, 0.1, 0.3)!.rounds).toBe(1);
  });
  it('orients throughput: lower is worse', () => {
    expect(lookAtMetric(pairs([1000, 1010, 990, 1005, 995], [700, 710, 690, 705, 695]), 'signed-rank', false, 0.1, 0.03)!.p).toBe(1 / 32);
    expect(lookAtMetric(pairs([700, 710, 690, 705, 695], [1000, 1010, 990, 1005, 995]), 'signed-rank', false, 0.1, 0.03)!.p).toBe(1);
    // −9 % throughput is within the limit: 1000 ÷ 1.1 = 909 < 910.
    expect(lookAtMetric(pairs([1000, 1000, 1000, 1000, 1000], [910, 911, 912, 913, 914]), 'signed-rank', false, 0.1, 0.03)!.p).toBe(1);
  });
  it('decides failed requests as any against none, else by the exact test on pooled counts', () => {
    expect(lookAtFailures({ failed: 0, requests: 10_000 }, { failed: 3, requests: 10_000 }, 5, 0.1)).toMatchObject({ p: 0, worseRatio: { value: Number.POSITIVE_INFINITY } });
    expect(lookAtFailures({ failed: 4, requests: 10_000 }, { failed: 0, requests: 10_000 }, 5, 0.1).p).toBe(1);
    // 10 against 30 of 10,000 each: the candidate's share under the null is 1.1 / 2.1; P(Bin(40, 11/21) ≥ 30).
    const pi = 11 / 21;
    let tail = 0;
    let term = pi ** 40;
    for (let k = 40; k >= 30; k -= 1) {
      tail += term;
      term *= (k / (41 - k)) * ((1 - pi) / pi);
    }
    expect(lookAtFailures({ failed: 10, requests: 10_000 }, { failed: 30, requests: 10_000 }, 5, 0.1).p).toBeCloseTo(tail, 12);
  });
  it('decides the sustained rate on the rounds where only one side saturated (McNemar)', () => {
    const look = lookAtSaturation([...Array.from({ length: 6 }, () => ({ baseline: false, candidate: true })), { baseline: true, candidate: false }, { baseline: true, candidate: true }, { baseline: false, candidate: false }]);
    // 7 discordant rounds, 6 of them the candidate's: P(Bin(7, ½) ≥ 6) = 8/128.
    expect(look).toMatchObject({ p: 8 / 128, baselineValue: 2, candidateValue: 7, detail: 'of 9 rounds, only the candidate saturated in 6, only the baseline in 1' });
  });
});

describe('multiplicity: Holm over the rows', () => {
  it('rejects step-down from the smallest p: 0.01 < 0.05/3, then 0.03 is not < 0.05/2', () => {
    expect(holm([0.01, 0.04, 0.03], 0.05)).toEqual({ rejected: [true, false, false], levels: [0.05 / 3, 0.05, 0.025] });
    expect(holm([0.01, undefined, 0.02], 0.05).rejected).toEqual([true, false, true]);
  });
});

describe('the default plan simulated (seeded; the model of harness/bench/gate-model.ts, rows p50 and p99)', { timeout: 120_000 }, () => {
  const { alpha } = DEFAULT_PLAN;
  const trials = 1000;
  /** Two standard errors of a rate near α over the trials. */
  const slack = 2 * Math.sqrt((alpha * (1 - alpha)) / trials);
  const rounds: Omit<GateModel, 'ratio'> = { roundSigma: 0.2, runSigma: { baseline: 0.09, candidate: 0.09 }, positionEffect: 1, metrics: ['p50', 'p99'] };
  it('with round effects (shared 0.20, run 0.09: spread 0.22): false alarms ≤ 5 % at the limit, +20 % and +30 % found within 20 runs ≥ 90 %, unchanged candidates stop by 8 runs on average', () => {
    const limit = simulateGate({ ...rounds, ratio: 1.1 }, DEFAULT_PLAN, trials, 11);
    const slower = simulateGate({ ...rounds, ratio: 1.3 }, DEFAULT_PLAN, trials, 12);
    // +20 % sits near its target: 2,000 gates, the seed of the README's figure (bench:gate's simulated row).
    const somewhat = simulateGate({ ...rounds, ratio: 1.2 }, DEFAULT_PLAN, 2000, 2028);
    const same = simulateGate({ ...rounds, ratio: 1 }, DEFAULT_PLAN, trials, 13);
    expect(limit.regression).toBeLessThanOrEqual(alpha + slack);
    expect(slower.regressionWithin20).toBeGreaterThanOrEqual(0.9);
    expect(somewhat.regressionWithin20).toBeGreaterThanOrEqual(0.9);
    expect(same.regression).toBeLessThanOrEqual(alpha);
    expect(same.meanRunsPerSide).toBeLessThanOrEqual(8);
  });
  it('stays at α with the candidate measured in both positions and the second run of a round 3 % slower', () => {
    expect(simulateGate({ ...rounds, ratio: 1.1, positionEffect: 1.03 }, DEFAULT_PLAN, trials, 14).regression).toBeLessThanOrEqual(alpha + slack);
  });
  it('stays at α with unequal spreads (0.1 and 0.3, no round effect)', () => {
    expect(simulateGate({ roundSigma: 0, runSigma: { baseline: 0.1, candidate: 0.3 }, ratio: 1.1, positionEffect: 1, metrics: ['p50', 'p99'] }, DEFAULT_PLAN, trials, 15).regression).toBeLessThanOrEqual(alpha + slack);
  });
  it('shows why the plan is needed: p ≤ 0.05 at each of the looks 5, 10, 20 errs more than 5 % over all of them (exact)', async () => {
    const { crossingProbability } = await import('../../harness/stats/sequential-design.js');
    expect(crossingProbability({ test: 'signed-rank', looks: [5, 10, 20] }, 0.05).probability).toBeGreaterThan(0.08);
    expect(crossingProbability({ test: 'sign', looks: [5, 10, 20] }, 0.05).probability).toBeGreaterThan(0.05);
  });
});

describe('the in-job stages', () => {
  const open = resolveScenario(
    { name: 'open', description: 'x', workload: 'json', requests: [{ path: '/json' }], load: { model: 'open', capacityFractions: [0.5, 0.8] }, repetitions: 3, seed: 5 },
    'scenarios/open.yaml',
    { quick: false, availableCpus: 2 },
  );
  it('measures each stage as a continuation: runs per stage, seeds shifted, the baseline probed once', () => {
    const first = stageScenario(open, DEFAULT_PLAN, 0);
    expect([first.services, first.repetitions, first.seed, first.load]).toEqual([['baseline', 'candidate'], 5, 5, open.load]);
    const second = stageScenario(open, DEFAULT_PLAN, 1, [500, 800]);
    expect([second.repetitions, second.seed]).toEqual([5, 5 + 5 * 7919]);
    expect(second.load).toMatchObject({ model: 'open', ratesPerSecond: [500, 800], capacityFractions: undefined });
    expect(stageScenario(open, DEFAULT_PLAN, 2, [500, 800]).repetitions).toBe(10);
    expect(() => stageScenario(open, DEFAULT_PLAN, 1)).toThrow('needs the rates stage 1 offered');
    const document = { capacity: [{ service: 'baseline', valid: true, capacityRps: 1000 }, { service: 'candidate', valid: true, capacityRps: 1000, ratesFrom: 'baseline' }] } as unknown as ResultsDocument;
    expect(ratesOffered(open, document)).toEqual([500, 800]);
  });
  it('numbers a later stage after the earlier ones and keeps the fractions its rates stand for', () => {
    const run = { id: 'open/baseline/rep2/rate1', scenario: 'open', service: 'baseline', repetition: 2, rateIndex: 1, capacityFraction: undefined } as unknown as RunRecord;
    expect(continueRuns([run], 5, [0.5, 0.8])[0]).toMatchObject({ id: 'open/baseline/rep7/rate1', repetition: 7, capacityFraction: 0.8 });
    const doc = (state: string, ids: string[]): ResultsDocument => ({ state, finishedAt: state, capacity: [], runs: ids.map((id) => ({ id })), failures: [], services: {}, builds: [] }) as unknown as ResultsDocument;
    const merged = mergeStages(doc('complete', ['a', 'b']), [doc('interrupted', ['c'])], open, 10);
    expect([merged.state, merged.finishedAt, merged.runs.map((entry) => entry.id), (merged.scenarios[0] as { repetitions: number }).repetitions]).toEqual(['interrupted', 'interrupted', ['a', 'b', 'c'], 10]);
  });
});

describe('budgets', () => {
  it('parses k6-style budgets into the metric unit', () => {
    expect(parseBudget('p99 < 50ms')).toEqual({ source: 'p99 < 50ms', metric: 'p99', comparator: '<', limit: 50_000 });
    expect(parseBudget('errors == 0')).toMatchObject({ metric: 'errors', comparator: '==', limit: 0 });
    expect(parseBudget('peakPssBytes <= 64MiB').limit).toBe(64 * 1024 * 1024);
    expect(() => parseBudget('p99 < 50 parsecs')).toThrow('unit `parsecs` does not fit p99');
    expect(() => parseBudget('latency < 5')).toThrow('unknown metric `latency`');
    expect(() => parseBudget('p99 is small')).toThrow('expected `metric OP value`');
  });
});

describe('budgets', () => {
  it('parses k6-style budgets into the metric unit', () => {
    expect(parseBudget('p99 < 50ms')).toEqual({ source: 'p99 < 50ms', metric: 'p99', comparator: '<', limit: 50_000 });
    expect(parseBudget('errors == 0')).toMatchObject({ metric: 'errors', comparator: '==', limit: 0 });
    expect(parseBudget('peakPssBytes <= 64MiB').limit).toBe(64 * 1024 * 1024);
    expect(() => parseBudget('p99 < 50 parsecs')).toThrow('unit `parsecs` does not fit p99');
    expect(() => parseBudget('latency < 5')).toThrow('unknown metric `latency`');
    expect(() => parseBudget('p99 is small')).toThrow('expected `metric OP value`');
  });
});

interface RunPatch {
  errors?: readonly number[];
  valid?: boolean;
  saturated?: readonly boolean[];
  offeredRps?: number;
  achievedRps?: number;
  scenario?: string;
  rateIndex?: number;
}

/** Runs of rounds 1, 2, … with these p99s (p50 = p99 ÷ 2). */
function runs(service: string, p99s: readonly number[], patch: RunPatch = {}): RunRecord[] {
  return p99s.map((p99Us, index) => {
    const saturated = patch.saturated?.[index] === true;
    const errors = patch.errors?.[index] ?? 0;
    const valid = patch.valid ?? (!saturated && errors === 0);
    return {
      scenario: patch.scenario ?? 'json-open',
      service,
      rateIndex: patch.rateIndex ?? 0,
      repetition: index + 1,
      capacityFraction: undefined,
      validity: {
        valid,
        reasons: saturated ? [{ code: 'saturated', text: 'achieved 120 of 200 req/s', next: '', concerns: [] }] : valid ? [] : [{ code: 'failures', text: 'failed', next: '', concerns: [] }],
        warnings: [],
        bottleneck: saturated ? 'service' : 'neither',
        lowerBoundRps: undefined,
      },
      load: {
        model: 'open',
        connections: 8,
        offeredRps: patch.offeredRps ?? 100,
        achievedRps: patch.achievedRps ?? patch.offeredRps ?? 100,
        latencyUs: { p99Us, p50Us: p99Us / 2 },
        counts: { responses: 1000, errors, timeouts: 0, non2xx: 0, unexpectedStatus: 0, mismatches: 0, dropped: 0 },
      },
      measured: {},
    } as unknown as RunRecord;
  });
}
const times = (values: readonly number[], factor: number): number[] => values.map((value) => value * factor);

describe('gate outcome', () => {
  const base5 = [1000, 1100, 950, 1050, 1020];
  const base10 = [...base5, 990, 1060, 1010, 970, 1040];
  const baseline = runs('x', base5);
  // Per-round factors around +12 %: each round's log ratio ÷ 1.1 alternates in sign, W₊ = 11 of 15 after 5, 31 of 55 after 10.
  const mixed = [1.3, 0.97, 1.2, 1.02, 1.25, 1.04, 1.15, 1.0, 1.18, 1.06];
  const noisy = (values: readonly number[]): number[] => values.map((value, index) => value * mixed[index]!);
  it('exits 0 for A/A, 1 for a regression, with Markdown (units, direction) and JUnit', () => {
    expect(decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p50'], [], oneLook).exitCode).toBe(0);
    const failed = decideGate(baseline, runs('x', times(base5, 1.3)), ['p50'], [], oneLook);
    expect(failed.exitCode).toBe(1);
    expect(failed.summary).toBe('FAIL: 1 regression(s), 0 budget(s) broken');
    expect(gateMarkdown(failed, 'gate')).toContain('| json-open | x | open loop, 100 req/s | p50 | 510 µs | 663 µs | +30.0 % worse [');
    const junit = gateJUnit(failed);
    expect(junit).toContain('tests="1" failures="1" errors="0"');
    expect(junit).toContain('<failure message="+30.0 % worse (limit +10.0 %, inside the test): signed-rank p = 0.031 at look 1 of 1 (5 rounds); sequential p = 0.031 &lt; 0.05 (α 0.05 over 1 row, Holm)"/>');
  });
  it('follows the plan: 5 rounds all worse are not enough at look 1 of 3 (1/32 at any of 3 looks is too common), 10 are', () => {
    const first = decideGate(baseline, runs('x', times(base5, 1.3)), ['p50'], [], DEFAULT_PLAN);
    expect([first.exitCode, first.needsMoreRuns, first.stageReached, first.runsTaken]).toEqual([3, true, 1, { baseline: 5, candidate: 5 }]);
    expect(first.summary).toBe("UNDECIDED: 1 comparison(s) undecided (+30.0 % (limit +10.0 %), p = 0.031: undecided after look 1 of 3; the plan's next look needs 10 runs a side)");
    const markdown = gateMarkdown(first, 'gate');
    expect(markdown).toContain("Plan: looks at 5, 10, 20 rounds (runs a side, paired); earlier looks test at half the last look's level; an earlier look passes a row when p > 0.6, 0.5; limit +10 % inside the test; α 0.05 over all looks and rows (exact sequential levels, Holm over the rows). Reached look 1 of 3: 5 baseline and 5 candidate runs per point.");
    expect(gateJUnit(first)).toContain('tests="1" failures="0" errors="1"');
    const second = decideGate(runs('x', base10), runs('x', times(base10, 1.3)), ['p50'], [], DEFAULT_PLAN);
    expect([second.exitCode, second.needsMoreRuns, second.stageReached, second.runsTaken]).toEqual([1, false, 2, { baseline: 10, candidate: 10 }]);
    expect(second.rows[0]!.comparison).toMatchObject({ p: 1 / 1024, rounds: 10, stage: 2 });
    expect(gateMarkdown(second, 'gate')).toContain('| 10 | 2 of 3 | 0.00098 | **regression** |');
  });
  it('passes an unchanged candidate at the first look (p > 0.6: no more runs)', () => {
    const outcome = decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p50', 'p99'], [], DEFAULT_PLAN);
    expect(outcome.rows.map((row) => [row.metric, row.verdict, row.comparison!.stage])).toEqual([
      ['p50', 'pass', 1],
      ['p99', 'pass', 1],
    ]);
    expect([outcome.exitCode, outcome.needsMoreRuns]).toEqual([0, false]);
  });
  it('needs no more runs once anything regressed, even with other rows undecided', () => {
    const both = [...runs('x', base10), ...runs('x', base10, { rateIndex: 1 })];
    const outcome = decideGate(both, [...runs('x', times(base10, 5)), ...runs('x', noisy(base10), { rateIndex: 1 })], ['p50'], [], DEFAULT_PLAN);
    expect(outcome.rows.map((row) => [row.verdict, row.comparison!.stage])).toEqual([
      ['regression', 2],
      ['undecided', 2],
    ]);
    expect([outcome.exitCode, outcome.needsMoreRuns]).toEqual([1, false]);
  });
  it('controls the family: two rows each at p = 1/32 are significant alone, not together (Holm: 1/32 > 0.05/2)', () => {
    const two = decideGate([...baseline, ...runs('x', base5, { rateIndex: 1 })], [...runs('x', times(base5, 5)), ...runs('x', times(base5, 5), { rateIndex: 1 })], ['p50'], [], oneLook);
    expect(two.rows.map((row) => row.verdict)).toEqual(['borderline', 'borderline']);
    expect(two.rows[0]!.reason).toContain('significant on its own (sequential p = 0.031 < α 0.05) but not after Holm over 2 rows');
    expect(decideGate(baseline, runs('x', times(base5, 5)), ['p50'], [], oneLook).rows[0]!.verdict).toBe('regression');
  });
  it('judges data that end inside a stage with what there is, and says the plan needs more', () => {
    const seven = base10.slice(0, 7);
    const outcome = decideGate(runs('x', seven), runs('x', noisy(seven)), ['p50'], [], DEFAULT_PLAN);
    expect(outcome.rows[0]!.verdict).toBe('undecided');
    expect(outcome.rows[0]!.reason).toContain("undecided: the data end inside stage 2 of 3 (7 of its 10 rounds); the plan's next look needs 20 runs a side");
  });
  it('replays runs through the in-job stages: stops at the first look that leaves nothing undecided', () => {
    const twenty = Array.from({ length: 20 }, (_, index) => 1000 + ((index * 37) % 100));
    expect(replayInJob(runs('x', twenty), runs('x', times(twenty, 2)), ['p50'], [], DEFAULT_PLAN)).toMatchObject({ runsPerSide: 10, outcome: { exitCode: 1, stageReached: 2 } });
    expect(replayInJob(runs('x', twenty), runs('x', twenty.map((value, index) => value * (index % 2 === 0 ? 0.97 : 1.01))), ['p50'], [], DEFAULT_PLAN)).toMatchObject({ runsPerSide: 5, outcome: { exitCode: 0, stageReached: 1 } });
    // Runs that end before the plan: the outcome there, and the runs there were.
    expect(replayInJob(runs('x', base10.slice(0, 6)), runs('x', noisy(base10.slice(0, 6))), ['p50'], [], DEFAULT_PLAN)).toMatchObject({ runsPerSide: 6, outcome: { exitCode: 3, needsMoreRuns: true } });
  });
  it('says "better" when the candidate improved (3,875 µs → 1,376 µs)', () => {
    const improved = decideGate(runs('x', [3875, 3900, 3850, 3880, 3870]), runs('x', [1376, 1380, 1370, 1390, 1360]), ['p99'], [], oneLook);
    expect(improved.exitCode).toBe(0);
    expect(gateMarkdown(improved, 'gate')).toContain('| 3.88 ms | 1.38 ms | −64.5 % better [');
  });
  it('fails a candidate failing requests in 20 % of its runs against a clean baseline (any against none; the rank test passed it at p = 0.053)', () => {
    const twenty = Array.from({ length: 20 }, (_, index) => 1000 + index);
    const outcome = decideGate(runs('x', twenty), runs('x', twenty, { errors: twenty.map((_, index) => (index % 5 === 0 ? 2 : 0)) }), ['p50'], [], DEFAULT_PLAN);
    expect(outcome.exitCode).toBe(1);
    const row = outcome.rows.find((candidate) => candidate.metric === 'failed requests')!;
    expect(row.verdict).toBe('regression');
    expect(row.reason).toContain('failed requests against none: failed requests p = 0 at look 1 of 3');
    expect(gateMarkdown(outcome, 'gate')).toContain('| failed requests | 0 | 2 | +∞ % (from 0) worse |');
  });
  it('fails a candidate whose runs are invalid for failures, even when the chosen metric is p99: ranked worst, never dropped', () => {
    const outcome = decideGate(baseline, runs('x', [1000, 1010, 990, 1005, 995], { errors: [25, 25, 25, 25, 25] }), ['p99'], [], oneLook);
    expect(outcome.rows.map((row) => [row.metric, row.verdict])).toEqual([
      ['p99', 'regression'],
      ['failed requests', 'regression'],
    ]);
    expect(outcome.rows[0]!.comparison).toMatchObject({ p: 1 / 32, test: 'sign' });
    expect(outcome.exitCode).toBe(1);
  });
  it('fails a candidate that cannot sustain the rate the baseline sustained (McNemar, inside the family; exit 1, not 3)', () => {
    const ten = Array.from({ length: 10 }, () => true);
    const outcome = decideGate(runs('x', times(base10, 5), { offeredRps: 200 }), runs('x', base10.map(() => 900_000), { offeredRps: 200, achievedRps: 120, saturated: ten }), ['p50'], [], planWithStages([10]));
    expect(outcome.exitCode).toBe(1);
    const sustained = outcome.rows.find((row) => row.metric === 'sustained rate')!;
    expect(sustained.verdict).toBe('not-sustained');
    expect(sustained.comparison).toMatchObject({ p: 1 / 1024, detail: 'of 10 rounds, only the candidate saturated in 10, only the baseline in 0' });
  });
  it('does not flag an unchanged candidate that saturates as often as the baseline (the majority rule flagged up to 15.6 %)', () => {
    const some = (offset: number): boolean[] => base10.map((_, index) => (index + offset) % 4 === 0);
    const outcome = decideGate(runs('x', base10, { saturated: some(0) }), runs('x', base10, { saturated: some(1) }), ['p50'], [], planWithStages([10]));
    const sustained = outcome.rows.find((row) => row.metric === 'sustained rate')!;
    expect(sustained.verdict).toBe('pass');
    // 3 rounds only the baseline saturated, 2 only the candidate: P(Bin(5, ½) ≥ 2) = 26/32.
    expect(sustained.comparison!.p).toBe(26 / 32);
  });
  it('shows a point the candidate lacks, and it decides the exit code', () => {
    const both = [...baseline, ...runs('x', [1, 2, 3, 4, 5], { rateIndex: 1 })];
    const outcome = decideGate(both, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], oneLook);
    expect(outcome.rows.map((row) => row.verdict)).toEqual(['pass', 'missing']);
    expect(outcome.exitCode).toBe(3);
    expect(outcome.summary).toContain('UNDECIDED: 1 comparison(s) undecided (the candidate has no run of this point');
  });
  it('exits 3, not 0, when one service passes and another is undecided', () => {
    const outcome = decideGate([...baseline, ...runs('y', [1, 2, 3, 4, 5])], [...runs('x', [1040, 990, 1080, 1010, 960]), ...runs('y', [1, 2])], ['p99'], [], oneLook);
    expect(outcome.rows.map((row) => [row.service, row.verdict])).toEqual([
      ['x', 'pass'],
      ['y', 'undecided'],
    ]);
    expect(outcome.exitCode).toBe(3);
  });
  it('does not compare points offered different rates (each side at a fraction of its own capacity)', () => {
    const outcome = decideGate(runs('x', base5, { offeredRps: 1000 }), runs('x', base5, { offeredRps: 700 }), ['p99'], [], oneLook);
    expect(outcome.rows[0]!.verdict).toBe('incomparable');
    expect(outcome.exitCode).toBe(3);
  });
  it('cannot pass an interrupted or failed candidate run', () => {
    const outcome = decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], oneLook, { candidateProblems: ['pr.json is interrupted, not complete'] });
    expect(outcome.exitCode).toBe(3);
    expect(gateMarkdown(outcome, 'gate')).toContain('> pr.json is interrupted, not complete');
  });
  it('says under the table what a tail percentile on a VM is mostly made of, where one is shown', () => {
    expect(gateMarkdown(decideGate(baseline, runs('x', base5), ['p99'], [], oneLook), 'gate')).toContain(TAIL_JITTER_NOTE);
    expect(gateMarkdown(decideGate(baseline, runs('x', base5), ['p50'], [], oneLook), 'gate')).not.toContain(TAIL_JITTER_NOTE);
  });
  it('says in which position the candidate was measured', () => {
    const placed = [1, 2, 1, 2].map((orderInRound, index) => ({ service: 'candidate', rateIndex: 0, repetition: index + 1, orderInRound }) as unknown as RunRecord);
    expect(describePositions(placed)).toContain('the candidate was measured first in 2 of 4 rounds and second in 2');
  });
  it('fails a broken budget even without a baseline, and calls a budget with no valid run "not measured"', () => {
    const outcome = decideGate([], runs('x', [60_000, 61_000, 59_000], { valid: true }), ['p99'], [parseBudget('p99 < 50ms'), parseBudget('errors == 0')], oneLook);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.budgets.map((result) => [result.budget.source, result.value, result.kept])).toEqual([
      ['p99 < 50ms', 60_000, false],
      ['errors == 0', 0, true],
    ]);
    expect(gateMarkdown(outcome, 'gate')).toContain('| `p99 < 50ms` | 60.0 ms | **no** |');
    const unmeasured = decideGate([], runs('x', [60_000, 61_000], { saturated: [true, true] }), ['p99'], [parseBudget('p99 < 50ms')], oneLook);
    expect(unmeasured.budgets[0]!.kept).toBeUndefined();
    expect(unmeasured.exitCode).toBe(3);
    expect(unmeasured.summary).toContain('1 budget(s) not measured');
    expect(evaluateBudget(parseBudget('p99 < 70ms'), runs('x', [60_000])).kept).toBe(true);
  });
  it('exits 3 when nothing is comparable', () => {
    expect(decideGate(baseline, [], ['p99'], [], oneLook).exitCode).toBe(3);
  });
});
