/**
 * `rewrite-bench run [SCENARIO...]`: measures scenarios and writes DIR/results.json.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadScenarios } from '../config/scenarios.js';
import { EXIT_CODES, type ExitCode } from '../errors.js';
import { ROOT, REPORTS_DIR, SCENARIOS_DIR } from '../paths.js';
import { allowedCpus } from '../run/environment.js';
import { createProgress } from '../run/progress.js';
import { runSuite } from '../run/run.js';
import { formatRunSummary } from '../run/summary.js';
import { resolveServiceSelection, SERVICE_OPTIONS, type OptionSpec } from './common.js';

export const runOptions = {
  ...SERVICE_OPTIONS,
  out: { type: 'string', value: 'DIR', help: 'Write results.json (and reports) to DIR (default reports/runs/<date-time>).' },
  'skip-verify': { type: 'boolean', help: 'Do not check the services against the contract first (by default a service that does not conform is not measured).' },
  quick: { type: 'boolean', help: 'Use each scenario’s `quick` timings (shorter, fewer repetitions): the default suite in about 2 minutes.' },
} as const satisfies Record<string, OptionSpec>;

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export async function runRunCommand(values: { services?: string | undefined; 'services-dir'?: string[] | undefined; out?: string | undefined; quick?: boolean | undefined; 'skip-verify'?: boolean | undefined }, positionals: string[]): Promise<ExitCode> {
  // Everything is validated before any process starts.
  const scenarios = await loadScenarios(SCENARIOS_DIR, positionals, { quick: values.quick === true, availableCpus: (await allowedCpus()).length });
  const { selected, upstream } = await resolveServiceSelection(values);
  const outDir = path.resolve(values.out ?? path.join(REPORTS_DIR, 'runs', timestamp()));
  const version = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  console.error(`rewrite-bench run: ${scenarios.length} scenario(s), services ${selected.map((s) => s.name).join(', ')}; results in ${outDir}/results.json`);
  const document = await runSuite({ scenarios, services: selected, upstream, outDir, progress: createProgress(), toolVersion: version, verifyFirst: values['skip-verify'] !== true });
  console.log(formatRunSummary(document));
  console.log(`\nresults: ${path.join(outDir, 'results.json')}`);
  return document.failures.length > 0 ? EXIT_CODES.infrastructure : EXIT_CODES.pass;
}
