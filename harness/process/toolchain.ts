/**
 * Finds the program an argv starts with, and explains how to install a missing toolchain. I/O.
 */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

const INSTALL_HINTS: Record<string, string> = {
  cargo: 'Install Rust with rustup (https://rustup.rs): `curl --proto =https -sSf https://sh.rustup.rs | sh`.',
  rustc: 'Install Rust with rustup (https://rustup.rs).',
  go: 'Install Go from https://go.dev/dl (or `apt-get install golang`), then put it on PATH.',
  python3: 'Install Python 3.11+ with venv support (`apt-get install python3 python3-venv`).',
  node: 'Install Node.js 20+ (https://nodejs.org or `apt-get install nodejs`).',
  taskset: 'Install util-linux (`apt-get install util-linux`).',
  maturin: 'maturin is installed into the service venv by its build; check the previous build step.',
};

/** How to get `program`, for error messages. */
export function installHint(program: string): string {
  return INSTALL_HINTS[path.basename(program)] ?? `Install \`${program}\` and put it on PATH.`;
}

/**
 * Resolves `program` the way exec does: a name is looked up on PATH, a path is taken relative to `cwd`.
 * @returns the absolute path, or undefined when there is no executable file there.
 */
export async function findExecutable(program: string, cwd: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : envPath
        .split(path.delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next PATH entry
    }
  }
  return undefined;
}
