/**
 * The decision engine (harness/stats/): exact fixed-n sign and signed-rank tests, the exact
 * crossing probability of a sequential design checked against full enumeration of every sign
 * vector × every insertion order, the nominal levels of the default plans, and the agreement of
 * each look's verdict with the interval printed beside it.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/random.js';
import { createTally, lookAt, replayLooks } from '../../harness/stats/paired-test.js';
import { crossingProbability, criticalValue, nominalLevel, normalizeDesign, sequentialP, type SequentialDesign } from '../../harness/stats/sequential-design.js';
import { lastSegment, signCrossing, signedRankCrossing, simulateMinP } from '../../harness/stats/sequential-null.js';
import { signCount, signCritical, signInterval, signTestP, signUpperP } from '../../harness/stats/sign-test.js';
import { signedRankCount, signedRankCritical, signedRankInterval, signedRankTestP, signedRankUpperP, walshAverages } from '../../harness/stats/signed-rank.js';

const every = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Every ordering of 1 … n. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((rest) => every(0, n - 1).map((at) => [...rest.slice(0, at), n, ...rest.slice(at)]));
}

/** Every sign vector × every magnitude order of n values, as data: the sample space of the null. */
function* nullPaths(n: number): Generator<number[]> {
  for (const magnitudes of permutations(n)) for (let signs = 0; signs < 1 << n; signs += 1) yield magnitudes.map((magnitude, index) => ((signs >>> index) & 1) === 1 ? magnitude : -magnitude);
}

describe('the sign test', () => {
  it('has the binomial tails', () => {
    expect(signUpperP(5, 5)).toBe(1 / 32);
    expect(signUpperP(10, 9)).toBeCloseTo(11 / 1024, 15);
    expect(signUpperP(4, 0)).toBe(1);
    expect(signUpperP(4, 5)).toBe(0);
    expect(signCritical(10, 0.011)).toBe(9);
    expect(signCritical(5, 0.01)).toBe(6);
  });
  it('counts a zero for neither side', () => {
    expect(signCount([1, 0, -2, 3], 'upper')).toBe(2);
    expect(signCount([1, 0, -2, 3], 'lower')).toBe(1);
    expect(signTestP([1, 2, 3, 4, 5], 'upper')).toBe(1 / 32);
    expect(signTestP([1, 2, 3, 4, 0], 'upper')).toBe(6 / 32);
  });
  it('gives the order-statistic interval: [4th smallest, 4th largest] of 10 at one-sided 5.5 %', () => {
    const values = [3, -1, 4, 1, 5, 9, 2, 6, 5, 3];
    // P(Bin(10, ½) ≥ 8) = 56/1024 = 5.5 %: the 8th largest (3rd smallest) and the 8th smallest.
    expect(signInterval(values, 56 / 1024, 56 / 1024)).toEqual({ estimate: 3.5, low: 2, high: 5, coverage: 1 - 2 * (56 / 1024) });
    expect(signInterval(values, 0.0001, 0.0001)).toMatchObject({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY });
    expect(signInterval([], 0.05, 0.05)).toBeUndefined();
  });
});

