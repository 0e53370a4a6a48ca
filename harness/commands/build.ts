/**
 * `rewrite-bench build`: builds services and prints build time, artifact size and lines of code.
 */
import { buildService, timeBuilds } from '../build/build.js';
import { engineManifest } from '../build/engine.js';
import type { BuildRecord } from '../results/document.js';
import { EXIT_CODES, type ExitCode } from '../errors.js';
import { formatBytes, formatTable } from '../format.js';
import { projectOf, resolveServiceSelection, SERVICE_OPTIONS, type OptionSpec } from './common.js';

export const buildOptions = {
  ...SERVICE_OPTIONS,
  force: { type: 'boolean', help: 'Rebuild even when the sources are unchanged.' },
  timings: {
    type: 'boolean',
    help: 'Time a clean build (after the manifest `clean` steps) and an incremental one (after a one-line edit of its `incremental` file: a comment appended, removed afterwards): claim (e).',
  },
} as const satisfies Record<string, OptionSpec>;

/** Builds the native load engine, then every selected service; one failure does not stop the others. */
export async function buildAll(
  values: { project?: string | undefined; services?: string | undefined; 'services-dir'?: string[] | undefined; force?: boolean | undefined; timings?: boolean | undefined },
  log: (line: string) => void,
): Promise<BuildRecord[]> {
  const { selected } = await resolveServiceSelection(await projectOf(values), values);
  const records: BuildRecord[] = [];
  log('building the native load engine (harness/engine)');
  records.push(await buildService(engineManifest(), { force: values.force === true, log }));
  for (const manifest of selected) {
    if (manifest.target !== undefined) {
      log(`not building ${manifest.name}: a remote target (${manifest.target.url}), built and deployed where it runs`);
      continue;
    }
    log(`building ${manifest.name}`);
    records.push(values.timings === true ? await timeBuilds(manifest, log) : await buildService(manifest, { force: values.force === true, log }));
  }
  return records;
}

function seconds(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(1)} s`;
}

/** The build table printed by `build`, `verify` and `npm start`. */
export function formatBuildTable(records: readonly BuildRecord[]): string {
  return formatTable(
    ['service', 'state', 'this build', 'last clean', 'last incremental', 'artifact', 'lines of code'],
    records.map((record) => [
      record.service,
      record.state,
      record.state === 'built' ? `${record.build.kind} ${seconds(record.build.seconds)}` : '–',
      seconds(record.lastClean?.seconds),
      `${seconds(record.lastIncremental?.seconds)}${record.lastIncremental !== undefined && record.lastIncremental.trigger !== 'edit' && record.lastIncremental.trigger !== 'sources' ? ' (touched, not edited)' : ''}`,
      record.artifactBytes === undefined ? '–' : `${formatBytes(record.artifactBytes)} (${record.artifactKind === 'directory' ? 'venv/dir' : 'binary'})`,
      `${record.linesOfCode.total} (${Object.entries(record.linesOfCode.byLanguage).map(([language, lines]) => `${language} ${lines}`).join(', ')})`,
    ]),
  );
}

/** Problems of failed or skipped builds, one paragraph each. */
export function buildProblems(records: readonly BuildRecord[]): string[] {
  return records.flatMap((record) => {
    if (record.state === 'failed') return [`${record.reason}\nLast lines of the log:\n${record.logTail}`];
    if (record.state === 'skipped') return [`Skipped ${record.service}: ${record.reason}`];
    return [];
  });
}

export async function runBuildCommand(values: Parameters<typeof buildAll>[0]): Promise<ExitCode> {
  const records = await buildAll(values, (line) => console.error(line));
  console.log(formatBuildTable(records));
  const problems = buildProblems(records);
  for (const problem of problems) console.error(`\n${problem}`);
  return problems.length === 0 ? EXIT_CODES.pass : EXIT_CODES.infrastructure;
}
