import { describe, expect, it } from 'vitest';
import { engineThreadDemand, workerThreads, type ThreadTimes } from '../../harness/run/engine-threads.js';

// The native engine's threads as /proc/PID/task/TID/{comm,schedstat} read them: the main thread
// (it signals the window's edges and sleeps) and three workers, 2 s apart.
const PID = 4100;
const start: ThreadTimes[] = [
  { tid: 4100, name: 'rewrite-bench-e', cpuNs: 3_000_000, waitNs: 100_000 },
  { tid: 4101, name: 'worker-0', cpuNs: 500_000_000, waitNs: 20_000_000 },
  { tid: 4102, name: 'worker-1', cpuNs: 480_000_000, waitNs: 10_000_000 },
  { tid: 4103, name: 'worker-2', cpuNs: 470_000_000, waitNs: 0 },
];
const end: ThreadTimes[] = [
  { tid: 4100, name: 'rewrite-bench-e', cpuNs: 3_100_000, waitNs: 100_000 },
  // 1.90 s on a CPU and 0.06 s waiting for one: 98 % of the window.
  { tid: 4101, name: 'worker-0', cpuNs: 2_400_000_000, waitNs: 80_000_000 },
  { tid: 4102, name: 'worker-1', cpuNs: 1_680_000_000, waitNs: 10_000_000 },
  { tid: 4103, name: 'worker-2', cpuNs: 1_470_000_000, waitNs: 0 },
];

describe('engine worker threads', () => {
  it('picks the native workers by name, or the main thread of an engine without them', () => {
    expect(workerThreads(start, PID).map((thread) => thread.tid)).toEqual([4101, 4102, 4103]);
    const node = [
      { tid: 900, name: 'node', cpuNs: 1, waitNs: 0 },
      { tid: 901, name: 'V8Worker', cpuNs: 1, waitNs: 0 },
      { tid: 902, name: 'libuv-worker', cpuNs: 1, waitNs: 0 },
    ];
    expect(workerThreads(node, 900).map((thread) => thread.tid)).toEqual([900]);
  });
  it('gives the busiest and the mean (CPU + wait) share of the window', () => {
    expect(engineThreadDemand(start, end, PID, 2e9)).toEqual({ threads: 3, busiestShare: 0.98, meanShare: (0.98 + 0.6 + 0.5) / 3 });
  });
  it('leaves out a thread read at one edge only, and says nothing without a worker or a window', () => {
    expect(engineThreadDemand(start.slice(0, 2), end, PID, 2e9)).toEqual({ threads: 1, busiestShare: 0.98, meanShare: 0.98 });
    expect(engineThreadDemand([], end, PID, 2e9)).toBeUndefined();
    expect(engineThreadDemand(start, end, PID, 0)).toBeUndefined();
  });
});
