import { describe, expect, it } from 'vitest';
import type { LoadOutcome } from '../../harness/load/outcome.js';
import { mulberry32 } from '../../harness/random.js';
import type { Bottleneck, Finding, Validity } from '../../harness/results/validity.js';
import { checkRateRps, connectionsFor, correctCapacity, judgeClosedProbes, PROBE_RULES, type ClosedProbeReading, type OpenCheckReading } from '../../harness/run/capacity.js';
import { isShort } from '../../harness/run/validity.js';

const SATURATED: Finding = { code: 'saturated', text: 'achieved 812.0 of 1024.1 req/s offered', next: 'lower the rate', concerns: ['rps'] };
const ENGINE_BOUND: Finding = { code: 'engine-bound', text: 'the load side saturated first', next: 'more CPUs', concerns: ['rps'] };
const FAILURES: Finding = { code: 'failures', text: '12 non-2xx responses', next: 'fix the first error', concerns: ['rps'] };
const judged = (bottleneck: Bottleneck, reasons: Finding[] = []): Validity => ({ valid: reasons.length === 0, reasons, warnings: [], bottleneck, lowerBoundRps: undefined });
const closed = (connections: number, achievedRps: number, bottleneck: Bottleneck, cpuUsPerRequest: number | undefined = 928, reasons: Finding[] = []): ClosedProbeReading => ({
  connections,
  achievedRps,
  validity: judged(bottleneck, reasons),
  cpuUsPerRequest,
  serviceUse: bottleneck === 'service' ? '0.99 of its 1 CPU(s)' : '0.45 of its 1 CPU(s)',
});

describe('capacity probe: the closed loop must show the service as the bottleneck', () => {
  it('takes a closed loop that saturated the service CPU', () => {
    expect(judgeClosedProbes([closed(8, 1078, 'service')], 8)).toMatchObject({ state: 'measured', capacityRps: 1078, limitedBy: 'cpu', note: 'closed loop 1,078 req/s at 8 connections with the service at 0.99 of its 1 CPU(s)' });
  });
  it('asks for 4 × the connections when the service stayed below its CPUs, and takes a plateau as its own limit', () => {
    expect(judgeClosedProbes([closed(8, 2400, 'neither')], 8)).toEqual({ state: 'more-connections', connections: 32 });
    // 2,400 → 2,520 req/s (+5 %) at 4 × the connections: the service's limit (a pool, a lock), not the probe's.
    const plateau = judgeClosedProbes([closed(8, 2400, 'neither'), closed(32, 2520, 'neither')], 8);
    expect(plateau).toMatchObject({ state: 'measured', capacityRps: 2520, limitedBy: 'plateau' });
    expect(plateau.state === 'measured' && plateau.note).toContain('throughput grew 5 % from 8 connections (2,400 req/s), so it is the service\'s own limit');
    // Saturated at 32 connections: the CPU is the limit.
    expect(judgeClosedProbes([closed(8, 2400, 'neither'), closed(32, 4100, 'service')], 8)).toMatchObject({ state: 'measured', capacityRps: 4100, limitedBy: 'cpu' });
  });
  it('calls a rate that still grows a lower bound, refuses fractions of it and says what to do', () => {
    // The gateway: 50 ms upstream calls, throughput grows with connections.
    const growing = judgeClosedProbes([closed(8, 160, 'neither'), closed(32, 640, 'neither')], 8);
    expect(growing).toEqual({
      state: 'lower-bound',
      lowerBoundRps: 640,
      note: 'a lower bound, not a capacity: 640 req/s at 32 connections with the service at 0.45 of its 1 CPU(s) (throughput still grew 300 % from 8 connections) — the service was not shown to be the bottleneck, so fractions of it would be fractions of a lower bound; raise `load.probe.connections` (now 8) to 128 or more, or give absolute `ratesPerSecond`',
    });
    // At the connections' limit no second probe can help: absolute rates.
    const atLimit = judgeClosedProbes([closed(PROBE_RULES.maxConnections, 5000, 'neither')], 1000);
    expect(atLimit.state === 'lower-bound' && atLimit.note).toMatch(/the service was not shown to be the bottleneck, so fractions of it would be fractions of a lower bound; give absolute `ratesPerSecond`$/);
  });
  it('does not take a busy machine\'s CPU as the service\'s saturation: only a plateau shows it then', () => {
    const BUSY: Finding = { code: 'machine-busy', text: 'the machine was busy: other processes used 97.0 % of the service\'s CPUs', next: 'quieter', concerns: ['rps'] };
    const busy = (connections: number, achievedRps: number): ClosedProbeReading => ({ ...closed(connections, achievedRps, 'service'), validity: { ...judged('service'), warnings: [BUSY] } });
    expect(judgeClosedProbes([busy(2, 37)], 2)).toEqual({ state: 'more-connections', connections: 8 });
    const lower = judgeClosedProbes([busy(2, 37), busy(8, 150)], 2);
    expect(lower.state === 'lower-bound' && lower.note).toContain('(the machine was busy: others on its CPUs, so its CPU cannot show it saturated)');
    expect(judgeClosedProbes([busy(8, 1000), busy(32, 1020)], 8)).toMatchObject({ state: 'measured', capacityRps: 1020, limitedBy: 'plateau' });
    // Others took more in the second: its rate fell. The higher of the two is the service's.
    const fell = judgeClosedProbes([busy(8, 1154), busy(32, 712)], 8);
    expect(fell).toMatchObject({ state: 'measured', capacityRps: 1154, limitedBy: 'plateau' });
    expect(fell.state === 'measured' && fell.note).toContain('throughput fell 38 % from 8 connections (1,154 req/s)');
    // A service at 0.85 of its CPU by itself was saturated, whatever others took besides.
    expect(judgeClosedProbes([{ ...busy(32, 1733), serviceShare: 0.85 }], 8)).toMatchObject({ state: 'measured', capacityRps: 1733, limitedBy: 'cpu' });
    expect(judgeClosedProbes([{ ...busy(32, 1733), serviceShare: 0.6 }], 8)).toMatchObject({ state: 'more-connections' });
    // The load engine at its limit too: the plateau may be the engine's.
    expect(judgeClosedProbes([busy(32, 17_606), { ...busy(128, 18_000), engineAtLimit: true }], 32)).toMatchObject({ state: 'invalid' });
    expect(judgeClosedProbes([{ ...busy(32, 17_606), engineAtLimit: true }], 32)).toMatchObject({ state: 'invalid' });
  });
  it('keeps an engine-bound or failing probe invalid', () => {
    expect(judgeClosedProbes([closed(8, 90_000, 'load-engine', 7, [ENGINE_BOUND])], 8)).toMatchObject({ state: 'invalid' });
    expect(judgeClosedProbes([], 8)).toMatchObject({ state: 'invalid' });
  });
});

