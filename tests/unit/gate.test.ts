import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../harness/config/scenario.js';
import { parseBudget, evaluateBudget } from '../../harness/gate/budget.js';
import { compareLook } from '../../harness/gate/decide.js';
import { decideGate } from '../../harness/gate/outcome.js';
import { gateJUnit, gateMarkdown } from '../../harness/gate/render.js';
import { checkPlan, DEFAULT_PLAN, describePlan, planWithStages, smallestP, type GatePlan } from '../../harness/gate/plan.js';
import { greaterP, noTiesUpperTail } from '../../harness/gate/rank-table.js';
import { compareRuns, evaluatePlan, holm, type PlanRow } from '../../harness/gate/sequential.js';
import { continueRuns, mergeStages, ratesOffered, replayInJob, stageScenario } from '../../harness/gate/stage-runs.js';
import { mulberry32 } from '../../harness/random.js';
import type { ResultsDocument, RunRecord } from '../../harness/results/document.js';
import { mannWhitneyGreaterP } from '../../harness/stats/rank-test.js';

/** One look at 5 runs a side, all of α: the fixed-sample gate. */
const oneLook = planWithStages([5]);

describe('exact rank test without ties', () => {
  it('reads the same p-value as the knapsack over midranks', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 200; trial += 1) {
      const n = 2 + Math.floor(random() * 12);
      const m = 2 + Math.floor(random() * 12);
      const candidate = Array.from({ length: n }, () => random());
      const baseline = Array.from({ length: m }, () => random() * 0.9);
      expect(greaterP(candidate, baseline)).toBeCloseTo(mannWhitneyGreaterP(candidate, baseline)!, 12);
    }
  });
  it('has the textbook tails: 1/20 at 3 v 3, 1/252 and 2/252 at 5 v 5', () => {
    expect(noTiesUpperTail(3, 3)[9]).toBeCloseTo(1 / 20, 15);
    expect(noTiesUpperTail(5, 5)[25]).toBeCloseTo(1 / 252, 15);
    expect(noTiesUpperTail(5, 5)[24]).toBeCloseTo(2 / 252, 15);
    expect(noTiesUpperTail(5, 5)[0]).toBeCloseTo(1, 15);
    expect(smallestP(5)).toBeCloseTo(1 / 252, 15);
    expect(smallestP(4)).toBeCloseTo(1 / 70, 15);
  });
  it('defers to the tie-aware distribution when values tie', () => {
    expect(greaterP([1, 2, 2, 3, 3], [0, 1, 1, 2, 2])).toBe(mannWhitneyGreaterP([1, 2, 2, 3, 3], [0, 1, 1, 2, 2]));
    expect(greaterP([], [1])).toBeUndefined();
  });
});

describe('the stopping plan', () => {
  it('defaults to looks at 5, 10 and 20 runs a side spending 10 / 20 / 70 % of α = 0.05', () => {
    expect(DEFAULT_PLAN).toEqual({
      maxRegression: 0.1,
      alpha: 0.05,
      stages: [
        { runsPerSide: 5, alphaShare: 0.1, futilityP: 0.6 },
        { runsPerSide: 10, alphaShare: 0.2, futilityP: 0.5 },
        { runsPerSide: 20, alphaShare: 0.7, futilityP: undefined },
      ],
    });
    expect(describePlan(DEFAULT_PLAN)).toBe('looks at 5, 10, 20 runs a side: p < 0.005, 0.01, 0.035 (α 0.05 split 10/20/70 %, Holm over the rows); an earlier look passes a row when p > 0.6, 0.5; limit +10 % inside the test');
    expect(describePlan(oneLook)).toBe('one look at 5 runs a side: p < 0.05 (Holm over the rows); limit +10 % inside the test');
    expect(planWithStages([3, 6]).stages.map((stage) => stage.alphaShare)).toEqual([0.3, 0.7]);
    expect(checkPlan(DEFAULT_PLAN)).toEqual([]);
  });
  it('refuses plans that cannot reject, do not add runs, or spend more than α', () => {
    // 3 a side: the smallest exact p is 1/20 = 0.05, never below 0.05 (why one look needs 4).
    expect(checkPlan(planWithStages([3]))).toEqual(['the last look cannot reject: with 3 runs a side the smallest exact p is 0.050, not below α × share = 0.050; it needs at least 4 runs a side']);
    expect(checkPlan(planWithStages([4]))).toEqual([]);
    expect(checkPlan(planWithStages([5, 4]))).toEqual(['look 2: runs per side must be an integer above 5, got 4']);
    const greedy: GatePlan = { ...DEFAULT_PLAN, stages: DEFAULT_PLAN.stages.map((stage) => ({ ...stage, alphaShare: 0.5 })) };
    expect(checkPlan(greedy)).toEqual(['the shares of α must sum to 1, got 1.5']);
    const lowFutility: GatePlan = { ...DEFAULT_PLAN, stages: [{ runsPerSide: 5, alphaShare: 0.5, futilityP: 0.01 }, { runsPerSide: 10, alphaShare: 0.5, futilityP: undefined }] };
    expect(checkPlan(lowFutility)).toEqual(['look 1: the futility threshold must be in (α × share, 1], got 0.01']);
  });
});

