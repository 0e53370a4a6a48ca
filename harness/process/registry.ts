/**
 * Every child process group the harness starts is registered here, so that Ctrl-C, SIGTERM or a
 * crash of the harness stops them all. I/O (signals).
 */

import os from 'node:os';

/** Something that can be stopped: a service, the upstream, a load generator. */
export interface Stoppable {
  readonly pid: number;
  readonly label: string;
  /** Terminates the whole process group: SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<unknown>;
}

const live = new Set<Stoppable>();

/** Adds a started child; returns a function that removes it once it is stopped. */
export function register(child: Stoppable): () => void {
  live.add(child);
  return () => live.delete(child);
}

/** Children started and not yet stopped. */
export function liveChildren(): Stoppable[] {
  return [...live];
}

const interruptHooks = new Set<() => Promise<void>>();

/** Runs `hook` when the harness is interrupted (Ctrl-C, SIGTERM), before children are stopped. */
export function onInterrupt(hook: () => Promise<void>): () => void {
  interruptHooks.add(hook);
  return () => interruptHooks.delete(hook);
}

/** Runs the interrupt hooks (e.g. writing results marked `interrupted`). */
export async function runInterruptHooks(): Promise<void> {
  await Promise.allSettled([...interruptHooks].map((hook) => hook()));
}

/** Stops every registered child, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live].map((child) => child.stop()));
}

/** Sends `signal` to a process group, ignoring a group that is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') throw cause;
  }
}

/**
 * The tag every started child carries in REWRITE_BENCH_OWNER: inherited when set (a test suite
 * sets one for all its processes), else this harness's pid. Lets a check prove nothing was left.
 */
export function ownerTag(): string {
  return process.env.REWRITE_BENCH_OWNER ?? `harness-${process.pid}`;
}

const HARNESS_NICE = 10;
let lowered = false;

/**
 * Lowers the harness's own CPU priority (nice 10) so that its sampling of /proc never delays the
 * load generator that shares its cores; children are started back at the normal priority
 * (`childPrefix`). Needs root (raising a child back to nice 0); elsewhere nothing changes.
 * @returns whether the priority was lowered (recorded with the results)
 */
export function lowerHarnessPriority(): boolean {
  if (lowered) return true;
  if (process.getuid?.() !== 0) return false;
  try {
    os.setPriority(0, HARNESS_NICE);
    lowered = true;
  } catch {
    lowered = false;
  }
  return lowered;
}

/** argv prefix that starts a child at the normal priority when the harness lowered its own. */
export function childPrefix(): string[] {
  return lowered ? ['nice', '-n', String(-HARNESS_NICE)] : [];
}
