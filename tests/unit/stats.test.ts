import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/random.js';
import { formatCoverage, medianInterval, orderStatisticCoverage, perFactorTarget, productInterval, runsForCoverage } from '../../harness/stats/interval.js';
import { mannWhitneyGreaterP, mannWhitneyU } from '../../harness/stats/rank-test.js';

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
    expect(runsForCoverage(perFactorTarget(2))).toBe(7);
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
  it('combines independent medians into a product with coverage at least the product of theirs', () => {
    const x = { value: 11, low: 10, high: 12, n: 7, coverage: 0.984375 };
    const y = { value: 2, low: 1, high: 4, n: 8, coverage: 0.9921875 };
    expect(productInterval([{ estimate: x, power: 1 }, { estimate: y, power: -1 }])).toEqual({ value: 5.5, low: 2.5, high: 12, n: 7, coverage: 0.984375 * 0.9921875 });
    // A zero lower bound in a denominator: no finite upper bound.
    expect(productInterval([{ estimate: x, power: 1 }, { estimate: { ...y, low: 0 }, power: -1 }])!.high).toBe(Number.POSITIVE_INFINITY);
    expect(productInterval([{ estimate: x, power: 1 }, { estimate: { ...y, value: 0, low: 0 }, power: -1 }])).toBeUndefined();
  });
  it('prints coverage without false precision', () => {
    expect(formatCoverage(0.75)).toBe('75 %');
    expect(formatCoverage(0.96875)).toBe('96.9 %');
    expect(formatCoverage(0.99999)).toBe('>99.9 %');
  });
  it('covers at the stated rate on known distributions (simulation, fixed seeds)', () => {
    const random = mulberry32(20261201);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    // lognormal(0, 0.3) runs: the true median is 1; a ratio of two services with different spreads
    // (0.3 and 0.03, where a bootstrap under-covers most) has true ratio 1.
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
    let ratioCovered = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const target = perFactorTarget(2);
      const a = medianInterval(Array.from({ length: 7 }, () => Math.exp(0.3 * normal())), target)!;
      const b = medianInterval(Array.from({ length: 7 }, () => Math.exp(0.03 * normal())), target)!;
      const ratio = productInterval([{ estimate: a, power: 1 }, { estimate: b, power: -1 }])!;
      expect(ratio.coverage).toBeGreaterThanOrEqual(0.95);
      if (ratio.low <= 1 && ratio.high >= 1) ratioCovered += 1;
    }
    expect(ratioCovered / trials).toBeGreaterThanOrEqual(0.95 - 0.011);
  });
});

describe('Mann-Whitney U', () => {
  it('counts pairs, ties as one half', () => {
    expect(mannWhitneyU([3, 4], [1, 2])).toBe(4);
    expect(mannWhitneyU([2, 3], [2, 1])).toBe(3.5);
  });
  it('gives the exact one-sided p-value', () => {
    // Complete separation: 1 of C(6,3) = 20 and 1 of C(10,5) = 252 arrangements.
    expect(mannWhitneyGreaterP([4, 5, 6], [1, 2, 3])).toBeCloseTo(1 / 20, 12);
    expect(mannWhitneyGreaterP([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])).toBeCloseTo(1 / 252, 12);
    expect(mannWhitneyGreaterP([1, 2, 3], [4, 5, 6])).toBe(1);
  });
  it('uses the permutation distribution of the tied values themselves', () => {
    // Enumerated by hand over the 252 splits: 21 have U >= 19.5 (the no-ties table said 0.0476).
    expect(mannWhitneyGreaterP([0, 1, 1, 1, 2], [0, 0, 0, 0, 1])).toBeCloseTo(21 / 252, 12);
    // All tied: nothing tells the samples apart.
    expect(mannWhitneyGreaterP([1, 1, 1, 1, 1], [1, 1, 1, 1, 1])).toBe(1);
    // Zero errors against errors in every run: 1 of 252, as without ties.
    expect(mannWhitneyGreaterP([3, 5, 4, 6, 2], [0, 0, 0, 0, 0])).toBeCloseTo(1 / 252, 12);
  });
  it('stays exact while the smaller side has at most 40 values, whatever the larger', () => {
    const big = Array.from({ length: 41 }, (_, index) => index + 10);
    // C(43, 2) = 903 splits; only the two largest ranks for the pair beat it: 1/903.
    expect(mannWhitneyGreaterP(big, [0, 1])).toBeCloseTo(1 / 903, 12);
    expect(mannWhitneyGreaterP([0, 1], big)).toBe(1);
  });
  it('uses the normal approximation (with tie correction) when both sides exceed 40', () => {
    const low = Array.from({ length: 50 }, (_, index) => index);
    const high = low.map((value) => value + 25);
    const p = mannWhitneyGreaterP(high, low)!;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-4);
    expect(mannWhitneyGreaterP(low, low)).toBeCloseTo(0.5, 1);
    expect(mannWhitneyGreaterP(Array(50).fill(1), Array(50).fill(1))).toBe(1);
  });
  it('has no p-value without data', () => {
    expect(mannWhitneyGreaterP([], [1])).toBeUndefined();
  });
});