describe('capacity probe: the open-loop check at the top fraction', () => {
  const measured = judgeClosedProbes([closed(8, 1078, 'service')], 8);
  if (measured.state !== 'measured') throw new Error('fixture');
  const check = (achievedRps: number, cpuUsPerRequest: number | undefined, reasons: Finding[] = []): OpenCheckReading => ({ offeredRps: 1024.1, achievedRps, validity: judged(reasons.length === 0 ? 'neither' : 'service', reasons), cpuUsPerRequest, longestAnswerUs: 40_000 });
  it('runs at the top fraction, at most 95 %', () => {
    expect(checkRateRps(1000, [0.5, 0.8, 0.95])).toBe(950);
    expect(checkRateRps(1000, [0.5])).toBe(500);
    expect(checkRateRps(1000, [0.5, 1.2])).toBe(950);
  });
  it('lowers the capacity by what a request costs more in the open loop, and caps it at what a short check achieved', () => {
    // rust /process in a default run: 1,078 req/s closed (928 µs a request); open at 95 %: 812 req/s at 1,220 µs a request.
    const short = correctCapacity(measured, check(812, 1220, [SATURATED]));
    expect(short).toMatchObject({ state: 'measured', capacityRps: 812 });
    expect(short.note).toBe(
      'closed loop 1,078 req/s at 8 connections with the service at 0.99 of its 1 CPU(s); open-loop check at 1,024 req/s achieved 812 req/s (a request cost 1,220 µs of CPU there against 928 µs in the closed loop: × 0.761; it fell short, achieving 812 req/s: at most that); capacity 812 req/s',
    );
    const sustained = correctCapacity(measured, check(1024, 950));
    expect(sustained.state === 'measured' && sustained.capacityRps).toBeCloseTo((1078 * 928) / 950, 9);
    // Cheaper in the open loop, or CPU not read (a remote target): the closed loop's rate stands.
    expect(correctCapacity(measured, check(1024, 900))).toMatchObject({ capacityRps: 1078 });
    expect(correctCapacity(measured, check(1024, undefined))).toMatchObject({ capacityRps: 1078 });
  });
  it('is invalid when the check failed requests: the points would fail alike', () => {
    expect(correctCapacity(measured, check(1000, 950, [FAILURES]))).toMatchObject({ state: 'invalid' });
  });
  it('sizes the points\' connections by the longest answer at the top rate (Little\'s law × 1.5), never below the scenario\'s', () => {
    expect(connectionsFor(64, 500, { ...check(500, 950), longestAnswerUs: 300_000 })).toBe(225);
    expect(connectionsFor(64, 500, { ...check(500, 950), longestAnswerUs: 20_000 })).toBe(64);
    expect(connectionsFor(64, 5000, { ...check(5000, 950), longestAnswerUs: 2_000_000 })).toBe(1000);
    // A short check's answers queued behind each other: they say nothing about the points' rates.
    expect(connectionsFor(64, 500, { ...check(450, 950, [SATURATED]), longestAnswerUs: 300_000 })).toBe(64);
  });
});

