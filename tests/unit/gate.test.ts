import { describe, expect, it } from 'vitest';
import { parseBudget, evaluateBudget } from '../../harness/gate/budget.js';
import { compareRuns } from '../../harness/gate/decide.js';
import { decideGate, gateJUnit, gateMarkdown } from '../../harness/gate/outcome.js';
import type { RunRecord } from '../../harness/results/document.js';

const rule = { maxRegression: 0.1, alpha: 0.05, minRuns: 3 };

describe('gate decision', () => {
  it('passes an A/A comparison', () => {
    const result = compareRuns([1000, 1100, 950, 1050, 1020], [1040, 990, 1080, 1010, 960], true, rule);
    expect(result.verdict).toBe('pass');
    expect(result.baselineMedian).toBe(1020);
    expect(result.candidateMedian).toBe(1010);
  });
  it('fails a +30 % regression: p = 1/252 and the median 30 % worse', () => {
    const baseline = [1000, 1100, 950, 1050, 1020];
    const result = compareRuns(baseline, baseline.map((value) => value * 1.3), true, rule);
    expect(result.verdict).toBe('regression');
    expect(result.p).toBeCloseTo(1 / 252, 12);
    expect(result.worseRatio!.value).toBeCloseTo(1.3, 12);
  });
  it('calls a large but insignificant change borderline', () => {
    expect(compareRuns([100, 200, 300], [150, 400, 250], true, rule).verdict).toBe('borderline');
  });
  it('orients throughput: lower is worse', () => {
    expect(compareRuns([1000, 1010, 990, 1005, 995], [700, 710, 690, 705, 695], false, rule).verdict).toBe('regression');
    expect(compareRuns([700, 710, 690, 705, 695], [1000, 1010, 990, 1005, 995], false, rule).verdict).toBe('pass');
  });
  it('refuses to decide on fewer than three runs a side', () => {
    expect(compareRuns([1, 2], [3, 4, 5], true, rule)).toMatchObject({ verdict: 'insufficient', worseRatio: undefined });
  });
  it('by default needs four runs a side: three cannot reach p < 0.05 (the exact minimum is 1/20)', () => {
    const threeEach = compareRuns([100, 101, 102], [300, 301, 302], true);
    expect(threeEach.verdict).toBe('insufficient');
    expect(threeEach.reason).toContain('fewer cannot reach p < 0.05); the in-job gate measures 10 a side by default');
    expect(compareRuns([100, 101, 102, 103], [300, 301, 302, 303], true)).toMatchObject({ verdict: 'regression', p: 1 / 70 });
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
    expect(decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], rule).exitCode).toBe(0);
    const failed = decideGate(baseline, runs('x', [1300, 1430, 1235, 1365, 1326]), ['p99'], [], rule);
    expect(failed.exitCode).toBe(1);
    expect(failed.summary).toBe('FAIL: 1 regression(s), 0 budget(s) broken');
    expect(gateMarkdown(failed, 'gate')).toContain('| json-open | x | open loop, 100 req/s | p99 | 1.02 ms | 1.33 ms | +30.0 % worse [');
    const junit = gateJUnit(failed);
    expect(junit).toContain('tests="1" failures="1" errors="0"');
    expect(junit).toContain('<failure message="+30.0 % worse (limit +10.0 %), Mann-Whitney p = 0.0040 &lt; 0.05"/>');
  });
  it('says "better" when the candidate improved (3,875 µs → 1,376 µs)', () => {
    const improved = decideGate(runs('x', [3875, 3900, 3850, 3880, 3870]), runs('x', [1376, 1380, 1370, 1390, 1360]), ['p99'], [], rule);
    expect(improved.exitCode).toBe(0);
    expect(gateMarkdown(improved, 'gate')).toContain('| 3.88 ms | 1.38 ms | −64.5 % better [');
  });
  it('fails a regression in a metric whose baseline is 0: 0 errors → errors in every run', () => {
    const outcome = decideGate(runs('x', [1000, 1000, 1000, 1000, 1000]), runs('x', [1000, 1000, 1000, 1000, 1000]).map((run, index) => ({ ...run, load: { ...run.load, counts: { ...run.load.counts, errors: [3, 5, 4, 6, 2][index]! } } })), ['errors'], [], rule);
    expect(outcome.exitCode).toBe(1);
    const row = outcome.rows.find((candidate) => candidate.metric === 'errors')!;
    expect(row.verdict).toBe('regression');
    expect(row.comparison!.worseRatio!.value).toBe(Number.POSITIVE_INFINITY);
    expect(row.comparison!.p).toBeCloseTo(1 / 252, 12);
    expect(row.reason).toContain('+∞ % (from 0) worse');
  });
  it('fails a candidate that fails requests, even when the chosen metric is p99 and its runs are invalid', () => {
    // A candidate answering 500 to 1 request in 40: every run invalid, so p99 has nothing to compare.
    const outcome = decideGate(baseline, runs('x', [1000, 1010, 990, 1005, 995], { errors: 25 }), ['p99'], [], rule);
    expect(outcome.rows.map((row) => [row.metric, row.verdict])).toEqual([
      ['p99', 'insufficient'],
      ['errors', 'regression'],
    ]);
    expect(outcome.exitCode).toBe(1);
  });
  it('fails a candidate that cannot sustain the rate the baseline sustained (exit 1, not 3)', () => {
    const outcome = decideGate(runs('x', [5000, 5100, 4900, 5050, 5020], { offeredRps: 200 }), runs('x', [900_000, 900_000, 900_000, 900_000, 900_000], { offeredRps: 200, achievedRps: 120, saturated: true }), ['p99'], [], rule);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.rows[0]).toMatchObject({ metric: 'sustained rate', verdict: 'not-sustained' });
    expect(outcome.rows[0]!.reason).toBe('the candidate could not sustain the offered 200 req/s in 5 of 5 runs (median achieved 120 req/s), which the baseline sustained in 5 of 5');
  });
  it('shows a point the candidate lacks, and it decides the exit code', () => {
    const both = [...baseline, ...runs('x', [1, 2, 3, 4, 5], { rateIndex: 1 })];
    const outcome = decideGate(both, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], rule);
    expect(outcome.rows.map((row) => row.verdict)).toEqual(['pass', 'missing']);
    expect(outcome.exitCode).toBe(3);
    expect(outcome.summary).toContain('UNDECIDED: 1 comparison(s) undecided (the candidate has no run of this point');
  });
  it('exits 3, not 0, when one service passes and another is undecided', () => {
    const outcome = decideGate([...baseline, ...runs('y', [1, 2, 3, 4, 5])], [...runs('x', [1040, 990, 1080, 1010, 960]), ...runs('y', [1, 2])], ['p99'], [], rule);
    expect(outcome.rows.map((row) => [row.service, row.verdict])).toEqual([
      ['x', 'pass'],
      ['y', 'insufficient'],
    ]);
    expect(outcome.exitCode).toBe(3);
  });
  it('does not compare points offered different rates (each side at a fraction of its own capacity)', () => {
    const outcome = decideGate(runs('x', [1000, 1100, 950, 1050, 1020], { offeredRps: 1000 }), runs('x', [1000, 1100, 950, 1050, 1020], { offeredRps: 700 }), ['p99'], [], rule);
    expect(outcome.rows[0]!.verdict).toBe('incomparable');
    expect(outcome.exitCode).toBe(3);
  });
  it('cannot pass an interrupted or failed candidate run', () => {
    const outcome = decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], rule, { candidateProblems: ['pr.json is interrupted, not complete'] });
    expect(outcome.exitCode).toBe(3);
    expect(gateMarkdown(outcome, 'gate')).toContain('> pr.json is interrupted, not complete');
  });
  it('fails a broken budget even without a baseline, and calls a budget with no valid run "not measured"', () => {
    const outcome = decideGate([], runs('x', [60_000, 61_000, 59_000], { valid: true }), ['p99'], [parseBudget('p99 < 50ms'), parseBudget('errors == 0')], rule);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.budgets.map((result) => [result.budget.source, result.value, result.kept])).toEqual([
      ['p99 < 50ms', 60_000, false],
      ['errors == 0', 0, true],
    ]);
    expect(gateMarkdown(outcome, 'gate')).toContain('| `p99 < 50ms` | 60.0 ms | **no** |');
    const unmeasured = decideGate([], runs('x', [60_000, 61_000], { saturated: true }), ['p99'], [parseBudget('p99 < 50ms')], rule);
    expect(unmeasured.budgets[0]!.kept).toBeUndefined();
    expect(unmeasured.exitCode).toBe(3);
    expect(unmeasured.summary).toContain('1 budget(s) not measured');
    expect(evaluateBudget(parseBudget('p99 < 70ms'), runs('x', [60_000])).kept).toBe(true);
  });
  it('exits 3 when nothing is comparable', () => {
    expect(decideGate(baseline, [], ['p99'], [], rule).exitCode).toBe(3);
  });
});
