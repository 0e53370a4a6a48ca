/**
 * Other load on a run's CPUs: the busy ticks of a set of CPUs (/proc/stat per CPU) minus the CPU
 * this run's own processes used there, as a share of those CPUs' time. The service is pinned to
 * its CPUs and the engine, upstream and harness to theirs, so anything else busy there is another
 * tenant — a build, a test run, another benchmark. (A process's scheduler run delay would count
 * a multi-threaded service's threads waiting for each other on one CPU; this does not.) Pure.
 */
import type { CpuTimes } from '../process/proc-parse.js';

/**
 * Share (0–1) of `cpus`' time between two /proc/stat readings spent running something other than
 * `ownTicks` (clock ticks of this run's processes on them, over `wallSeconds`). Undefined without
 * readings.
 *
 * Busy time is the wall clock less the CPUs' idle, iowait and steal: the idle clock is precise
 * under NO_HZ, while the per-CPU user and system counters are sampled at ticks and over a 2 s
 * window misread a bursty service badly on this VM (go at 0.175 of a core: 0.015 busy by the
 * sampled counters, 0.19 by the idle clock; python at 0.72: 0.95 and 0.74 — measured). Summing
 * the sampled counters called 23–36 % of a core "other load" on a machine where nothing else ran.
 * Steal is the hypervisor's and has its own warning.
 */
export function otherLoadShare(start: CpuTimes | undefined, end: CpuTimes | undefined, cpus: readonly number[], ownTicks: number, wallSeconds: number, ticksPerSecond: number): number | undefined {
  if (start === undefined || end === undefined || cpus.length === 0 || wallSeconds <= 0) return undefined;
  let idle = 0;
  for (const cpu of cpus) {
    const from = start.idleTicksByCpu.get(cpu);
    const to = end.idleTicksByCpu.get(cpu);
    if (from === undefined || to === undefined) return undefined;
    idle += to - from;
  }
  const wallTicks = wallSeconds * ticksPerSecond * cpus.length;
  return Math.max(0, (wallTicks - idle - ownTicks) / wallTicks);
}
