/**
 * Reads a results.json written by `rewrite-bench run` and validates it against the results
 * schema, so a wrong or damaged file gets an error naming the field (exit 2) rather than a crash
 * later. I/O.
 */
import { readFile } from 'node:fs/promises';
import { formatZodIssue } from '../config/zod-message.js';
import { ConfigError } from '../errors.js';
import { READABLE_SCHEMA_VERSIONS, RESULTS_SCHEMA_VERSION, type ResultsDocument } from '../results/document.js';
import { resultsSchema } from '../results/schema.js';

/** Loads and validates a results document. @throws ConfigError naming the file and the field */
export async function readResults(file: string): Promise<ResultsDocument> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `Cannot read results file ${file}: no such file.` : `Results file ${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  const document = data as { runs?: unknown; builds?: unknown; schemaVersion?: unknown } | null;
  if (document === null || typeof document !== 'object' || !Array.isArray(document.runs) || !Array.isArray(document.builds)) {
    throw new ConfigError(`Expected ${file} to be a results.json written by \`rewrite-bench run\` (an object with \`runs\` and \`builds\` lists).`);
  }
  if (typeof document.schemaVersion !== 'number' || !READABLE_SCHEMA_VERSIONS.includes(document.schemaVersion)) {
    throw new ConfigError(`Expected \`schemaVersion\` in ${file} to be ${READABLE_SCHEMA_VERSIONS.join(' or ')} (this version writes ${RESULTS_SCHEMA_VERSION}), got \`${String(document.schemaVersion)}\`. Re-run with this version of rewrite-bench (or read it with the version that wrote it).`);
  }
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = issues.slice(0, 5).map((issue) => formatZodIssue(file, issue, data));
    throw new ConfigError(`${file} is not a valid results document (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${shown.join('\n')}${issues.length > 5 ? `\n… and ${issues.length - 5} more` : ''}`);
  }
  // Validated above; the unparsed data keeps any extra fields a newer writer added.
  return data as ResultsDocument;
}
