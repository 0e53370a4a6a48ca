/**
 * `rewrite-bench report RESULTS.json... [--out DIR]`: rebuilds DIR/index.html, summary.md and
 * runs.csv from one or more results files. Several files (a CI matrix of machines) are merged;
 * each keeps its machine and run folder as a label so runs stay distinguishable. A file given
 * twice, or two copies of one run, is refused (exit 2): it would count every run twice.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, EXIT_CODES, type ExitCode } from '../errors.js';
import { findSameRun } from '../report/sources.js';
import { writeReport } from '../report/write.js';
import { readResults } from '../run/read-results.js';
import type { OptionSpec } from './common.js';

export const reportOptions = {
  out: { type: 'string', value: 'DIR', help: 'Write index.html, summary.md and runs.csv to DIR (default: the folder of the results file; required with several files).' },
} as const satisfies Record<string, OptionSpec>;

/** Help texts for the CLI's command table. */
export const reportCommandHelp = {
  summary: 'Rebuild the HTML report (and summary.md, runs.csv) from one or more results.json files.',
  usage: 'rewrite-bench report RESULTS.json... [--out DIR]',
  details:
    'Writes a self-contained DIR/index.html (Vega-Lite charts inlined; opens from disk, fetches nothing), DIR/summary.md for pull-request comments and DIR/runs.csv (one row per run). ' +
    'Several results files (e.g. one per CI machine) are merged: every run is labelled with its machine (hostname) and run folder (the folder of a results.json, else the file name; plus start time and git commit when those alone are equal), and summaries are per source. ' +
    'Exit 2 when a file is missing or not a results.json, or when a file is given twice or two files hold the same run (it would count every run twice).',
} as const;

/** Runs the command; the paths written go to stdout. */
export async function runReportCommand(values: { out?: string | undefined }, positionals: string[]): Promise<ExitCode> {
  if (positionals.length === 0) throw new ConfigError('Expected at least one results file: `rewrite-bench report RESULTS.json... [--out DIR]`.');
  if (positionals.length > 1 && values.out === undefined) throw new ConfigError(`Expected --out DIR when merging ${positionals.length} results files (there is no single results folder to write into).`);
  if (values.out === '') throw new ConfigError('Expected --out to name a folder, got an empty string.');
  // The same file twice would count every run twice: refuse it (exit 2) rather than guess.
  const seen = new Map<string, string>();
  for (const file of positionals) {
    const real = await realpath(file).catch(() => path.resolve(file));
    const earlier = seen.get(real);
    if (earlier !== undefined) throw new ConfigError(`Results file ${file} is given twice${earlier === file ? '' : ` (also as ${earlier})`}: merging it would count every run twice. Give each results file once.`);
    seen.set(real, file);
  }
  const inputs = [];
  // Read every file before writing anything, so a bad file leaves the output folder untouched.
  for (const file of positionals) inputs.push({ file, document: await readResults(file) });
  const same = findSameRun(inputs);
  if (same !== undefined) {
    const [first, second] = same;
    throw new ConfigError(
      `Results files ${first.file} and ${second.file} hold the same run (host ${first.document.environment?.hostname ?? 'unknown'}, started ${first.document.startedAt ?? '?'}): merging them would count every run twice. Give only one of them.`,
    );
  }
  const outDir = path.resolve(values.out ?? path.dirname(positionals[0]!));
  const written = await writeReport(inputs, outDir);
  console.log(`report: ${written.html}\nsummary: ${written.markdown}\nruns: ${written.csv}`);
  return EXIT_CODES.pass;
}
