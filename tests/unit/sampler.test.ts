import { describe, expect, it } from 'vitest';
import { coresBetween, TreeSampler, type ProcReader } from '../../harness/process/sampler.js';
import { readEdge } from '../../harness/run/window.js';

/** A fake /proc whose processes the test changes between readings. */
class FakeProc implements ProcReader {
  stats = new Map<number, { ppid: number; ticks: number; rssPages: number; start: number; childTicks?: number }>();
  pss = new Map<number, number>();
  /** Run delay (ns) per thread of a process. */
  waits = new Map<number, number[]>();
  async pids(): Promise<number[]> {
    return [...this.stats.keys()];
  }
  async tasks(pid: number): Promise<number[]> {
    return (this.waits.get(pid) ?? [0]).map((_, index) => pid * 10 + index);
  }
  async read(path: string): Promise<string | undefined> {
    const task = /^\/proc\/(\d+)\/task\/(\d+)\/schedstat$/.exec(path);
    if (task !== null) {
      const wait = this.waits.get(Number(task[1]))?.[Number(task[2]) - Number(task[1]) * 10] ?? 0;
      return `123456 ${wait} 7\n`;
    }
    const match = /^\/proc\/(\d+)\/(\w+)$/.exec(path);
    const pid = Number(match?.[1]);
    const stat = this.stats.get(pid);
    if (stat === undefined) return undefined;
    if (match?.[2] === 'stat') {
      // Fields after the command: state ppid … utime(14) stime(15) cutime(16) cstime(17) … starttime(22) vsize rss(24).
      return `${pid} (p) S ${stat.ppid} 0 0 0 -1 0 0 0 0 0 ${stat.ticks} 0 ${stat.childTicks ?? 0} 0 20 0 1 0 ${stat.start} 0 ${stat.rssPages} 0`;
    }
    if (match?.[2] === 'smaps_rollup') return `Rss: ${stat.rssPages * 4} kB\nPss: ${this.pss.get(pid) ?? 0} kB\n`;
    if (match?.[2] === 'status') return `VmHWM: ${stat.rssPages * 4} kB\nVmRSS: ${stat.rssPages * 4} kB\n`;
    return undefined;
  }
}