describe('the signed-rank test', () => {
  it('has the exact null distribution of W₊', () => {
    expect(signedRankUpperP(3, 6)).toBe(1 / 8);
    expect(signedRankUpperP(5, 15)).toBe(1 / 32);
    expect(signedRankUpperP(5, 14)).toBe(2 / 32);
    expect(signedRankUpperP(5, 12)).toBe(5 / 32);
    expect(signedRankUpperP(10, 0)).toBe(1);
    // The textbook critical value: n = 10, one-sided 2.5 % → W₊ ≥ 47 (P = 0.0244).
    expect(signedRankCritical(10, 0.025)).toBe(47);
    expect(signedRankUpperP(10, 47)).toBeCloseTo(25 / 1024, 15);
  });
  it('counts W₊ on Walsh averages: the classic rank sum without ties, the least favourable tie-break with them', () => {
    // Ranks of |d|: 0.5→1, 1→2, 2→3, 4→4; positives 2 and 4: W₊ = 7.
    expect(signedRankCount([-1, 2, -0.5, 4], 'upper')).toBe(7);
    expect(signedRankCount([-1, 2, -0.5, 4], 'lower')).toBe(3);
    // A tie of +1 and −1 averages to 0: counted for neither side (W₊ = 4 of a possible 4 or 5).
    expect(signedRankCount([1, -1, 2], 'upper')).toBe(4);
    expect(signedRankCount([1, -1, 2], 'lower')).toBe(1);
    // An invalid run on each side (+∞, −∞) is a tie at the top.
    expect(signedRankCount([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1], 'upper')).toBe(3);
    expect([...walshAverages([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])]).toEqual([Number.NEGATIVE_INFINITY, 0, Number.POSITIVE_INFINITY]);
    expect(signedRankTestP([1, 2, 3, 4, 5], 'upper')).toBe(1 / 32);
  });
  it('gives the Hodges–Lehmann estimate and the exact Walsh interval', () => {
    const values = [1, 2, 3, 4, 5, 6];
    // 21 Walsh averages 1 … 6 in halves; median 3.5. At one-sided 1/64 the 1st from each end.
    expect(signedRankInterval(values, 1 / 64, 1 / 64)).toEqual({ estimate: 3.5, low: 1, high: 6, coverage: 1 - 2 / 64 });
    expect(signedRankInterval([2], 0.5, 0.5)).toMatchObject({ estimate: 2, low: 2, high: 2 });
  });
});

describe('each look: the verdict and the interval agree', () => {
  it.each(['sign', 'signed-rank'] as const)('%s: lower end > 0 exactly when the upper test rejects, upper end < 0 exactly when the lower test does', (test) => {
    const random = mulberry32(41);
    for (let trial = 0; trial < 400; trial += 1) {
      const n = 1 + Math.floor(random() * 14);
      // Coarse values make ties and zeros common; now and then an invalid run (±∞).
      const values = Array.from({ length: n }, () => (random() < 0.05 ? (random() < 0.5 ? -1 : 1) * Number.POSITIVE_INFINITY : Math.round((random() - 0.35) * 6)));
      const gammaUpper = random() * 0.2;
      const gammaLower = random() * 0.2;
      const look = lookAt(test, values, gammaUpper, gammaLower)!;
      expect(look.low > 0, `${values} upper`).toBe(look.pUpper <= gammaUpper);
      expect(look.high < 0, `${values} lower`).toBe(look.pLower <= gammaLower);
      expect(look.pUpper).toBe(test === 'sign' ? signTestP(values, 'upper') : signedRankTestP(values, 'upper'));
    }
  });
  it('keeps running counts equal to counts from scratch', () => {
    const random = mulberry32(5);
    const values = Array.from({ length: 30 }, () => Math.round((random() - 0.5) * 10));
    const tally = createTally('signed-rank');
    for (const [index, value] of values.entries()) {
      tally.add(value);
      expect(tally.p('upper')).toBe(signedRankTestP(values.slice(0, index + 1), 'upper'));
      expect(tally.p('lower')).toBe(signedRankTestP(values.slice(0, index + 1), 'lower'));
    }
  });
});

