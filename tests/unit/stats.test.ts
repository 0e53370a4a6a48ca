import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/random.js';
import { formatCoverage, medianInterval, orderStatisticCoverage, runsForCoverage } from '../../harness/stats/interval.js';

describe('order-statistic intervals', () => {
  it('gives the coverage of [X(k), X(n+1-k)] exactly', () => {
    expect(orderStatisticCoverage(3, 1)).toBe(0.75);
    expect(orderStatisticCoverage(5, 1)).toBe(0.9375);
    expect(orderStatisticCoverage(6, 1)).toBeCloseTo(0.96875, 12);
    expect(orderStatisticCoverage(7, 1)).toBeCloseTo(0.984375, 12);
    expect(orderStatisticCoverage(8, 1)).toBeCloseTo(0.9921875, 12);
    expect(orderStatisticCoverage(9, 2)).toBeCloseTo(1 - 2 * (10 / 512), 12);
    expect(orderStatisticCoverage(12, 3)).toBeCloseTo(1 - 2 * (79 / 4096), 12);
    expect(runsForCoverage(0.95)).toBe(6);
    expect(runsForCoverage(0.975)).toBe(7);
  });
  it('takes the narrowest interval that reaches the target, else [min, max] with its lower coverage', () => {
    expect(medianInterval([110, 100, 120])).toEqual({ value: 110, low: 100, high: 120, n: 3, coverage: 0.75 });
    expect(medianInterval([5])).toEqual({ value: 5, low: 5, high: 5, n: 1, coverage: 0 });
    expect(medianInterval([])).toBeUndefined();
    // 9 runs: k = 2 (96.1 %), so the outer values drop out.
    expect(medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 100])).toMatchObject({ value: 5, low: 2, high: 8, n: 9 });
    expect(medianInterval([4, 4, 4, 4, 4, 4])).toMatchObject({ value: 4, low: 4, high: 4 });
  });
  it('does not change an interval when other groups or metrics are added (no shared random source)', () => {
    const values = [3, 9, 4, 7, 5, 8, 1];
    const first = medianInterval(values);
    medianInterval([1, 2, 3]);
    expect(medianInterval(values)).toEqual(first);
  });
  it('prints coverage without false precision', () => {
    expect(formatCoverage(0.75)).toBe('75 %');
    expect(formatCoverage(0.96875)).toBe('96.9 %');
    expect(formatCoverage(0.99999)).toBe('>99.9 %');
  });
  it('covers at the stated rate on known distributions (simulation, fixed seeds)', () => {
    const random = mulberry32(20261201);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    // lognormal(0, 0.3) runs: the true median is 1.
    const trials = 4000;
    for (const n of [6, 7, 10, 12]) {
      let covered = 0;
      for (let trial = 0; trial < trials; trial += 1) {
        const interval = medianInterval(Array.from({ length: n }, () => Math.exp(0.3 * normal())))!;
        if (interval.low <= 1 && interval.high >= 1) covered += 1;
        expect(interval.coverage).toBeGreaterThanOrEqual(0.95);
      }
      // Binomial simulation error at 4,000 trials: sd ≈ 0.35 %; allow 3 sd.
      expect(covered / trials).toBeGreaterThanOrEqual(0.95 - 0.011);
    }
  });
});
