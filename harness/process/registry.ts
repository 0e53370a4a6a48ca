/**
 * Every child process group the harness starts is registered here, so that Ctrl-C, SIGTERM or a
 * crash of the harness stops them all. I/O (signals).
 */

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