describe('TreeSampler', () => {
  it('sums CPU ticks and RSS over the tree and keeps exited children at their last reading', async () => {
    const proc = new FakeProc();
    proc.stats.set(1, { ppid: 0, ticks: 0, rssPages: 1, start: 1 });
    proc.stats.set(100, { ppid: 1, ticks: 50, rssPages: 10, start: 5 });
    proc.stats.set(101, { ppid: 100, ticks: 20, rssPages: 5, start: 6 });
    proc.stats.set(200, { ppid: 1, ticks: 999, rssPages: 99, start: 7 });
    const sampler = new TreeSampler(100, proc, { clockTicksPerSecond: 100, pageBytes: 4096 });
    const first = await sampler.read();
    expect(first.cpuTicks).toBe(70);
    expect(first.rssBytes).toBe(15 * 4096);
    expect(first.processCount).toBe(2);
    proc.stats.set(101, { ppid: 100, ticks: 70, rssPages: 5, start: 6 });
    const second = await sampler.read();
    proc.stats.delete(101);
    proc.stats.set(100, { ppid: 1, ticks: 60, rssPages: 10, start: 5 });
    const third = await sampler.read();
    // 101 exited after 70 ticks: still counted, so CPU never goes backwards.
    expect(second.cpuTicks).toBe(120);
    expect(third.cpuTicks).toBe(130);
    expect(third.processCount).toBe(1);
  });

  it('treats a reused pid with a new start time as a new process', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 0, rssPages: 1, start: 5 });
    proc.stats.set(101, { ppid: 100, ticks: 40, rssPages: 1, start: 6 });
    const sampler = new TreeSampler(100, proc);
    await sampler.read();
    proc.stats.set(101, { ppid: 100, ticks: 3, rssPages: 1, start: 9 });
    expect((await sampler.read()).cpuTicks).toBe(43);
  });

  it('sums PSS of the live tree', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 0, rssPages: 100, start: 5 });
    proc.stats.set(101, { ppid: 100, ticks: 0, rssPages: 100, start: 6 });
    proc.pss.set(100, 250);
    proc.pss.set(101, 150);
    const sampler = new TreeSampler(100, proc);
    await sampler.read();
    expect(await sampler.memory()).toEqual({ pssBytes: 400 * 1024, rssBytes: 800 * 1024, vmHwmBytesSum: 800 * 1024 });
  });

  it('counts children reaped between readings once, through the parent\'s cutime + cstime', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 10, rssPages: 1, start: 5, childTicks: 0 });
    proc.stats.set(101, { ppid: 100, ticks: 70, rssPages: 1, start: 6 });
    const sampler = new TreeSampler(100, proc);
    expect((await sampler.read()).cpuTicks).toBe(80);
    // 101 exits and 100 reaps it: its 70 ticks move into 100's children ticks.
    proc.stats.delete(101);
    proc.stats.set(100, { ppid: 1, ticks: 10, rssPages: 1, start: 5, childTicks: 70 });
    expect((await sampler.read()).cpuTicks).toBe(80);
  });

  it('counts children too short-lived to be seen (fork per request), through cutime + cstime', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 10, rssPages: 1, start: 5, childTicks: 0 });
    const sampler = new TreeSampler(100, proc);
    const first = await sampler.read();
    // 40 children of 5 ticks each came and went between two readings.
    proc.stats.set(100, { ppid: 1, ticks: 12, rssPages: 1, start: 5, childTicks: 200 });
    const second = await sampler.read();
    expect(second.cpuTicks - first.cpuTicks).toBe(202);
  });

  it('keeps the last reading of a child its parent did not reap (auto-reaped), and of orphans', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 10, rssPages: 1, start: 5, childTicks: 0 });
    proc.stats.set(101, { ppid: 100, ticks: 30, rssPages: 1, start: 6 });
    proc.stats.set(102, { ppid: 100, ticks: 5, rssPages: 1, start: 7 });
    const sampler = new TreeSampler(100, proc);
    expect((await sampler.read(true)).cpuTicks).toBe(45);
    // 101 is gone but 100's children ticks did not grow; 102 is orphaned (reparented to 1) and keeps running.
    proc.stats.delete(101);
    proc.stats.set(102, { ppid: 1, ticks: 8, rssPages: 1, start: 7 });
    const second = await sampler.read(true);
    expect(second.cpuTicks).toBe(48);
    expect([...second.pids].sort()).toEqual([100, 102]);
  });

  it('turns RSS pages into bytes with the machine\'s page size', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 0, rssPages: 10, start: 5 });
    const sampler = new TreeSampler(100, proc, { clockTicksPerSecond: 100, pageBytes: 65536 });
    expect((await sampler.read()).rssBytes).toBe(655360);
  });

  it('sums the run delay of every thread of the tree', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 0, rssPages: 1, start: 5 });
    proc.stats.set(101, { ppid: 100, ticks: 0, rssPages: 1, start: 6 });
    proc.waits.set(100, [1000, 2000]);
    proc.waits.set(101, [500]);
    const sampler = new TreeSampler(100, proc);
    await sampler.read();
    expect(await sampler.schedulerWaitNs()).toBe(3500);
  });

  it('computes cores from ticks over wall time', () => {
    const constants = { clockTicksPerSecond: 100, pageBytes: 4096 };
    const at = (atMs: number, cpuTicks: number) => ({ atMs, cpuTicks, rssBytes: 0, processCount: 1, pids: [] });
    expect(coresBetween(at(0, 0), at(2000, 300), constants)).toBe(1.5);
    expect(coresBetween(at(5, 0), at(5, 10), constants)).toBe(0);
  });
});

describe('window edges (readEdge)', () => {
  const edge = (tree: TreeSampler) => readEdge({ service: tree, generator: undefined, upstream: undefined });

  it('re-scan the tree at the start: a worker born since the last scan keeps its CPU before the window out of it', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 10, rssPages: 1, start: 5 });
    const tree = new TreeSampler(100, proc);
    await tree.read(); // the idle reading: a full scan
    proc.stats.set(101, { ppid: 100, ticks: 50, rssPages: 1, start: 9 }); // born, burns 50 ticks before the window
    await tree.read(); // a periodic reading: the known processes only
    const start = await edge(tree);
    expect(start.service!.pids).toContain(101);
    proc.stats.set(101, { ppid: 100, ticks: 60, rssPages: 1, start: 9 }); // 10 ticks inside the window
    await tree.read();
    const end = await edge(tree);
    expect(end.service!.cpuTicks - start.service!.cpuTicks).toBe(10);
  });

  it('re-scan the tree at the end: a worker born inside the window is counted', async () => {
    const proc = new FakeProc();
    proc.stats.set(100, { ppid: 1, ticks: 10, rssPages: 1, start: 5 });
    const tree = new TreeSampler(100, proc);
    await tree.read();
    const start = await edge(tree);
    proc.stats.set(101, { ppid: 100, ticks: 20, rssPages: 1, start: 9 });
    const end = await edge(tree);
    expect(end.service!.cpuTicks - start.service!.cpuTicks).toBe(20);
    expect(end.service!.processCount).toBe(2);
  });
});
