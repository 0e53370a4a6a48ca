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
    expect(parseCpuTimes(fixture('proc-stat.txt'))!.busyTicksByCpu.size).toBe(0);
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
  it('is the busy ticks of those CPUs minus the run\'s own, as a share of their time', async () => {
    const { otherLoadShare } = await import('../../harness/run/contention.js');
    const stat = (cpu0: number[], cpu1: number[]): string => `cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 ${cpu0.join(' ')} 0 0\ncpu1 ${cpu1.join(' ')} 0 0\nintr 1\n`;
    const start = parseCpuTimes(stat([100, 0, 50, 1000, 7, 1, 1, 0], [10, 0, 10, 1000, 0, 0, 0, 0]))!;
    // Over 2 s at 100 ticks/s cpu1 was busy 150 of 200 ticks (iowait and idle excluded); the run used 100 of them.
    const end = parseCpuTimes(stat([100, 0, 50, 1200, 7, 1, 1, 0], [110, 0, 60, 1050, 99, 0, 0, 0]))!;
    expect(start.busyTicksByCpu.get(1)).toBe(20);
    expect(otherLoadShare(start, end, [1], 100, 2, 100)).toBeCloseTo(0.25, 12);
    expect(otherLoadShare(start, end, [0], 0, 2, 100)).toBe(0);
    expect(otherLoadShare(start, end, [7], 0, 2, 100)).toBeUndefined();
  });
});
