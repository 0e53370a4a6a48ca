/**
 * Errors and exit codes. Exit codes are API (documented in the README):
 * 0 pass · 1 regression or claim refuted · 2 bad configuration or usage · 3 infrastructure failure.
 * Only cli.ts turns these into a process exit.
 */

export const EXIT_CODES = {
  pass: 0,
  regression: 1,
  config: 2,
  infrastructure: 3,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base error: a message of the shape "what failed: context. what to do", and its exit code. */
export class HarnessError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad configuration, manifest, scenario, claim file or command line (exit 2). */
export class ConfigError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.config, options);
  }
}

/** A service, toolchain, load generator or /proc failed (exit 3). */
export class InfrastructureError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.infrastructure, options);
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
