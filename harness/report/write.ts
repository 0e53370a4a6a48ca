/**
 * Writes a report beside the results: DIR/index.html (self-contained, opens from disk),
 * DIR/summary.md (for pull-request comments) and DIR/runs.csv, each atomically (temporary file in
 * the same folder, then rename). Reads the vega, vega-lite and vega-embed browser builds from
 * node_modules. I/O.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InfrastructureError } from '../errors.js';
import type { ResultsDocument } from '../results/document.js';
import type { ReportBundles } from './html.js';
import { renderReport } from './render.js';
import type { ReportInput } from './sources.js';

const require = createRequire(import.meta.url);

/** The minified browser build of `name`, beside its package entry point (build/<file>). */
async function readBundle(name: string, file: string): Promise<string> {
  let location: string;
  try {
    location = path.join(path.dirname(require.resolve(name)), file);
  } catch (cause) {
    throw new InfrastructureError(`Cannot find the ${name} package for the HTML report: ${(cause as Error).message}. Run \`npm ci\`.`, { cause });
  }
  try {
    return await readFile(location, 'utf8');
  } catch (cause) {
    throw new InfrastructureError(`Cannot read ${location} for the HTML report: ${(cause as Error).message}. Run \`npm ci\` (the package's browser build is missing).`, { cause });
  }
}

/** The three browser bundles the page inlines. */
export async function readBundles(): Promise<ReportBundles> {
  const [vega, vegaLite, vegaEmbed] = await Promise.all([readBundle('vega', 'vega.min.js'), readBundle('vega-lite', 'vega-lite.min.js'), readBundle('vega-embed', 'vega-embed.min.js')]);
  return { vega, vegaLite, vegaEmbed };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** What writeReport accepts: a document (labelled `results.json`), a document with its file, or several. */
export type ReportSourceInput = ResultsDocument | ReportInput;

function isInput(value: ReportSourceInput): value is ReportInput {
  return 'document' in value && 'file' in value && typeof (value as ReportInput).file === 'string';
}

/** Normalizes writeReport's argument into labelled inputs. */
export function toInputs(input: ReportSourceInput | readonly ReportSourceInput[]): ReportInput[] {
  const list: readonly ReportSourceInput[] = Array.isArray(input) ? input : [input as ReportSourceInput];
  return list.map((item) => (isInput(item) ? item : { file: 'results.json', document: item }));
}

/**
 * Writes index.html, summary.md and runs.csv into `outDir` (created if missing).
 * @param input one results document, `{ file, document }`, or a list of either (merged, each source labelled by hostname and file)
 * @returns the absolute paths written
 * @throws InfrastructureError when the vega bundles cannot be read
 */
export async function writeReport(input: ReportSourceInput | readonly ReportSourceInput[], outDir: string): Promise<{ html: string; markdown: string; csv: string }> {
  const inputs = toInputs(input);
  const rendered = renderReport(inputs, await readBundles());
  const directory = path.resolve(outDir);
  await mkdir(directory, { recursive: true });
  const paths = { html: path.join(directory, 'index.html'), markdown: path.join(directory, 'summary.md'), csv: path.join(directory, 'runs.csv') };
  await Promise.all([writeAtomic(paths.html, rendered.html), writeAtomic(paths.markdown, rendered.markdown), writeAtomic(paths.csv, rendered.csv)]);
  return paths;
}
