/**
 * The version of this package (package.json), recorded with every run and printed by --version.
 * I/O (reads package.json once).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.js';

let version: string | undefined;

/** The package's version, e.g. `0.2.0`. */
export function toolVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
