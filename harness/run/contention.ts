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
 * `ownTicks` (clock ticks of this run's processes on them). Undefined without readings.
 */
export function otherLoadShare(start: CpuTimes | undefined, end: CpuTimes | undefined, cpus: readonly number[], ownTicks: number, wallSeconds: number, ticksPerSecond: number): number | undefined {
  if (start === undefined || end === undefined || cpus.length === 0 || wallSeconds <= 0) return undefined;
  let busy = 0;
  for (const cpu of cpus) {
    const from = start.busyTicksByCpu.get(cpu);
    const to = end.busyTicksByCpu.get(cpu);
    if (from === undefined || to === undefined) return undefined;
    busy += to - from;
  }
  return Math.max(0, (busy - ownTicks) / (wallSeconds * ticksPerSecond * cpus.length));
}
