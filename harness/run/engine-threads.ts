/**
 * How close the load engine's worker threads came to their own CPU: a closed loop is bound by
 * the engine when a worker thread ran, or waited runnable to run, nearly all of the window —
 * whatever the number of load CPUs. The native engine gets fewer threads than load CPUs (one CPU
 * is left to the harness and the upstream), so the engine's share of the load CPUs cannot tell:
 * with every thread at 100 % it is at most 1/2, 2/3, 3/4 … of them on 2–4 load CPUs. Pure.
 */

/** One thread of the load engine's process at a window edge (/proc/PID/task/TID/{comm,schedstat}). */
export interface ThreadTimes {
  readonly tid: number;
  /** Its name (`comm`): the native engine names its workers `worker-0`, `worker-1`, … */
  readonly name: string;
  /** Time on a CPU, in ns (schedstat: the scheduler's clock, not tick-sampled). */
  readonly cpuNs: number;
  /** Time runnable but waiting for a CPU, in ns. */
  readonly waitNs: number;
}

/** What the worker threads of the engine wanted of a CPU over a window. */
export interface EngineThreadDemand {
  /** Worker threads read at both edges. */
  readonly threads: number;
  /** The busiest worker's (CPU time + wait for a CPU) ÷ window: 1 is a thread that never stood still. */
  readonly busiestShare: number;
  /** The mean of the same over the workers. */
  readonly meanShare: number;
}

const WORKER_NAME = /^worker-\d+$/;

/**
 * The threads that do the engine's work: the native engine's `worker-N` threads, or, for an engine
 * without them (the Node engines: one event loop), the main thread (tid = pid). Helper threads
 * (a Node process's libuv and V8 threads) are left out: they are not what limits the load.
 */
export function workerThreads(threads: readonly ThreadTimes[], pid: number): ThreadTimes[] {
  const named = threads.filter((thread) => WORKER_NAME.test(thread.name));
  return named.length > 0 ? named : threads.filter((thread) => thread.tid === pid);
}

/**
 * The worker threads' demand over a window from their readings at its edges. A thread that
 * started or ended inside the window is left out. Undefined when no worker was read at both
 * edges or the window is empty.
 * @param windowNs the window's wall time, in ns
 */
export function engineThreadDemand(start: readonly ThreadTimes[], end: readonly ThreadTimes[], pid: number, windowNs: number): EngineThreadDemand | undefined {
  if (windowNs <= 0) return undefined;
  const before = new Map(workerThreads(start, pid).map((thread) => [thread.tid, thread]));
  const shares: number[] = [];
  for (const thread of workerThreads(end, pid)) {
    const from = before.get(thread.tid);
    if (from === undefined) continue;
    shares.push(Math.max(0, thread.cpuNs - from.cpuNs + thread.waitNs - from.waitNs) / windowNs);
  }
  if (shares.length === 0) return undefined;
  return { threads: shares.length, busiestShare: Math.max(...shares), meanShare: shares.reduce((sum, share) => sum + share, 0) / shares.length };
}
