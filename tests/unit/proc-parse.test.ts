import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descendants, formatCpuList, parseCpuList, parseCpuTimes, parseSmapsRollup, parseStat, parseStatus } from '../../harness/process/proc-parse.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'utf8');

describe('/proc parsing (captured text)', () => {
  it('parses a stat line', () => {
    expect(parseStat(fixture('stat-cat.txt'))).toEqual({ pid: 22343, comm: 'cat', state: 'R', ppid: 22340, cpuTicks: 0, childTicks: 0, rssPages: 388, startTicks: 81448 });
  });
  it('counts fields after the last parenthesis, so odd command names parse', () => {
    expect(parseStat(fixture('stat-odd-name.txt'))).toEqual({ pid: 4242, comm: 'my (odd) name', state: 'S', ppid: 1, cpuTicks: 1234 + 567, childTicks: 89 + 10, rssPages: 2560, startTicks: 100 });
  });
  it('rejects text that is not a stat line', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('garbage')).toBeUndefined();
  });
  it('reads Rss and Pss of smaps_rollup in bytes', () => {
    expect(parseSmapsRollup(fixture('smaps_rollup.txt'))).toEqual({ rssBytes: 1740 * 1024, pssBytes: 227 * 1024, sharedCleanBytes: 1588 * 1024, privateDirtyBytes: 112 * 1024 });
    expect(parseSmapsRollup('Rss: 5 kB\n')).toBeUndefined();
  });
  it('reads VmHWM and VmRSS of status', () => {
    expect(parseStatus(fixture('status.txt'))).toEqual({ vmHwmBytes: 1728 * 1024, vmRssBytes: 1728 * 1024 });
    expect(parseStatus('Name: kthreadd\n')).toBeUndefined();
  });
  it('sums the cpu line of /proc/stat and picks steal', () => {
    // cpu  59299 0 9742 92380 602 0 108 52 0 0
    expect(parseCpuTimes(fixture('proc-stat.txt'))).toMatchObject({ totalTicks: 59299 + 9742 + 92380 + 602 + 108 + 52, stealTicks: 52 });
    expect(parseCpuTimes(fixture('proc-stat.txt'))!.idleTicksByCpu.size).toBe(0);
  });
});

describe('CPU lists', () => {
  it('round-trips taskset lists', () => {
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('1')).toEqual([1]);
    expect(formatCpuList([5, 0, 1, 2])).toBe('0-2,5');
    expect(formatCpuList([1])).toBe('1');
    expect(() => parseCpuList('a-b')).toThrow(RangeError);
  });
});

describe('process tree', () => {
  it('walks every descendant of the root', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 10],
      [13, 12],
      [20, 1],
    ]);
    expect(descendants(10, parents).sort()).toEqual([10, 11, 12, 13]);
    expect(descendants(99, parents)).toEqual([99]);
  });
});

describe('other load on a set of CPUs', () => {
  it('is the wall clock less those CPUs\' idle, iowait and steal, less the run\'s own, as a share', async () => {
    const { otherLoadShare } = await import('../../harness/run/contention.js');
    const stat = (cpu0: number[], cpu1: number[]): string => `cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 ${cpu0.join(' ')} 0 0\ncpu1 ${cpu1.join(' ')} 0 0\nintr 1\n`;
    const start = parseCpuTimes(stat([100, 0, 50, 1000, 7, 1, 1, 0], [10, 0, 10, 1000, 0, 0, 0, 0]))!;
    // Over 2 s at 100 ticks/s: cpu1 was idle 20 of its 200 ticks, the run used 80: another tenant had half of it.
    const end = parseCpuTimes(stat([100, 0, 50, 1200, 7, 1, 1, 0], [160, 0, 40, 1020, 0, 0, 0, 0]))!;
    expect(start.idleTicksByCpu.get(1)).toBe(1000);
    expect(otherLoadShare(start, end, [1], 80, 2, 100)).toBeCloseTo(0.5, 12);
    expect(otherLoadShare(start, end, [0], 0, 2, 100)).toBe(0);
    expect(otherLoadShare(start, end, [7], 0, 2, 100)).toBeUndefined();
    // Steal is the hypervisor's, warned about on its own: not another process.
    const stolen = parseCpuTimes(stat([100, 0, 50, 1100, 7, 1, 1, 100], [10, 0, 10, 1000, 0, 0, 0, 0]))!;
    expect(otherLoadShare(start, stolen, [0], 0, 2, 100)).toBe(0);
  });
  it('ignores the sampled user and system counters, which misread a bursty service over a short window (measured on this VM)', async () => {
    const { otherLoadShare } = await import('../../harness/run/contention.js');
    const stat = (cpu0: number[]): string => `cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 ${cpu0.join(' ')} 0 0\nintr 1\n`;
    const start = parseCpuTimes(stat([0, 0, 0, 0, 0, 0, 0, 0]))!;
    // python at 0.72 of a core (144 ticks in 2 s, exact): cpu0 counted user 111, system 43, softirq 45 (0.95 busy) and idle 52.
    // The idle clock says 148 busy; softirq is 45 of the 199 sampled busy ticks, so 33.5 of them were interrupt work: nothing is left for others.
    expect(otherLoadShare(start, parseCpuTimes(stat([111, 0, 43, 52, 0, 0, 45, 0])), [0], 144, 2, 100)).toBe(0);
    expect(otherLoadShare(start, parseCpuTimes(stat([111, 0, 43, 52, 0, 0, 0, 0])), [0], 144, 2, 100)).toBeCloseTo(0.02, 12);
    // go at 0.175 (35 ticks): user 2, system 1 (0.015 busy), idle 162: the idle clock says 0.19 busy.
    expect(otherLoadShare(start, parseCpuTimes(stat([2, 0, 1, 162, 0, 0, 0, 0])), [0], 35, 2, 100)).toBeCloseTo(0.015, 12);
  });
});