describe('the exact crossing probability of a sequential design', { timeout: 60_000 }, () => {
  /** P(crossing at some look), counted over every null path. */
  function enumerate(test: 'sign' | 'signed-rank', looks: readonly number[], crit: readonly number[]): number {
    const last = looks.at(-1)!;
    let crossed = 0;
    let total = 0;
    for (const values of nullPaths(last)) {
      total += 1;
      if (looks.some((n, k) => (test === 'sign' ? signCount(values.slice(0, n), 'upper') : signedRankCount(values.slice(0, n), 'upper')) >= crit[k]!)) crossed += 1;
    }
    return crossed / total;
  }
  it.each([
    [[3, 5, 7], [6, 14, 25]],
    [[2, 6], [3, 19]],
    [[3, 4, 5, 6], [6, 10, 13, 18]],
    [[5, 6], [15, 20]],
    [[6], [19]],
  ])('signed-rank at looks %j with boundaries %j: the DP equals enumeration (n! × 2ⁿ paths)', (looks, crit) => {
    expect(signedRankCrossing(looks, crit)).toBeCloseTo(enumerate('signed-rank', looks, crit), 14);
  });
  it('sign walk: the DP equals enumeration', () => {
    expect(signCrossing([3, 5, 7], [3, 5, 6])).toBeCloseTo(enumerate('sign', [3, 5, 7], [3, 5, 6]), 14);
    expect(signCrossing([1, 2, 3, 4], [1, 2, 3, 4])).toBe(0.5);
  });
  it('reaches the last look by the once-per-design segment and by the full DP alike', () => {
    // [4, 9]: the segment from 4 to 9; [8, 9]: the full DP. Same law of W₊ at 9 from the null.
    const segment = lastSegment(4, 9);
    const width = 46;
    const fromSegment = (c: number): number => {
      let sum = 0;
      for (let mask = 0; mask < 16; mask += 1) for (let w = c; w < width; w += 1) sum += segment[mask * width + w]! / 16;
      return sum;
    };
    for (const c of [30, 38, 45]) {
      expect(fromSegment(c)).toBeCloseTo(signedRankUpperP(9, c), 14);
      expect(signedRankCrossing([4, 9], [Number.POSITIVE_INFINITY, c])).toBeCloseTo(signedRankUpperP(9, c), 14);
      expect(signedRankCrossing([8, 9], [Number.POSITIVE_INFINITY, c])).toBeCloseTo(signedRankUpperP(9, c), 14);
    }
  });
  it('agrees with the seeded simulation at 5, 10, 20 (within 4 standard errors of 200,000 paths)', () => {
    const design: SequentialDesign = { test: 'signed-rank', looks: [5, 10, 20] };
    const gamma = nominalLevel(design, 0.05).gamma;
    const exact = crossingProbability(design, gamma).probability;
    const minima = simulateMinP('signed-rank', [5, 10, 20], 200_000, 7);
    const simulated = minima.filter((p) => p <= gamma).length / minima.length;
    expect(Math.abs(simulated - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 200_000));
  });
});

