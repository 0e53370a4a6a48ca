/**
 * Other load on a run's CPUs: the busy ticks of a set of CPUs (/proc/stat per CPU) minus the CPU
 * this run's own processes used there and minus the kernel's interrupt work, as a share of those
 * CPUs' time. The service is pinned to its CPUs and the engine, upstream and harness to theirs, so
 * anything else busy there is another tenant — a build, a test run, another benchmark. (A
 * process's scheduler run delay would count a multi-threaded service's threads waiting for each
 * other on one CPU; this does not.) Pure.
 */
import type { CpuTimes } from '../process/proc-parse.js';

/** What ran on a set of CPUs over a window besides this run's processes, each as a share (0–1) of those CPUs' time. */
export interface CpuContention {
  /** Other processes: another tenant of the machine. */
  readonly otherLoadShare: number;
  /**
   * The kernel's interrupt work (irq + softirq). On loopback it is mostly this run's own: the
   * receive processing of the packets sent from these CPUs, charged to no process. Not another
   * tenant, and not the service's CPU time either: recorded apart.
   */
  readonly interruptShare: number;
}

/**
 * What ran on `cpus` between two /proc/stat readings besides `ownTicks` (clock ticks of this
 * run's processes on them, over `wallSeconds`). Undefined without readings.
 *
 * Busy time is the wall clock less the CPUs' idle, iowait and steal: the idle clock is precise
 * under NO_HZ, while the per-CPU user and system counters are sampled at ticks and over a 2 s
 * window misread a bursty service badly on this VM (go at 0.175 of a core: 0.015 busy by the
 * sampled counters, 0.19 by the idle clock; python at 0.72: 0.95 and 0.74 — measured). Summing
 * the sampled counters called 23–36 % of a core "other load" on a machine where nothing else ran.
 * Steal is the hypervisor's and has its own warning.
 *
 * Interrupt work is charged to no process (this kernel has no IRQ time accounting: a tick that
 * lands in a softirq counts in the CPU's softirq column, not in the process it interrupted), so
 * it used to read as other load: rust on /json (closed loop) left 0.06–0.09 of its CPU in softirq
 * when it got 0.24–0.30 of it on a busy machine (measured), enough to call a quiet machine busy at
 * full speed. Its sampled ticks are only trusted as a proportion of the sampled busy ticks, which
 * scales the precise busy time.
 */
export function cpuContention(start: CpuTimes | undefined, end: CpuTimes | undefined, cpus: readonly number[], ownTicks: number, wallSeconds: number, ticksPerSecond: number): CpuContention | undefined {
  if (start === undefined || end === undefined || cpus.length === 0 || wallSeconds <= 0) return undefined;
  const wallTicks = wallSeconds * ticksPerSecond * cpus.length;
  let busy = 0;
  let interrupt = 0;
  for (const cpu of cpus) {
    const from = start.idleTicksByCpu.get(cpu);
    const to = end.idleTicksByCpu.get(cpu);
    if (from === undefined || to === undefined) return undefined;
    const cpuBusy = Math.max(0, wallSeconds * ticksPerSecond - (to - from));
    busy += cpuBusy;
    const sampled = delta(start.sampledBusyTicksByCpu, end.sampledBusyTicksByCpu, cpu);
    const interrupts = delta(start.interruptTicksByCpu, end.interruptTicksByCpu, cpu);
    if (sampled !== undefined && interrupts !== undefined && sampled > 0) interrupt += cpuBusy * Math.min(1, interrupts / sampled);
  }
  return { otherLoadShare: Math.max(0, (busy - interrupt - ownTicks) / wallTicks), interruptShare: interrupt / wallTicks };
}

function delta(start: ReadonlyMap<number, number> | undefined, end: ReadonlyMap<number, number> | undefined, cpu: number): number | undefined {
  const from = start?.get(cpu);
  const to = end?.get(cpu);
  return from === undefined || to === undefined ? undefined : Math.max(0, to - from);
}

/** Share (0–1) of `cpus`' time that ran other processes than this run's (cpuContention's `otherLoadShare`). */
export function otherLoadShare(start: CpuTimes | undefined, end: CpuTimes | undefined, cpus: readonly number[], ownTicks: number, wallSeconds: number, ticksPerSecond: number): number | undefined {
  return cpuContention(start, end, cpus, ownTicks, wallSeconds, ticksPerSecond)?.otherLoadShare;
}
