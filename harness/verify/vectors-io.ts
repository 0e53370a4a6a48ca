/**
 * Reads and writes services/vectors/<workload>.json (one array of vectors per workload). I/O.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatZodIssue } from '../config/zod-message.js';
import { vectorSchema, type Vector } from './vector.js';

/** Loads every `<workload>.json` of `dir`, validated, keyed by workload. */
export async function loadVectors(dir: string): Promise<Record<string, Vector[]>> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  const result: Record<string, Vector[]> = {};
  for (const file of files) {
    const filePath = path.join(dir, file);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(filePath, 'utf8'));
    } catch (cause) {
      throw new ConfigError(`Vector file ${filePath} is not valid JSON: ${(cause as Error).message}.`, { cause });
    }
    const parsed = z.array(vectorSchema).safeParse(data);
    if (!parsed.success) throw new ConfigError(formatZodIssue(filePath, parsed.error.issues[0]!, data));
    result[file.replace(/\.json$/, '')] = parsed.data;
  }
  return result;
}

/** Serialises vectors the way they are committed: one vector per line inside an array. */
export function formatVectorFile(vectors: readonly Vector[]): string {
  return `[\n${vectors.map((vector) => `  ${JSON.stringify(vector)}`).join(',\n')}\n]\n`;
}
