/**
 * Reads a results.json written by `rewrite-bench run`, checking that it is one (schema version,
 * required arrays) so a wrong file gives a clear error rather than a crash later. I/O.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { RESULTS_SCHEMA_VERSION, type ResultsDocument } from './results.js';

/** Loads and sanity-checks a results document. */
export async function readResults(file: string): Promise<ResultsDocument> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `Cannot read results file ${file}: no such file.` : `Results file ${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  const document = data as Partial<ResultsDocument> | null;
  if (document === null || typeof document !== 'object' || !Array.isArray(document.runs) || !Array.isArray(document.builds)) {
    throw new ConfigError(`Expected ${file} to be a results.json written by \`rewrite-bench run\` (an object with \`runs\` and \`builds\` lists).`);
  }
  if (document.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new ConfigError(`Expected \`schemaVersion\` in ${file} to be ${RESULTS_SCHEMA_VERSION}, got \`${String(document.schemaVersion)}\`. Re-run with this version of rewrite-bench.`);
  }
  return document as ResultsDocument;
}
