/**
 * What a started service must do beyond answering alike (README, "Your own services"): listen only
 * on HOST:PORT, and on SIGTERM finish its in-flight requests and exit 0. A service that binds every
 * interface gets a warning on its runs; one that dies on the signal, exits with another code or
 * ignores it is a failure of the run, said in the results and the terminal. Neither changes what
 * was measured. Pure.
 */
import type { ListeningSocket } from '../process/net-parse.js';
import type { ExitInfo } from '../process/service.js';
import type { Finding } from '../results/validity.js';

/** The host every started service is given (HOST). */
export const SERVICE_HOST = '127.0.0.1';

/**
 * A warning when the service listens on every interface (`0.0.0.0`, `::`) instead of HOST: while
 * it is measured, it is reachable from other machines, and in production the same code would be.
 * Undefined when it bound HOST (or nothing is known of its sockets: a remote target).
 */
export function bindFinding(sockets: readonly ListeningSocket[] | undefined, port: number): Finding | undefined {
  const wildcard = sockets?.find((socket) => socket.isWildcard);
  if (wildcard === undefined) return undefined;
  const where = wildcard.address.includes(':') ? `[${wildcard.address}]:${port}` : `${wildcard.address}:${port}`;
  return {
    code: 'binds-all-interfaces',
    text: `the service listens on ${where}, every interface, not on HOST (${SERVICE_HOST}): other machines could reach it while it was measured`,
    next: 'listen on the HOST the harness gives: `server.listen(PORT, process.env.HOST)`, `app.run(host=os.environ["HOST"])`, or `"--host=${HOST}"` in `start`',
    concerns: [],
  };
}

/** How a service's start ended: a crash during the run, or its stop on SIGTERM. */
export interface StopOutcome {
  /** Set when the process had exited before the harness stopped it. */
  readonly died: ExitInfo | undefined;
  /** Its last output lines (for a crash). */
  readonly outputTail: string;
  /** How it ended after SIGTERM, and whether it needed SIGKILL after the grace period. */
  readonly stopped: { readonly exit: ExitInfo; readonly killed: boolean };
}

const SIGTERM_ADVICE =
  'On SIGTERM a service must stop accepting connections, finish the requests in flight and exit 0 (within 10 s): in production a deploy or a scale-down would otherwise cut the requests it was serving. Its runs were measured and are kept.';

/**
 * What went wrong at the end of a service's start, or undefined when it stopped cleanly (exit 0
 * after SIGTERM, within the grace period). A crash during the run is reported once, as the
 * failure it is, with its last output, rather than as an odd exit after SIGTERM.
 */
export function stopProblem(name: string, outcome: StopOutcome): string | undefined {
  const { died, stopped } = outcome;
  if (died !== undefined) {
    const tail = outcome.outputTail.split('\n').slice(-10).join('\n');
    return `${name} died during the run (exit code ${String(died.exitCode)}, signal ${String(died.signal)}). Last output:\n${tail}`;
  }
  if (stopped.killed) return `${name} ignored SIGTERM and was killed after the grace period. ${SIGTERM_ADVICE}`;
  if (stopped.exit.signal !== undefined) return `${name} was killed by ${stopped.exit.signal} instead of finishing its in-flight requests and exiting 0 (it has no handler for the signal, or re-raised it). ${SIGTERM_ADVICE}`;
  if (stopped.exit.exitCode !== undefined && stopped.exit.exitCode !== 0) return `${name} exited with code ${stopped.exit.exitCode} after SIGTERM instead of 0. ${SIGTERM_ADVICE}`;
  return undefined;
}
