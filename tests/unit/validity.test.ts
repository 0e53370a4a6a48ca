import { describe, expect, it } from 'vitest';
import type { LoadOutcome } from '../../harness/load/outcome.js';
import { judgeRun } from '../../harness/run/validity.js';

const counts = { responses: 20000, expectedStatus: 20000, non2xx: 0, unexpectedStatus: 0, errors: 0, timeouts: 0, mismatches: 0, verified: 400, dropped: 0, statusCounts: { '200': 20000 } };
const latency = { count: 20000, minUs: 50, meanUs: 300, p50Us: 250, p90Us: 400, p99Us: 900, p999Us: 2000, maxUs: 5000 };
const open: LoadOutcome = {
  method: 'pacer',
  model: 'open',
  connections: 32,
  offeredRps: 2000,
  plannedInWindow: 20000,
  windowSeconds: 10,
  counts,
  achievedRps: 2000,
  latencyUs: latency,
  latencyHistogram: 'x',
  uncorrectedLatencyUs: latency,
  perSecond: [],
  sendLagP90Us: 20,
  sendLagP99Us: 40,
  eventLoopDelayP99Us: 100,
  firstError: undefined,
};
const closed: LoadOutcome = { ...open, model: 'closed', offeredRps: undefined, plannedInWindow: undefined, sendLagP90Us: undefined, sendLagP99Us: undefined, uncorrectedLatencyUs: undefined };
const base = { load: open, generatorCpuCores: 0.5, serviceDied: undefined, stealShare: 0 };

describe('run validity', () => {
  it('accepts a clean run', () => {
    expect(judgeRun(base)).toEqual({ valid: true, reasons: [], warnings: [] });
  });
  it('rejects errors, timeouts, non-2xx and body mismatches the scenario does not expect', () => {
    const result = judgeRun({ ...base, load: { ...open, counts: { ...counts, errors: 2, timeouts: 1, non2xx: 3, mismatches: 1 }, firstError: 'boom' } });
    expect(result.valid).toBe(false);
    expect(result.reasons).toEqual(['2 connection errors, 1 timeouts, 3 non-2xx responses, 1 of 400 sampled bodies differed from the reference (first: boom)']);
  });
  it('rejects an open-loop run under 95 % of the offered rate', () => {
    expect(judgeRun({ ...base, load: { ...open, achievedRps: 1901 } }).valid).toBe(true);
    const result = judgeRun({ ...base, load: { ...open, achievedRps: 1899 } });
    expect(result.reasons).toEqual(['achieved 1899.0 of 2000.0 req/s offered (95.0 % < 95.0 %): the service is saturated at this rate']);
  });
  it('rejects a closed-loop run whose generator used more than 0.85 of its core', () => {
    expect(judgeRun({ ...base, load: closed, generatorCpuCores: 0.85 }).valid).toBe(true);
    expect(judgeRun({ ...base, load: closed, generatorCpuCores: 0.9 }).reasons[0]).toContain('the load generator used 0.90 of its core');
  });
  it('judges the open-loop pacer by its send lag, not its (spin-waiting) CPU', () => {
    expect(judgeRun({ ...base, generatorCpuCores: 0.99 }).valid).toBe(true);
    expect(judgeRun({ ...base, load: { ...open, sendLagP90Us: 1500, sendLagP99Us: 3000 } }).reasons[0]).toBe(
      'the pacer sent 1500 µs late at p90 (> 1000 µs): the load generator could not keep its schedule',
    );
    // Jitter in the last percent only warns: it is the platform's, and it is shown.
    const jittery = judgeRun({ ...base, load: { ...open, sendLagP99Us: 500 } });
    expect(jittery.valid).toBe(true);
    expect(jittery.warnings[0]).toContain("the pacer's own p99 lateness (500 µs) is over 20.0 % of the latency p99 (900 µs)");
  });
  it('rejects a run where the service died', () => {
    expect(judgeRun({ ...base, serviceDied: 'exit code 1' }).reasons).toEqual(['the service died during the run: exit code 1']);
  });
  it('rejects a window without success', () => {
    expect(judgeRun({ ...base, load: { ...closed, counts: { ...counts, responses: 0, expectedStatus: 0 }, latencyUs: undefined } }).reasons).toContain('no successful response in the measured window');
  });
  it('warns, without invalidating, about client lag, steal and thin tails', () => {
    const result = judgeRun({ ...base, stealShare: 0.1, load: { ...open, eventLoopDelayP99Us: 500, latencyUs: { ...latency, count: 500 } } });
    expect(result.valid).toBe(true);
    expect(result.warnings).toHaveLength(3);
  });
});
