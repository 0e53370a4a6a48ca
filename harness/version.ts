/**
 * The tool's version: `version` of the package.json at the package root, recorded with every run
 * and printed by --version. I/O (reads one file, once).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InfrastructureError } from './errors.js';
import { ROOT } from './paths.js';

let version: string | undefined;

/**
 * The package version, e.g. "0.1.0".
 * @throws InfrastructureError when package.json cannot be read or has no version
 */
export function toolVersion(): string {
  if (version !== undefined) return version;
  const file = path.join(ROOT, 'package.json');
  let found: unknown;
  try {
    found = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
  } catch (cause) {
    throw new InfrastructureError(`Cannot read the tool's version from ${file}: ${(cause as Error).message}. Reinstall the package.`, { cause });
  }
  if (typeof found !== 'string') throw new InfrastructureError(`Cannot read the tool's version from ${file}: it has no \`version\` string. Reinstall the package.`);
  version = found;
  return version;
}
