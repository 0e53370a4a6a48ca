import { describe, expect, it } from 'vitest';
import { judgeLocation, mostExcused, NOISE_ALPHA, signTestP } from '../../harness/verify/noise-rule.js';

/** C(m, i) / 2^m for every i, exactly enough for m ≤ 1000 (Pascal's triangle in doubles, scaled per row). */
function halfBinomialRow(m: number): number[] {
  let row = [1];
  for (let n = 1; n <= m; n += 1) {
    const next = [row[0]! / 2];
    for (let i = 1; i < n; i += 1) next.push((row[i - 1]! + row[i]!) / 2);
    next.push(row[n - 1]! / 2);
    row = next;
  }
  return row;
}

describe('the sign test', () => {
  it('gives exact one-sided tails of Binomial(m, 1/2)', () => {
    expect(signTestP(0, 5)).toBe(1);
    expect(signTestP(1, 1)).toBeCloseTo(0.5, 14);
    // P(X >= 4 | 7) = (35 + 21 + 7 + 1) / 128
    expect(signTestP(4, 7)).toBeCloseTo(64 / 128, 14);
    // P(X >= 14 | 17) = (680 + 136 + 17 + 1) / 131072
    expect(signTestP(14, 17)).toBeCloseTo(834 / 131072, 14);
    expect(signTestP(299, 299) / 2 ** -299).toBeCloseTo(1, 9);
    expect(signTestP(6, 5)).toBe(0);
    for (const m of [1, 2, 10, 37, 300]) {
      const row = halfBinomialRow(m);
      for (let b = 0; b <= m; b += 1) {
        const tail = row.slice(b).reduce((sum, value) => sum + value, 0);
        expect(signTestP(b, m), `${b} of ${m}`).toBeCloseTo(tail, 10);
      }
    }
  });
});

describe('the noise rule', () => {
  const counts = (noiseCount: number, differedCount: number, bothCount: number, requests = 300) => ({ requests, noiseCount, differedCount, onlyCandidate: differedCount - bothCount, onlySecondary: noiseCount - bothCount });
  it('reports every difference where the reference never differed', () => {
    expect(judgeLocation(counts(0, 1, 0))).toEqual({ isDifference: true, p: undefined });
    expect(judgeLocation(counts(0, 0, 0))).toEqual({ isDifference: false, p: undefined });
  });
  it('does not let one noisy pair excuse a candidate that differs on every request (issue 19, item 4)', () => {
    // The status differed on 1 of 300 between the two instances; the candidate answers 500 to all 300.
    expect(judgeLocation(counts(1, 300, 1)).isDifference).toBe(true);
    expect(judgeLocation(counts(1, 300, 0)).isDifference).toBe(true);
  });
  it('excuses a candidate up to a comparable rate, and reports it just above (both sides of the threshold)', () => {
    // a = 1 (only the secondary differed once): up to 9 of the candidate's own differences are excused, 10 are not.
    expect(mostExcused(1, 300)).toBe(9);
    expect(judgeLocation(counts(1, 9, 0)).isDifference).toBe(false);
    expect(judgeLocation(counts(1, 10, 0)).isDifference).toBe(true);
    expect(mostExcused(3, 300)).toBe(13);
    expect(judgeLocation(counts(3, 13, 0)).isDifference).toBe(false);
    expect(judgeLocation(counts(3, 14, 0)).isDifference).toBe(true);
    expect(mostExcused(30, 300)).toBe(51);
    expect(judgeLocation(counts(30, 51, 0)).isDifference).toBe(false);
    expect(judgeLocation(counts(30, 52, 0)).isDifference).toBe(true);
    // A field that always differs (a timestamp) excuses a candidate where it always differs too.
    expect(judgeLocation(counts(300, 300, 300))).toEqual({ isDifference: false, p: 1 });
    expect(mostExcused(0, 300)).toBe(0);
  });
  it('flags a candidate that behaves like the reference at most 1 % of the time, for every number of discordant requests (exact enumeration)', () => {
    let row = [1];
    for (let m = 1; m <= 400; m += 1) {
      row = [row[0]! / 2, ...row.slice(1).map((value, i) => (row[i]! + value) / 2), row[m - 1]! / 2];
      // Under exchangeability b | a + b = m ~ Binomial(m, 1/2); a >= 1 because the reference was noisy.
      let size = 0;
      for (let b = 0; b < m; b += 1) if (judgeLocation({ requests: 1000, noiseCount: m - b, differedCount: b, onlyCandidate: b, onlySecondary: m - b }).isDifference) size += row[b]!;
      expect(size, `m = ${m}`).toBeLessThanOrEqual(NOISE_ALPHA);
    }
  });
});