/**
 * A seeded simulation of one open-loop window against a single-CPU service whose requests cost
 * `serviceUs` (lognormal, CV about 0.2) in FIFO order: constant arrivals at `rateRps` for a 1 s
 * warm-up and a 2.5 s window, as the built-in process-sweep sends them.
 */
function simulateWindow(rateRps: number, serviceUs: number, seed: number): { outcome: LoadOutcome; cpuUsPerRequest: number } {
  const random = mulberry32(seed);
  const warmupS = 1;
  const windowS = 2.5;
  let freeAtS = 0;
  let planned = 0;
  let completed = 0;
  let latencySumUs = 0;
  let busyUs = 0;
  for (let index = 0; ; index += 1) {
    const arrivalS = index / rateRps;
    if (arrivalS >= warmupS + windowS) break;
    // Box–Muller for a lognormal service time of mean serviceUs, sigma 0.2.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const costUs = serviceUs * Math.exp(0.2 * normal - 0.02);
    const startS = Math.max(arrivalS, freeAtS);
    freeAtS = startS + costUs / 1e6;
    if (arrivalS >= warmupS) planned += 1;
    if (freeAtS >= warmupS && freeAtS < warmupS + windowS) {
      completed += 1;
      latencySumUs += (freeAtS - arrivalS) * 1e6;
      busyUs += costUs;
    }
  }
  const latency = { count: completed, minUs: 0, meanUs: latencySumUs / Math.max(1, completed), p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
  const outcome: LoadOutcome = {
    method: 'simulation', engine: { name: 'native', version: 'sim' }, threads: 1, model: 'open', connections: 32, offeredRps: rateRps, plannedInWindow: planned, windowSeconds: windowS,
    counts: { responses: completed, expectedStatus: completed, non2xx: 0, unexpectedStatus: 0, errors: 0, timeouts: 0, mismatches: 0, verified: 0, dropped: 0, statusCounts: {} },
    achievedRps: completed / windowS, latencyUs: latency, latencyHistogram: undefined, uncorrectedLatencyUs: latency, perSecond: [],
    sendLagP90Us: 10, sendLagP99Us: 20, connectionWaits: 0, connectionWaitP99Us: undefined, eventLoopDelayP99Us: undefined, firstError: undefined,
  };
  return { outcome, cpuUsPerRequest: busyUs / Math.max(1, completed) };
}

describe('capacity probe: fractions up to 0.95 of what it finds are sustained in open loop (seeded simulation)', () => {
  // rust /process in a default run (issue 19): a closed-loop probe of 1,078 req/s (928 µs of CPU a
  // request back to back), and open-loop runs at 0.82–0.99 of its CPU for 680–812 req/s (about
  // 1,220 µs a request, each finding the service idle).
  const closedUs = 928;
  const openUs = 1220;
  const closedReading = closed(8, 1e6 / closedUs, 'service', closedUs);
  const fractions = [0.5, 0.8, 0.95];
  it('the closed loop alone overestimates: its 95 % point falls short in every run, its 80 % point (at 1.05 of the CPU) in some', () => {
    const shortRuns = (fraction: number): number[] => [1, 2, 3, 4, 5, 6, 7].filter((seed) => isShort(simulateWindow(fraction * closedReading.achievedRps, openUs, seed).outcome, fraction * closedReading.achievedRps));
    expect(shortRuns(0.95)).toHaveLength(7);
    expect(shortRuns(0.8)).toEqual([2, 3, 5]);
  });
  it('after the check, every point at 50, 80 and 95 % keeps up in every seeded run', () => {
    const verdict = judgeClosedProbes([closedReading], 8);
    if (verdict.state !== 'measured') throw new Error('the closed loop saturated the service');
    const checkRps = checkRateRps(verdict.capacityRps, fractions);
    const simulated = simulateWindow(checkRps, openUs, 99);
    const shortCheck = isShort(simulated.outcome, checkRps);
    const corrected = correctCapacity(verdict, { offeredRps: checkRps, achievedRps: simulated.outcome.achievedRps, validity: judged('service', shortCheck ? [SATURATED] : []), cpuUsPerRequest: simulated.cpuUsPerRequest, longestAnswerUs: undefined });
    if (corrected.state !== 'measured') throw new Error('the check failed');
    expect(corrected.capacityRps).toBeLessThan(0.8 * 1e6 / closedUs);
    for (const fraction of fractions) {
      for (let seed = 1; seed <= 20; seed += 1) {
        const rate = fraction * corrected.capacityRps;
        expect(isShort(simulateWindow(rate, openUs, seed).outcome, rate), `${fraction} of capacity, seed ${seed}`).toBe(false);
      }
    }
  });
});
