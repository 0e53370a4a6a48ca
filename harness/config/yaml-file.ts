/**
 * Reads a YAML file into plain data, turning syntax errors and missing files into ConfigError. I/O.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import { formatYamlSyntaxError } from './yaml-error.js';

/** Parses `file` as YAML (which includes JSON). */
export async function readYamlFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ConfigError(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}.`, { cause });
  }
  try {
    return parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    throw new ConfigError(formatYamlSyntaxError(file, text, cause), { cause });
  }
}