describe('nominal levels: one level at every look, the error over all looks at most α', { timeout: 60_000 }, () => {
  it('replaying the looks over every null path errs exactly G(γ) ≤ α (the claims plan in small: looks 1 … 6 at α = 0.1)', () => {
    for (const test of ['sign', 'signed-rank'] as const) {
      const design: SequentialDesign = { test, looks: every(1, 6) };
      const { gamma, achieved } = nominalLevel(design, 0.1);
      expect(gamma).toBeGreaterThan(0);
      let upper = 0;
      let lower = 0;
      let total = 0;
      for (const values of nullPaths(6)) {
        total += 1;
        const replay = replayLooks(test, values, design.looks, gamma, gamma);
        if (replay.decision === 'upper') upper += 1;
        if (replay.decision === 'lower') lower += 1;
      }
      expect(upper / total).toBeCloseTo(achieved, 14);
      expect(lower / total).toBeCloseTo(achieved, 14);
      expect(achieved).toBeLessThanOrEqual(0.1);
    }
  });
  it('solves the largest level that fits: the next attainable one would exceed α', () => {
    for (const design of [
      { test: 'signed-rank', looks: every(3, 15) },
      { test: 'sign', looks: every(3, 15) },
      { test: 'signed-rank', looks: [5, 10, 20] },
      { test: 'sign', looks: [5, 10, 20] },
    ] as const) {
      for (const alpha of [0.05, 0.025, 0.025 / 3]) {
        const { gamma, achieved, method } = nominalLevel(design, alpha);
        expect(method).toBe('exact');
        expect(achieved).toBeLessThanOrEqual(alpha);
        expect(achieved).toBe(crossingProbability(design, gamma).probability);
        // The next attainable p above γ at some look would spend more than α.
        const next = Math.min(...design.looks.map((n) => signOrRankNext(design.test, n, gamma)));
        expect(crossingProbability(design, next).probability).toBeGreaterThan(alpha);
      }
    }
  });
  it('gives the default plans their levels (exact): claims at 2.5 % a side over rounds 3 … 15, the gate at 5 % over 5, 10, 20', () => {
    const round = (value: number): number => Number(value.toPrecision(4));
    const levels = (design: SequentialDesign, alpha: number): [number, number] => {
      const { gamma, achieved } = nominalLevel(design, alpha);
      return [round(gamma), round(achieved)];
    };
    expect(levels({ test: 'signed-rank', looks: every(3, 15) }, 0.025)).toEqual([0.008545, 0.02462]);
    expect(levels({ test: 'sign', looks: every(3, 15) }, 0.025)).toEqual([0.01123, 0.01978]);
    expect(levels({ test: 'signed-rank', looks: [5, 10, 20] }, 0.05)).toEqual([0.02913, 0.04518]);
    expect(levels({ test: 'sign', looks: [5, 10, 20] }, 0.05)).toEqual([0.02069, 0.02715]);
    // Looks that cannot reject at α (2⁻ⁿ > α) spend nothing: designs from 1 and from 5 are one design.
    expect(normalizeDesign({ test: 'sign', looks: every(1, 15) }, 0.025).looks).toEqual(every(6, 15));
    expect(nominalLevel({ test: 'signed-rank', looks: every(1, 15) }, 0.025)).toEqual(nominalLevel({ test: 'signed-rank', looks: every(5, 15) }, 0.025));
  });
  it('tilts the levels by weights: look k at γ·w_k, all looks together still at most α (enumerated)', () => {
    const design: SequentialDesign = { test: 'signed-rank', looks: [3, 6], weights: [0.5, 1] };
    const { gamma, achieved } = nominalLevel(design, 0.1);
    expect(achieved).toBeLessThanOrEqual(0.1);
    let crossed = 0;
    let total = 0;
    const sequential: number[] = [];
    for (const values of nullPaths(6)) {
      total += 1;
      const p3 = signedRankTestP(values.slice(0, 3), 'upper');
      const p6 = signedRankTestP(values, 'upper');
      if (p3 <= gamma * 0.5 || p6 <= gamma) crossed += 1;
      sequential.push(sequentialP(design, Math.min(p3 / 0.5, p6)));
    }
    expect(crossed / total).toBeCloseTo(achieved, 14);
    for (const x of [0.05, 0.1, 0.2]) expect(sequential.filter((q) => q <= x).length / total).toBeLessThanOrEqual(x);
  });
  it('beyond 20 values calibrates by a seeded simulation, and says so', () => {
    const { gamma, achieved, method } = nominalLevel({ test: 'signed-rank', looks: [10, 25] }, 0.05);
    expect(method).toBe('simulated');
    expect(achieved).toBeLessThan(0.05);
    expect(gamma).toBeGreaterThan(0.025);
  });
  it('turns the smallest p of a path into a sequential p-value that is at most x with chance at most x', () => {
    const design: SequentialDesign = { test: 'signed-rank', looks: every(1, 6) };
    const sequential = [...nullPaths(6)].map((values) => sequentialP(design, replayLooks('signed-rank', values, design.looks, 0, 0).minP.upper));
    for (const x of [0.05, 0.1, 0.2]) expect(sequential.filter((q) => q <= x).length / sequential.length).toBeLessThanOrEqual(x);
    expect(sequentialP(design, 1)).toBe(1);
  });
});

/** The smallest attainable one-sided p above γ at n. */
function signOrRankNext(test: 'sign' | 'signed-rank', n: number, gamma: number): number {
  const c = criticalValue(test, n, gamma);
  return test === 'sign' ? signUpperP(n, c - 1) : signedRankUpperP(n, c - 1);
}

describe('replaying looks', () => {
  it('decides at the first crossing and looks at nothing after it', () => {
    // Looks at 5 and 6 at one-sided 1/32: five positives cross at 5; the negative after is never seen.
    const replay = replayLooks('signed-rank', [1, 2, 3, 4, 5, -100], [5, 6], 1 / 32, 1 / 32);
    expect(replay).toMatchObject({ decision: 'upper', decidedAt: 5, looksTaken: 1, minP: { upper: 1 / 32 } });
    expect(replay.look).toMatchObject({ n: 5, estimate: 3, low: 1 });
    const undecided = replayLooks('sign', [1, -2, 3], [2, 3, 4], 0.1, 0.1);
    expect(undecided).toMatchObject({ decision: undefined, decidedAt: 3, looksTaken: 2 });
    expect(replayLooks('sign', [1, 2], [5], 0.1, 0.1)).toMatchObject({ decision: undefined, decidedAt: undefined, look: undefined, looksTaken: 0 });
    expect(signedRankCritical(5, 1 / 32)).toBe(15);
    expect(signCritical(5, 1 / 32)).toBe(5);
  });
});
