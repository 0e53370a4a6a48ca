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
    expect(threeEach.reason).toContain('fewer cannot reach p < 0.05');
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

function runs(service: string, p99s: readonly number[], patch: Partial<{ errors: number }> = {}): RunRecord[] {
  return p99s.map(
    (p99Us, index) =>
      ({
        scenario: 'json-open',
        service,
        rateIndex: 0,
        repetition: index + 1,
        capacityFraction: undefined,
        validity: { valid: true, reasons: [], warnings: [] },
        load: { model: 'open', connections: 8, offeredRps: 100, achievedRps: 100, latencyUs: { p99Us }, counts: { errors: patch.errors ?? 0, timeouts: 0, non2xx: 0, unexpectedStatus: 0, mismatches: 0, dropped: 0 } },
        measured: {},
      }) as unknown as RunRecord,
  );
}

describe('gate outcome', () => {
  const baseline = runs('x', [1000, 1100, 950, 1050, 1020]);
  it('exits 0 for A/A, 1 for a regression, with Markdown and JUnit', () => {
    expect(decideGate(baseline, runs('x', [1040, 990, 1080, 1010, 960]), ['p99'], [], rule).exitCode).toBe(0);
    const failed = decideGate(baseline, runs('x', [1300, 1430, 1235, 1365, 1326]), ['p99'], [], rule);
    expect(failed.exitCode).toBe(1);
    expect(failed.summary).toBe('FAIL: 1 regression(s), 0 budget(s) broken');
    expect(gateMarkdown(failed, 'gate')).toContain('| json-open | open loop, 100 req/s | p99 | 1,020 | 1,326 | 30 % [');
    const junit = gateJUnit(failed);
    expect(junit).toContain('tests="1" failures="1"');
    expect(junit).toContain('<failure message="+30.0 % worse (limit +10.0 %), Mann-Whitney p = 0.0040 &lt; 0.05"/>');
  });
  it('fails a broken budget even without a baseline', () => {
    const outcome = decideGate([], runs('x', [60_000, 61_000, 59_000], { errors: 1 }), ['p99'], [parseBudget('p99 < 50ms'), parseBudget('errors == 0')], rule);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.budgets.map((result) => [result.budget.source, result.value, result.kept])).toEqual([
      ['p99 < 50ms', 60_000, false],
      ['errors == 0', 3, false],
    ]);
    expect(evaluateBudget(parseBudget('p99 < 70ms'), runs('x', [60_000])).kept).toBe(true);
  });
  it('exits 3 when nothing is comparable', () => {
    expect(decideGate(baseline, [], ['p99'], [], rule).exitCode).toBe(3);
  });
});
