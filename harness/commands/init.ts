/**
 * `rewrite-bench init [DIR]`: writes a commented starter project that runs as is — the project
 * file, one scenario with templated requests and a reference service, one claims file, and a
 * two-service example (a legacy service in Python, its rewrite in Node) — from harness/init/starter.
 * Never overwrites a file: an existing one is an error naming it (exit 2). I/O.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, EXIT_CODES, type ExitCode } from '../errors.js';
import { ROOT } from '../paths.js';
import type { OptionSpec } from './common.js';

export const initOptions = {} as const satisfies Record<string, OptionSpec>;

const STARTER = path.join(ROOT, 'harness/init/starter');

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of (await readdir(path.join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(dir, relative)));
    else files.push(relative);
  }
  return files;
}

export async function runInitCommand(_values: Record<string, unknown>, positionals: string[]): Promise<ExitCode> {
  if (positionals.length > 1) throw new ConfigError(`Expected at most one folder: \`rewrite-bench init [DIR]\`, got ${positionals.length}.`);
  const target = path.resolve(positionals[0] ?? '.');
  const files = await filesUnder(STARTER);
  const clashes = files.filter((file) => existsSync(path.join(target, file)));
  if (clashes.length > 0) {
    throw new ConfigError(`Cannot write the starter project into ${target}: ${clashes.map((file) => `\`${file}\``).join(', ')} already exist${clashes.length === 1 ? 's' : ''}. Move ${clashes.length === 1 ? 'it' : 'them'} away, or run \`rewrite-bench init DIR\` for another folder.`);
  }
  for (const file of files) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await copyFile(path.join(STARTER, file), path.join(target, file));
  }
  console.log(`rewrite-bench init: wrote ${files.length} files into ${target}:\n${files.map((file) => `  ${file}`).join('\n')}`);
  console.log(`\nNext: \`npx rewrite-bench run\` checks the rewrite against the legacy service, measures both and writes reports/runs/<date-time>/index.html.\nThen replace services/legacy and services/rewrite with yours, and scenarios/quote.yaml with your endpoints.`);
  return EXIT_CODES.pass;
}
