/**
 * The tool's version: `version` of the package.json at the package root. I/O (reads one file).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InfrastructureError } from './errors.js';
import { ROOT } from './paths.js';

/**
 * The package version, e.g. "0.1.0".
 * @throws InfrastructureError when package.json cannot be read or has no version
 */
export async function readToolVersion(): Promise<string> {
  const file = path.join(ROOT, 'package.json');
  let version: unknown;
  try {
    version = (JSON.parse(await readFile(file, 'utf8')) as { version?: unknown }).version;
  } catch (cause) {
    throw new InfrastructureError(`Cannot read the tool's version from ${file}: ${(cause as Error).message}. Reinstall the package.`, { cause });
  }
  if (typeof version !== 'string') throw new InfrastructureError(`Cannot read the tool's version from ${file}: it has no \`version\` string. Reinstall the package.`);
  return version;
}
