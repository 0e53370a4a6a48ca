import { describe, expect, it } from 'vitest';
import { parseCpuTimes } from '../../harness/process/proc-parse.js';
import { cpuContention, otherLoadShare } from '../../harness/run/contention.js';
import { judgeRun } from '../../harness/run/validity.js';

// /proc/stat read 1.962 s apart around the window of a json-closed run of rust (closed loop, 32
// connections; service on cpu0, the native engine on cpu1) on this 2-vCPU VM while other helpers
// built: the service got 0.304 of cpu0 (60 ticks), cpu0 spent 17 sampled ticks in softirq.
const START = `cpu  160136 2692 20508 192714 797 0 1658 254 0 0
cpu0 75563 1091 8825 102748 142 0 895 119 0 0
cpu1 84572 1600 11682 89966 655 0 763 134 0 0
intr 1853631 0 0
`;
const END = `cpu  160430 2692 20578 192715 797 0 1682 255 0 0
cpu0 75714 1091 8852 102749 142 0 912 119 0 0
cpu1 84716 1600 11726 89966 655 0 770 135 0 0
intr 1863631 0 0
`;

describe('the kernel\'s interrupt work on a run\'s CPUs', () => {
  it('is recorded apart from other load (captured /proc/stat of a busy machine)', () => {
    const start = parseCpuTimes(START)!;
    const end = parseCpuTimes(END)!;
    expect(start.interruptTicksByCpu?.get(0)).toBe(895);
    expect(start.sampledBusyTicksByCpu?.get(0)).toBe(75563 + 1091 + 8825 + 895);
    // cpu0: 196.2 ticks of wall, idle 1: 195.2 busy; softirq 17 of 195 sampled busy ticks → 17.02 ticks of interrupt work.
    const onService = cpuContention(start, end, [0], 60, 1.962, 100)!;
    expect(onService.interruptShare).toBeCloseTo((195.2 * 17) / 195 / 196.2, 9);
    expect(onService.interruptShare).toBeCloseTo(0.0867, 4);
    // Other load: 195.2 − 17.02 − 60 = 118.2 ticks, 0.602 of cpu0 (the softirq ticks read as other load before: 0.689).
    expect(onService.otherLoadShare).toBeCloseTo((195.2 - (195.2 * 17) / 195 - 60) / 196.2, 9);
    expect(otherLoadShare(start, end, [0], 60, 1.962, 100)).toBeCloseTo(0.6024, 4);
    expect(cpuContention(start, end, [1], 0, 1.962, 100)!.interruptShare).toBeCloseTo((195.2 * 7) / 195 / 196.2, 9);
  });
  it('does not call a quiet machine busy when a saturated service\'s packets keep the kernel busy on its CPU', () => {
    const stat = (cpu0: number[]): string => `cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 ${cpu0.join(' ')} 0 0\n`;
    const start = parseCpuTimes(stat([0, 0, 0, 0, 0, 0, 0, 0]));
    // 2 s at 100 ticks/s, never idle: the service's own 170 ticks, softirq 30 of 200 sampled.
    const end = parseCpuTimes(stat([130, 0, 40, 0, 0, 0, 30, 0]));
    expect(cpuContention(start, end, [0], 170, 2, 100)).toEqual({ otherLoadShare: 0, interruptShare: 0.15 });
  });
  it('counts interrupt work in the side\'s demand, never as a busy machine', () => {
    const load = {
      method: 'native', engine: { name: 'native' as const, version: '0.1.0' }, threads: 1, model: 'closed' as const, connections: 32, offeredRps: undefined, plannedInWindow: undefined, windowSeconds: 2,
      counts: { responses: 200_000, expectedStatus: 200_000, non2xx: 0, unexpectedStatus: 0, errors: 0, timeouts: 0, mismatches: 0, verified: 4000, dropped: 0, statusCounts: { '200': 200_000 } },
      achievedRps: 100_000, latencyUs: { count: 200_000, minUs: 50, meanUs: 300, p50Us: 250, p90Us: 400, p99Us: 900, p999Us: 2000, maxUs: 5000 }, latencyHistogram: 'x', uncorrectedLatencyUs: undefined,
      perSecond: [], sendLagP90Us: undefined, sendLagP99Us: undefined, connectionWaits: undefined, connectionWaitP99Us: undefined, eventLoopDelayP99Us: undefined, firstError: undefined,
    };
    const input = { load, serviceDied: undefined, serviceCpuCores: 0.75, serviceCpus: 1, generatorCpuCores: 0.9, loadCpus: 1, upstreamCpuCores: undefined, stealShare: 0, serviceOtherLoadShare: 0, loadOtherLoadShare: 0 };
    // Rust saturating its CPU: 0.75 in its own threads, 0.15 receiving its packets. Without the interrupt work it would read 0.75, "not saturated", and the run engine-bound.
    expect(judgeRun(input).bottleneck).toBe('load-engine');
    const result = judgeRun({ ...input, serviceInterruptShare: 0.15, loadInterruptShare: 0.05 });
    expect(result).toMatchObject({ valid: true, bottleneck: 'service', warnings: [] });
  });
});
