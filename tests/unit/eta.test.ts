import { describe, expect, it } from 'vitest';
import { estimateRemainingSeconds, etaText, formatEta } from '../../harness/run/eta.js';

describe('the progress ETA', () => {
  it('formats seconds, minutes and hours, rounding before splitting', () => {
    expect(formatEta(0)).toBe('0s');
    expect(formatEta(44.4)).toBe('44s');
    expect(formatEta(59.6)).toBe('1m00s');
    expect(formatEta(119.6)).toBe('2m00s');
    expect(formatEta(125)).toBe('2m05s');
    expect(formatEta(3599.4)).toBe('59m59s');
    expect(formatEta(3599.6)).toBe('1h00m');
    expect(formatEta(3725)).toBe('1h02m');
    expect(formatEta(7199)).toBe('2h00m');
  });
  it('is never NaN or Infinity', () => {
    expect(formatEta(undefined)).toBe('–');
    expect(formatEta(Number.NaN)).toBe('–');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatEta(-1)).toBe('–');
    expect(estimateRemainingSeconds(5000, 0, 10)).toBeUndefined();
    expect(estimateRemainingSeconds(Number.NaN, 1, 10)).toBeUndefined();
    expect(etaText(0, 0, 10)).toBe('estimating');
    expect(etaText(0, 0, 0)).toBe('estimating');
  });
  it('extrapolates the mean time per completed step', () => {
    // 3 steps in 30 s: 10 s each, 7 left.
    expect(estimateRemainingSeconds(30_000, 3, 10)).toBe(70);
    expect(etaText(30_000, 3, 10)).toBe('1m10s');
    expect(etaText(30_000, 10, 10)).toBe('0s');
    expect(estimateRemainingSeconds(30_000, 12, 10)).toBe(0);
  });
});
