/**
 * `rewrite-bench run [SCENARIO...]`: measures scenarios and writes DIR/results.json.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { formatClaims } from '../claims/format.js';
import { resolveClaims } from '../config/claims.js';
import { readYamlFile } from '../config/yaml-file.js';
import path from 'node:path';
import { loadScenarios } from '../config/scenarios.js';
import { EXIT_CODES, type ExitCode } from '../errors.js';
import { ROOT, REPORTS_DIR, SCENARIOS_DIR } from '../paths.js';
import { allowedCpus } from '../run/environment.js';
import { createProgress } from '../run/progress.js';
import { runSuite } from '../run/run.js';
import { writeReport } from '../report/write.js';
import { formatRunSummary } from '../run/summary.js';
import { resolveServiceSelection, SERVICE_OPTIONS, type OptionSpec } from './common.js';

export const runOptions = {
  ...SERVICE_OPTIONS,
  out: { type: 'string', value: 'DIR', help: 'Write results.json (and reports) to DIR (default reports/runs/<date-time>).' },
  claims: {
    type: 'string',
    value: 'FILE',
    help: 'Evaluate the claims in FILE after measuring; exit 1 when any is refuted. Without it, scenarios/claims.yaml (the seed claims) is evaluated and shown without changing the exit code.',
  },
  'skip-verify': { type: 'boolean', help: 'Do not check the services against the contract first (by default a service that does not conform is not measured).' },
  quick: { type: 'boolean', help: 'Use each scenario’s `quick` timings (shorter, fewer repetitions): the default suite in about 2 minutes.' },
} as const satisfies Record<string, OptionSpec>;

const DEFAULT_CLAIMS = path.join(SCENARIOS_DIR, 'claims.yaml');

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export async function runRunCommand(values: { services?: string | undefined; 'services-dir'?: string[] | undefined; out?: string | undefined; quick?: boolean | undefined; 'skip-verify'?: boolean | undefined; claims?: string | undefined }, positionals: string[]): Promise<ExitCode> {
  // Everything is validated before any process starts.
  const scenarios = await loadScenarios(SCENARIOS_DIR, positionals, { quick: values.quick === true, availableCpus: (await allowedCpus()).length });
  const { selected, upstream } = await resolveServiceSelection(values);
  const allScenarioNames = (await loadScenarios(SCENARIOS_DIR, [], { quick: false, availableCpus: Number.MAX_SAFE_INTEGER })).map((scenario) => scenario.name);
  const claimsFile = values.claims ?? (existsSync(DEFAULT_CLAIMS) ? DEFAULT_CLAIMS : undefined);
  const claims = claimsFile === undefined ? undefined : resolveClaims(await readYamlFile(claimsFile), path.relative(process.cwd(), claimsFile) || claimsFile, [...new Set([...allScenarioNames, ...scenarios.map((scenario) => scenario.name)])]);
  const outDir = path.resolve(values.out ?? path.join(REPORTS_DIR, 'runs', timestamp()));
  const version = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  console.error(`rewrite-bench run: ${scenarios.length} scenario(s), services ${selected.map((s) => s.name).join(', ')}; results in ${outDir}/results.json`);
  const document = await runSuite({ scenarios, services: selected, upstream, outDir, progress: createProgress(), toolVersion: version, verifyFirst: values['skip-verify'] !== true, verifyRandomPerEndpoint: values.quick === true ? 10 : 50, claims });
  console.log(formatRunSummary(document));
  if (document.claims !== undefined) console.log(`\n${formatClaims(document.claims.results, document.claims.capacity)}`);
  const report = await writeReport({ file: path.join(outDir, 'results.json'), document }, outDir);
  console.log(`\nresults: ${path.join(outDir, 'results.json')}\nreport:  ${report.html} (opens from disk), ${path.basename(report.markdown)}, ${path.basename(report.csv)}`);
  if (document.failures.length > 0) return EXIT_CODES.infrastructure;
  // Only an explicit --claims makes a refuted claim fail the command (CI gating on claims).
  if (values.claims !== undefined && document.claims?.results.some((result) => result.verdict === 'refuted')) return EXIT_CODES.regression;
  return EXIT_CODES.pass;
}
