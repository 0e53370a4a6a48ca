import { describe, expect, it } from 'vitest';
import { medianEstimate, ratioOfMedians, seededRandom } from '../../harness/stats/bootstrap.js';
import { mannWhitneyGreaterP, mannWhitneyU } from '../../harness/stats/rank-test.js';

describe('bootstrap', () => {
  it('gives the median and a degenerate interval for constant data', () => {
    expect(medianEstimate([4, 4, 4], seededRandom(1))).toEqual({ value: 4, low: 4, high: 4, n: 3 });
    expect(medianEstimate([5], seededRandom(1))).toEqual({ value: 5, low: 5, high: 5, n: 1 });
    expect(medianEstimate([], seededRandom(1))).toBeUndefined();
  });
  it('brackets the median of three values by the outer values', () => {
    // Resampled medians take the values 100 (p = 7/27), 110 (13/27) or 120 (7/27): the 2.5 % and
    // 97.5 % quantiles are the outer values. (Such an interval covers the true median only 75 %
    // of the time: claims say so for n < 6.)
    expect(medianEstimate([110, 100, 120], seededRandom(3))).toEqual({ value: 110, low: 100, high: 120, n: 3 });
  });
  it('is reproducible for a seed', () => {
    const values = [3, 9, 4, 7, 5, 8, 1];
    expect(medianEstimate(values, seededRandom(42))).toEqual(medianEstimate(values, seededRandom(42)));
  });
  it('estimates a ratio of medians', () => {
    expect(ratioOfMedians([10, 10, 10], [5, 5, 5], seededRandom(1))).toEqual({ value: 2, low: 2, high: 2, n: 3 });
    expect(ratioOfMedians([100, 110, 120], [10, 10, 10], seededRandom(1))).toEqual({ value: 11, low: 10, high: 12, n: 3 });
    expect(ratioOfMedians([1], [0], seededRandom(1))).toBeUndefined();
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
    // All tied: U sits at the centre of a symmetric distribution.
    expect(mannWhitneyGreaterP([1, 1, 1, 1, 1], [1, 1, 1, 1, 1])).toBeCloseTo(0.5, 12);
  });
  it('uses the normal approximation for large samples', () => {
    const low = Array.from({ length: 50 }, (_, index) => index);
    const high = low.map((value) => value + 25);
    const p = mannWhitneyGreaterP(high, low)!;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-4);
    expect(mannWhitneyGreaterP(low, low)).toBeCloseTo(0.5, 1);
  });
  it('has no p-value without data', () => {
    expect(mannWhitneyGreaterP([], [1])).toBeUndefined();
  });
});
