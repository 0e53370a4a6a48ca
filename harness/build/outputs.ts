/**
 * What a build must leave for `run` to start the service: the programs its commands name by a
 * path (`./bin/server`, `.venv/bin/gunicorn`). A service is up to date only when they exist, so
 * `build` and `run` never disagree (`build` saying "up-to-date" while `run` says "not found").
 * Programs looked up on PATH (`node`, `python3`) are a toolchain's, not a build output. I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import { findExecutable } from '../process/toolchain.js';

/** A program a manifest's command names by a path, and which field names it. */
export interface ExpectedProgram {
  /** As written in the manifest, e.g. `.venv/bin/gunicorn`. */
  readonly program: string;
  /** The manifest field, e.g. `start`. */
  readonly field: string;
}

/** The programs of `start` (and `seed` steps) that a build makes: those named by a path. */
export function expectedPrograms(manifest: ResolvedManifest): ExpectedProgram[] {
  const commands: Array<[string, readonly string[] | undefined]> = [['start', manifest.start], ...(manifest.seed ?? []).map((step, index): [string, readonly string[]] => [`seed[${index}]`, step])];
  return commands.flatMap(([field, argv]) => {
    const program = argv?.[0];
    return program !== undefined && program.includes('/') ? [{ program, field }] : [];
  });
}

/** The expected programs that are not there (or not executable), in manifest order. */
export async function missingPrograms(manifest: ResolvedManifest): Promise<ExpectedProgram[]> {
  const missing: ExpectedProgram[] = [];
  for (const expected of expectedPrograms(manifest)) {
    if ((await findExecutable(expected.program, manifest.dir)) === undefined) missing.push(expected);
  }
  return missing;
}

/** `./bin/server` (`start`), `./seed` (`seed[0]`) — for messages. */
export function describePrograms(programs: readonly ExpectedProgram[]): string {
  return programs.map((expected) => `\`${expected.program}\` (\`${expected.field}\`)`).join(', ');
}