describe('gate decision at each look (default plan, literal values)', () => {
  const baseline = [1000, 1100, 950, 1050, 1020];
  it('fails a +30 % regression at look 1: U = 25 of 25 after dividing by 1.1, p = 1/252 < 0.005', () => {
    const result = compareRuns(baseline, baseline.map((value) => value * 1.3), true, DEFAULT_PLAN);
    expect(result).toMatchObject({ state: 'regression', stage: 1, awaitsMoreRuns: false });
    expect(result.evidence!.p).toBeCloseTo(1 / 252, 12);
    expect(result.evidence!.worseRatio.value).toBeCloseTo(1.3, 12);
    expect(result.q).toBeCloseTo(10 / 252, 12);
    expect(result.reason).toBe('+30.0 % worse (limit +10.0 %, inside the test), Mann-Whitney p = 0.0040 < 0.005 at look 1 of 3 (5 / 5 runs)');
  });
  it('passes an A/A comparison at look 1 (p > 0.6: no more runs)', () => {
    const result = compareRuns(baseline, [1040, 990, 1080, 1010, 960], true, DEFAULT_PLAN);
    expect(result).toMatchObject({ state: 'pass', stage: 1, awaitsMoreRuns: false });
    expect(result.evidence!.p).toBeCloseTo(251 / 252, 12);
    expect(result.evidence).toMatchObject({ baselineMedian: 1020, candidateMedian: 1010 });
  });
  it('treats a change of exactly the limit as no regression: +10 % is the null hypothesis itself', () => {
    const result = compareRuns(baseline, baseline.map((value) => value * 1.1), true, DEFAULT_PLAN);
    // Not a regression; at 5 a side not yet clearly no regression either (p = 0.59, not above 0.6).
    expect(result.state).toBe('undecided');
    expect(compareRuns(baseline, baseline.map((value) => value * 1.1), true, oneLook).state).toBe('pass');
    expect(result.evidence!.worseRatio.value).toBeCloseTo(1.1, 12);
    // Every candidate ÷ 1.1 ties its baseline run: U = 12.5 of 25.
    expect(result.evidence!.p).toBeCloseTo(mannWhitneyGreaterP(baseline, baseline)!, 12);
  });
  it('asks for the next stage when U = 24 of 25 (p = 2/252 = 0.0079, not below 0.005)', () => {
    const candidate = [1300, 1430, 1167, 1365, 1326];
    const result = compareRuns(baseline, candidate, true, DEFAULT_PLAN);
    expect(result).toMatchObject({ state: 'undecided', stage: 1, awaitsMoreRuns: true });
    expect(result.evidence!.p).toBeCloseTo(2 / 252, 12);
    expect(result.reason).toBe("+30.0 % (limit +10.0 %), p = 0.0079: undecided after look 1 of 3; the plan's next look needs 10 runs a side");
    // The same five runs then five more: look 2 on all ten decides.
    const moreBaseline = [...baseline, 990, 1060, 1010, 970, 1040];
    const moreCandidate = [...candidate, 1290, 1380, 1340, 1310, 1400];
    const second = compareRuns(moreBaseline, moreCandidate, true, DEFAULT_PLAN);
    expect(second).toMatchObject({ state: 'regression', stage: 2 });
    // U = 99 of 100: p = 2 / C(20, 10).
    expect(second.evidence!.p).toBeCloseTo(noTiesUpperTail(10, 10)[99]!, 15);
    expect(second.evidence!.p).toBeCloseTo(2 / 184_756, 15);
    expect(second.reason).toBe('+31.3 % worse (limit +10.0 %, inside the test), Mann-Whitney p = 1.1e-5 < 0.01 at look 2 of 3 (10 / 10 runs)');
  });
  it('judges data that end inside a stage with what there is, and says the plan needs more', () => {
    const seven = [1000, 1100, 950, 1050, 1020, 990, 1060];
    const result = compareRuns(seven, seven.map((value) => value * 1.18), true, DEFAULT_PLAN);
    expect(result.looks.map((look) => [look.stage, look.isPartial])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(result.state).toBe('undecided');
    expect(result.reason).toContain("undecided: the data end inside stage 2 of 3 (7 of its 10 runs a side); the plan's next look needs 20 runs a side");
  });
  it('decides at the last look: borderline when the median is beyond the limit but not significantly', () => {
    const random = mulberry32(3);
    const noisy = (scale: number): number[] => Array.from({ length: 20 }, () => scale * Math.exp(0.3 * (random() - 0.5)));
    // Futility off (p > 1 never happens), so the comparison reaches the last look.
    const result = compareRuns(noisy(1000), noisy(1100), true, { ...DEFAULT_PLAN, stages: DEFAULT_PLAN.stages.map((stage) => ({ ...stage, futilityP: stage.futilityP === undefined ? undefined : 1 })) });
    expect(result).toMatchObject({ state: 'borderline', stage: 3 });
    expect(result.reason).toBe('+13.1 % (limit +10.0 %), p = 0.19, not below 0.035 at the last look (20 / 20 runs): the median is beyond the limit but not significantly; more runs would tell');
  });
  it('orients throughput: lower is worse, the baseline ÷ 1.1 tested against the candidate', () => {
    expect(compareRuns([1000, 1010, 990, 1005, 995], [700, 710, 690, 705, 695], false, DEFAULT_PLAN)).toMatchObject({ state: 'regression', stage: 1 });
    expect(compareRuns([700, 710, 690, 705, 695], [1000, 1010, 990, 1005, 995], false, DEFAULT_PLAN)).toMatchObject({ state: 'pass', stage: 1 });
    // −9 % throughput is within the limit: 1000 ÷ 1.1 = 909 < 910.
    expect(compareLook([1000, 1000, 1000, 1000, 1000], [910, 911, 912, 913, 914], false, 0.1)!.p).toBe(1);
  });
  it('refuses to look at fewer valid runs than the first stage', () => {
    expect(compareRuns([1, 2], [3, 4, 5], true, DEFAULT_PLAN)).toMatchObject({ state: 'insufficient', evidence: undefined, reason: '2 / 3 valid runs; a look needs at least 5 valid runs a side' });
    expect(compareRuns([100, 101, 102], [300, 301, 302], true, planWithStages([4]))).toMatchObject({ state: 'insufficient', awaitsMoreRuns: true });
    expect(compareRuns([100, 101, 102, 103], [300, 301, 302, 303], true, planWithStages([4]))).toMatchObject({ state: 'regression', evidence: { p: 1 / 70 } });
  });
});

describe('multiplicity: Holm over the rows', () => {
  it('rejects step-down from the smallest p: 0.01 < 0.05/3, then 0.03 is not < 0.05/2', () => {
    expect(holm([0.01, 0.04, 0.03], 0.05)).toEqual({ rejected: [true, false, false], levels: [0.05 / 3, 0.05, 0.025] });
    expect(holm([0.01, undefined, 0.02], 0.05).rejected).toEqual([true, false, true]);
  });
  it('needs more runs for two rows with U = 25 at 5 a side: each q = 10/252 = 0.040, not below 0.05/2', () => {
    const numbered = (values: readonly number[]): Array<{ repetition: number; value: number }> => values.map((value, index) => ({ repetition: index + 1, value }));
    const row: PlanRow = { baseline: numbered([1000, 1100, 950, 1050, 1020]), candidate: numbered([1300, 1430, 1235, 1365, 1326]), reach: 5, lowerIsBetter: true };
    expect(evaluatePlan([row], DEFAULT_PLAN).map((result) => result.state)).toEqual(['regression']);
    expect(evaluatePlan([row, row], DEFAULT_PLAN).map((result) => result.state)).toEqual(['undecided', 'undecided']);
    expect(evaluatePlan([row, row], oneLook).map((result) => result.state)).toEqual(['regression', 'regression']);
  });
});

/** Lognormal per-run values: median `ratio`, log-spread `sigma` (Box–Muller from a seeded PRNG). */
function lognormal(random: () => number, sigma: number, ratio: number, n: number): number[] {
  return Array.from({ length: n }, () => ratio * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

interface Simulated {
  regression: number;
  pass: number;
  borderline: number;
  meanRunsPerSide: number;
}

/** The plan as the in-job gate uses it, stopping included, on `trials` lognormal comparisons of one row. */
function simulate(plan: GatePlan, sigma: number, ratio: number, trials: number, seed: number, rows = 1): Simulated {
  const random = mulberry32(seed);
  const n = plan.stages.at(-1)!.runsPerSide;
  const counts = { regression: 0, pass: 0, borderline: 0 };
  let runs = 0;
  const numbered = (values: readonly number[]): Array<{ repetition: number; value: number }> => values.map((value, index) => ({ repetition: index + 1, value }));
  for (let trial = 0; trial < trials; trial += 1) {
    const family: PlanRow[] = Array.from({ length: rows }, () => ({ baseline: numbered(lognormal(random, sigma, 1, n)), candidate: numbered(lognormal(random, sigma, ratio, n)), reach: n, lowerIsBetter: true }));
    const results = evaluatePlan(family, plan);
    // The in-job gate stops at the first look where no row awaits more runs, or at a regression.
    if (results.some((result) => result.state === 'regression')) counts.regression += 1;
    else if (results.some((result) => result.state === 'borderline')) counts.borderline += 1;
    else counts.pass += 1;
    const stopped = Math.min(...results.filter((result) => result.state === 'regression').map((result) => result.stage!), Math.max(...results.map((result) => result.stage!)));
    runs += plan.stages[stopped - 1]!.runsPerSide;
  }
  const share = (count: number): number => Number((count / trials).toFixed(4));
  return { regression: share(counts.regression), pass: share(counts.pass), borderline: share(counts.borderline), meanRunsPerSide: Number((runs / trials).toFixed(2)) };
}

describe('the default plan simulated (lognormal runs, fixed seeds)', () => {
  const { alpha } = DEFAULT_PLAN;
  /** Two standard errors of a rate near α over this many trials. */
  const slack = (trials: number): number => 2 * Math.sqrt((alpha * (1 - alpha)) / trials);
  it('flags a change of exactly +10 % (the limit) at most α of the time, whatever the spread', () => {
    const at015 = simulate(DEFAULT_PLAN, 0.15, 1.1, 4000, 11);
    expect(at015.regression).toBeLessThanOrEqual(alpha + slack(4000));
    expect(at015).toEqual({ regression: 0.0375, pass: 0.7125, borderline: 0.25, meanRunsPerSide: 11.77 });
    // At exactly the limit the ranks do not depend on the spread: the same draws give the same verdicts.
    expect(simulate(DEFAULT_PLAN, 0.22, 1.1, 4000, 11)).toEqual(at015);
  });
  it('keeps A/A false alarms far below α, at spread 0.15 and at the measured 2× spread (0.22)', () => {
    const at015 = simulate(DEFAULT_PLAN, 0.15, 1, 2000, 12);
    const at022 = simulate(DEFAULT_PLAN, 0.22, 1, 2000, 13);
    expect(at015.regression).toBeLessThanOrEqual(alpha);
    expect(at022.regression).toBeLessThanOrEqual(alpha);
    expect(at015).toEqual({ regression: 0.001, pass: 0.982, borderline: 0.017, meanRunsPerSide: 6.75 });
    expect(at022).toEqual({ regression: 0.0015, pass: 0.9455, borderline: 0.053, meanRunsPerSide: 7.83 });
  });
  it('detects +30 % in about 92 % of comparisons at spread 0.15 (about 14 runs a side), in about 65 % at 0.22', () => {
    const at015 = simulate(DEFAULT_PLAN, 0.15, 1.3, 2000, 14);
    const at022 = simulate(DEFAULT_PLAN, 0.22, 1.3, 2000, 15);
    expect(at015).toEqual({ regression: 0.9175, pass: 0.0385, borderline: 0.044, meanRunsPerSide: 14.4 });
    expect(at022).toEqual({ regression: 0.6525, pass: 0.125, borderline: 0.2225, meanRunsPerSide: 16.16 });
  });
  it('keeps the family at α over three rows at the limit (Holm), where three unadjusted rows would not', () => {
    const family = simulate(DEFAULT_PLAN, 0.15, 1.1, 2000, 16, 3);
    expect(family.regression).toBeLessThanOrEqual(alpha + slack(2000));
    expect(family.regression).toBe(0.0305);
  });
  it('shows why a plan is needed: the plain test at α = 0.05 after 5 and again after 10 runs flags 7.6 % of A/A comparisons', () => {
    const random = mulberry32(17);
    const trials = 4000;
    let alarms = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const baseline = lognormal(random, 0.15, 1, 10);
      const candidate = lognormal(random, 0.15, 1, 10);
      if (greaterP(candidate.slice(0, 5), baseline.slice(0, 5))! < 0.05 || greaterP(candidate, baseline)! < 0.05) alarms += 1;
    }
    expect(alarms / trials).toBeGreaterThan(alpha + slack(trials));
    expect(alarms / trials).toBe(0.07525);
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

interface RunPatch {
  errors?: number;
  valid?: boolean;
  saturated?: boolean;
  offeredRps?: number;
  achievedRps?: number;
  scenario?: string;
  rateIndex?: number;
}

function runs(service: string, p99s: readonly number[], patch: RunPatch = {}): RunRecord[] {
  return p99s.map((p99Us, index) => {
    const saturated = patch.saturated === true;
    const valid = patch.valid ?? (!saturated && (patch.errors ?? 0) === 0);
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
        latencyUs: { p99Us },
        counts: { errors: patch.errors ?? 0, timeouts: 0, non2xx: 0, unexpectedStatus: 0, mismatches: 0, dropped: 0 },
      },
      measured: {},
    } as unknown as RunRecord;
  });
}

describe('gate outcome', () => {
  const baseline = runs('x', [1000, 1100, 950, 1050, 1020]);
  it('exits 0 for A/A, 1 for a regression, with Markdown (units, direction) and JUnit', () => {
    expect(decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], oneLook).exitCode).toBe(0);
    const failed = decideGate(baseline, runs('x', [1300, 1430, 1235, 1365, 1326]), ['p99'], [], oneLook);
    expect(failed.exitCode).toBe(1);
    expect(failed.summary).toBe('FAIL: 1 regression(s), 0 budget(s) broken');
    expect(gateMarkdown(failed, 'gate')).toContain('| json-open | x | open loop, 100 req/s | p99 | 1.02 ms | 1.33 ms | +30.0 % worse [');
    const junit = gateJUnit(failed);
    expect(junit).toContain('tests="1" failures="1" errors="0"');
    expect(junit).toContain('<failure message="+30.0 % worse (limit +10.0 %, inside the test), Mann-Whitney p = 0.0040 &lt; 0.05 at look 1 of 1 (5 / 5 runs)"/>');
  });
  it('follows the plan: says the plan, the look reached and the runs each side took, and asks for the next stage', () => {
    // U = 24 of 25 at look 1 (p = 0.0079, not below 0.005): undecided, exit 3, the in-job gate measures on.
    const first = decideGate(baseline, runs('x', [1300, 1430, 1167, 1365, 1326]), ['p99'], [], DEFAULT_PLAN);
    expect([first.exitCode, first.needsMoreRuns, first.stageReached, first.runsTaken]).toEqual([3, true, 1, { baseline: 5, candidate: 5 }]);
    expect(first.summary).toBe("UNDECIDED: 1 comparison(s) undecided (+30.0 % (limit +10.0 %), p = 0.0079: undecided after look 1 of 3; the plan's next look needs 10 runs a side)");
    const markdown = gateMarkdown(first, 'gate');
    expect(markdown).toContain('Plan: looks at 5, 10, 20 runs a side: p < 0.005, 0.01, 0.035 (α 0.05 split 10/20/70 %, Holm over the rows); an earlier look passes a row when p > 0.6, 0.5; limit +10 % inside the test. Reached look 1 of 3: 5 baseline and 5 candidate runs per point.');
    expect(markdown).toContain("| 5 / 5 | 1 of 3 | 0.0079 | **undecided**: +30.0 % (limit +10.0 %), p = 0.0079: undecided after look 1 of 3; the plan's next look needs 10 runs a side |");
    expect(gateJUnit(first)).toContain('tests="1" failures="0" errors="1"');
    // Five more runs a side: look 2 decides.
    const second = decideGate(runs('x', [1000, 1100, 950, 1050, 1020, 990, 1060, 1010, 970, 1040]), runs('x', [1300, 1430, 1167, 1365, 1326, 1290, 1380, 1340, 1310, 1400]), ['p99'], [], DEFAULT_PLAN);
    expect([second.exitCode, second.needsMoreRuns, second.stageReached, second.runsTaken]).toEqual([1, false, 2, { baseline: 10, candidate: 10 }]);
    expect(gateMarkdown(second, 'gate')).toContain('Reached look 2 of 3: 10 baseline and 10 candidate runs per point.');
    expect(gateMarkdown(second, 'gate')).toContain('| 10 / 10 | 2 of 3 | 1.1e-5 | **regression** |');
  });
  it('needs no more runs once anything regressed, even with other rows undecided', () => {
    const ten = [1000, 1100, 950, 1050, 1020, 990, 1060, 1010, 970, 1040];
    const both = [...runs('x', ten), ...runs('x', ten, { rateIndex: 1 })];
    // Point 0: 5× slower, rejected at look 2 (q = p ÷ 0.2 far below 0.05 ÷ 2); point 1: +12 %, p = 0.24 at look 2, undecided.
    const outcome = decideGate(both, [...runs('x', ten.map((value) => value * 5)), ...runs('x', ten.map((value) => value * 1.12), { rateIndex: 1 })], ['p99'], [], DEFAULT_PLAN);
    expect(outcome.rows.map((row) => [row.verdict, row.comparison!.stage])).toEqual([
      ['regression', 2],
      ['undecided', 2],
    ]);
    expect([outcome.exitCode, outcome.needsMoreRuns]).toEqual([1, false]);
  });
  it('controls the family: two rows with U = 25 at 5 a side are each significant alone, not together', () => {
    const outcome = decideGate([...baseline, ...runs('x', [1000, 1100, 950, 1050, 1020], { rateIndex: 1 })], [...runs('x', [5000, 5100, 4900, 5050, 5020]), ...runs('x', [5000, 5100, 4900, 5050, 5020], { rateIndex: 1 })], ['p99'], [], DEFAULT_PLAN);
    expect(outcome.rows.map((row) => row.verdict)).toEqual(['undecided', 'undecided']);
    expect(decideGate(baseline, runs('x', [5000, 5100, 4900, 5050, 5020]), ['p99'], [], DEFAULT_PLAN).rows[0]!.verdict).toBe('regression');
  });
  it('replays runs through the in-job stages: stops at the first look that leaves nothing undecided', () => {
    const twenty = Array.from({ length: 20 }, (_, index) => 1000 + ((index * 37) % 100));
    expect(replayInJob(runs('x', twenty), runs('x', twenty.map((value) => value * 2)), ['p99'], [], DEFAULT_PLAN)).toMatchObject({ runsPerSide: 5, outcome: { exitCode: 1, stageReached: 1 } });
    expect(replayInJob(runs('x', twenty), runs('x', twenty), ['p99'], [], DEFAULT_PLAN)).toMatchObject({ runsPerSide: 5, outcome: { exitCode: 0, stageReached: 1 } });
    // U = 24 at look 1, then clear at look 2: 10 a side.
    const candidate = [1300, 1430, 1167, 1365, 1326, 1290, 1380, 1340, 1310, 1400];
    const replayed = replayInJob(runs('x', [1000, 1100, 950, 1050, 1020, 990, 1060, 1010, 970, 1040]), runs('x', candidate), ['p99'], [], DEFAULT_PLAN);
    expect(replayed).toMatchObject({ runsPerSide: 10, outcome: { exitCode: 1, stageReached: 2, runsTaken: { baseline: 10, candidate: 10 } } });
    // Runs that end before the plan: the outcome there, and the runs there were.
    expect(replayInJob(runs('x', [1000, 1100, 950, 1050, 1020, 990]), runs('x', [1300, 1430, 1167, 1365, 1326, 1000]), ['p99'], [], DEFAULT_PLAN)).toMatchObject({ runsPerSide: 6, outcome: { exitCode: 3, needsMoreRuns: true } });
  });
  it('says "better" when the candidate improved (3,875 µs → 1,376 µs)', () => {
    const improved = decideGate(runs('x', [3875, 3900, 3850, 3880, 3870]), runs('x', [1376, 1380, 1370, 1390, 1360]), ['p99'], [], oneLook);
    expect(improved.exitCode).toBe(0);
    expect(gateMarkdown(improved, 'gate')).toContain('| 3.88 ms | 1.38 ms | −64.5 % better [');
  });
  it('fails a regression in a metric whose baseline is 0: 0 errors → errors in every run', () => {
    const outcome = decideGate(runs('x', [1000, 1000, 1000, 1000, 1000]), runs('x', [1000, 1000, 1000, 1000, 1000]).map((run, index) => ({ ...run, load: { ...run.load, counts: { ...run.load.counts, errors: [3, 5, 4, 6, 2][index]! } } })), ['errors'], [], oneLook);
    expect(outcome.exitCode).toBe(1);
    const row = outcome.rows.find((candidate) => candidate.metric === 'errors')!;
    expect(row.verdict).toBe('regression');
    expect(row.comparison!.worseRatio!.value).toBe(Number.POSITIVE_INFINITY);
    expect(row.comparison!.p).toBeCloseTo(1 / 252, 12);
    expect(row.reason).toContain('+∞ % (from 0) worse');
  });
  it('fails a candidate that fails requests, even when the chosen metric is p99 and its runs are invalid', () => {
    // A candidate answering 500 to 1 request in 40: every run invalid, so p99 has nothing to compare.
    const outcome = decideGate(baseline, runs('x', [1000, 1010, 990, 1005, 995], { errors: 25 }), ['p99'], [], oneLook);
    expect(outcome.rows.map((row) => [row.metric, row.verdict])).toEqual([
      ['p99', 'insufficient'],
      ['errors', 'regression'],
    ]);
    expect(outcome.exitCode).toBe(1);
  });
  it('fails a candidate that cannot sustain the rate the baseline sustained (exit 1, not 3)', () => {
    const outcome = decideGate(runs('x', [5000, 5100, 4900, 5050, 5020], { offeredRps: 200 }), runs('x', [900_000, 900_000, 900_000, 900_000, 900_000], { offeredRps: 200, achievedRps: 120, saturated: true }), ['p99'], [], oneLook);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.rows[0]).toMatchObject({ metric: 'sustained rate', verdict: 'not-sustained' });
    expect(outcome.rows[0]!.reason).toBe('the candidate could not sustain the offered 200 req/s in 5 of 5 runs (median achieved 120 req/s), which the baseline sustained in 5 of 5');
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
      ['y', 'insufficient'],
    ]);
    expect(outcome.exitCode).toBe(3);
  });
  it('does not compare points offered different rates (each side at a fraction of its own capacity)', () => {
    const outcome = decideGate(runs('x', [1000, 1100, 950, 1050, 1020], { offeredRps: 1000 }), runs('x', [1000, 1100, 950, 1050, 1020], { offeredRps: 700 }), ['p99'], [], oneLook);
    expect(outcome.rows[0]!.verdict).toBe('incomparable');
    expect(outcome.exitCode).toBe(3);
  });
  it('cannot pass an interrupted or failed candidate run', () => {
    const outcome = decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], oneLook, { candidateProblems: ['pr.json is interrupted, not complete'] });
    expect(outcome.exitCode).toBe(3);
    expect(gateMarkdown(outcome, 'gate')).toContain('> pr.json is interrupted, not complete');
  });
  it('fails a broken budget even without a baseline, and calls a budget with no valid run "not measured"', () => {
    const outcome = decideGate([], runs('x', [60_000, 61_000, 59_000], { valid: true }), ['p99'], [parseBudget('p99 < 50ms'), parseBudget('errors == 0')], oneLook);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.budgets.map((result) => [result.budget.source, result.value, result.kept])).toEqual([
      ['p99 < 50ms', 60_000, false],
      ['errors == 0', 0, true],
    ]);
    expect(gateMarkdown(outcome, 'gate')).toContain('| `p99 < 50ms` | 60.0 ms | **no** |');
    const unmeasured = decideGate([], runs('x', [60_000, 61_000], { saturated: true }), ['p99'], [parseBudget('p99 < 50ms')], oneLook);
    expect(unmeasured.budgets[0]!.kept).toBeUndefined();
    expect(unmeasured.exitCode).toBe(3);
    expect(unmeasured.summary).toContain('1 budget(s) not measured');
    expect(evaluateBudget(parseBudget('p99 < 70ms'), runs('x', [60_000])).kept).toBe(true);
  });
  it('exits 3 when nothing is comparable', () => {
    expect(decideGate(baseline, [], ['p99'], [], oneLook).exitCode).toBe(3);
  });
});
