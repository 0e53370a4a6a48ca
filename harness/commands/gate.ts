/**
 * `rewrite-bench gate`: compares a candidate with a baseline — two results files, or two service
 * folders measured interleaved in this job — and fails on a significant regression beyond the
 * limit or a broken budget. Writes Markdown (also to $GITHUB_STEP_SUMMARY) and JUnit XML.
 */
import { execa } from 'execa';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveManifest, type ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { loadScenarios } from '../config/scenarios.js';
import { readYamlFile } from '../config/yaml-file.js';
import { ConfigError, InfrastructureError, type ExitCode } from '../errors.js';
import { parseBudget, type Budget } from '../gate/budget.js';
import { DEFAULT_REPETITIONS, DEFAULT_RULE, type GateRule } from '../gate/decide.js';
import { decideGate, gateJUnit, gateMarkdown, type GateOutcome } from '../gate/outcome.js';
import type { ResolvedProject } from '../config/project.js';
import { allowedCpus } from '../run/environment.js';
import { createProgress } from '../run/progress.js';
import { readResults } from '../run/read-results.js';
import type { RunRecord } from '../results/document.js';
import { runSuite } from '../run/run.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { PROJECT_OPTION, projectOf, resolveServiceSelection, type OptionSpec } from './common.js';

export const gateOptions = {
  baseline: { type: 'string', value: 'FILE', help: 'Baseline results.json.' },
  candidate: { type: 'string', value: 'FILE', help: 'Candidate results.json (same scenarios and services are compared).' },
  'baseline-service': { type: 'string', value: 'DIR', help: 'In-job mode: the baseline service folder (with service.yaml); measured interleaved with the candidate.' },
  'candidate-service': { type: 'string', value: 'DIR', help: 'In-job mode: the candidate service folder.' },
  'baseline-ref': { type: 'string', value: 'REF', help: 'In-job mode: measure --service at this git ref (checked out in a temporary worktree) as the baseline.' },
  'candidate-ref': { type: 'string', value: 'REF', help: 'In-job mode: ... and at this git ref as the candidate (default: the working tree).' },
  service: { type: 'string', value: 'NAME', help: 'With --baseline-ref: the service folder services/NAME to compare.' },
  ...PROJECT_OPTION,
  scenario: { type: 'string', value: 'NAME|FILE', help: 'In-job mode: the scenario to measure, from the project\'s scenarios or a path.' },
  repetitions: { type: 'string', value: 'N', help: `In-job mode: runs per side (default ${DEFAULT_REPETITIONS}, from \`npm run bench:gate\` on this kind of machine; at least 4).` },
  metric: { type: 'string', multiple: true, value: 'NAME', help: `Metric to compare (repeatable; default p99). One of ${Object.keys(RUN_METRICS).join(', ')}.` },
  'max-regression': { type: 'string', value: 'PCT', help: 'Largest tolerated worsening of the median, e.g. 10% (default 10%).' },
  alpha: { type: 'string', value: 'P', help: 'Significance level of the one-sided Mann-Whitney test (default 0.05).' },
  budget: { type: 'string', multiple: true, value: 'EXPR', help: 'k6-style budget on the candidate, e.g. "p99 < 50ms", "errors == 0" (repeatable).' },
  junit: { type: 'string', value: 'FILE', help: 'Write JUnit XML here.' },
  markdown: { type: 'string', value: 'FILE', help: 'Write the Markdown summary here (it is also appended to $GITHUB_STEP_SUMMARY when set).' },
  out: { type: 'string', value: 'DIR', help: 'In-job mode: where results.json goes (default a temporary folder).' },
} as const satisfies Record<string, OptionSpec>;

type GateValues = { [K in keyof typeof gateOptions]?: (typeof gateOptions)[K] extends { multiple: true } ? string[] : string };

function parseRule(values: GateValues): GateRule {
  const text = values['max-regression'] ?? '10%';
  const match = /^([0-9]+(?:\.[0-9]+)?)%?$/.exec(text);
  if (match === null) throw new ConfigError(`Expected --max-regression to be a percentage such as 10%, got \`${text}\`.`);
  const alpha = Number(values.alpha ?? '0.05');
  if (!(alpha > 0 && alpha < 1)) throw new ConfigError(`Expected --alpha to be a number between 0 and 1, got \`${values.alpha}\`.`);
  return { ...DEFAULT_RULE, maxRegression: Number(match[1]) / 100, alpha };
}

function parseMetrics(values: GateValues): string[] {
  const metrics = values.metric ?? ['p99'];
  for (const metric of metrics) {
    if (!Object.hasOwn(RUN_METRICS, metric)) throw new ConfigError(`Unknown --metric \`${metric}\`. Expected one of ${Object.keys(RUN_METRICS).join(', ')}.`);
  }
  return metrics;
}

function parseBudgets(values: GateValues): Budget[] {
  return (values.budget ?? []).map((text) => {
    try {
      return parseBudget(text);
    } catch (cause) {
      throw new ConfigError(`Cannot read --budget \`${text}\`: ${(cause as Error).message}.`, { cause });
    }
  });
}

async function loadServiceFolder(dir: string, name: 'baseline' | 'candidate'): Promise<ResolvedManifest> {
  const file = path.join(path.resolve(dir), 'service.yaml');
  const manifest = resolveManifest(await readYamlFile(file), file);
  // Both sides may be the same service at two versions: name them by their role.
  return Object.freeze({ ...manifest, name, description: `${manifest.name} (${name}): ${manifest.description}` });
}

/** Checks `ref` of the repository at `gitRoot` out into a temporary worktree and returns its folder (removed by `cleanup`). */
async function worktreeAt(gitRoot: string, ref: string, cleanup: Array<() => Promise<unknown>>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-ref-'));
  const added = await execa('git', ['worktree', 'add', '--detach', dir, ref], { cwd: gitRoot, reject: false, stdin: 'ignore' });
  if (added.failed) throw new ConfigError(`Cannot check out git ref \`${ref}\`: ${String(added.stderr).trim().split('\n').pop()}`);
  cleanup.push(() => execa('git', ['worktree', 'remove', '--force', dir], { cwd: gitRoot, reject: false }));
  return dir;
}

/**
 * The two service folders of the in-job mode: given directly, or the folder of the project's
 * service NAME at two git refs (the same path inside each checkout).
 */
async function serviceFolders(values: GateValues, project: ResolvedProject, cleanup: Array<() => Promise<unknown>>): Promise<[string, string]> {
  if (values['baseline-ref'] === undefined) return [values['baseline-service']!, values['candidate-service']!];
  if (values.service === undefined) throw new ConfigError('--baseline-ref needs --service NAME (a service of the project, compared at two git refs).');
  const { selected } = await resolveServiceSelection(project, { services: values.service });
  const serviceDir = selected[0]!.dir;
  const top = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: serviceDir, reject: false, stdin: 'ignore' });
  if (top.failed) throw new ConfigError(`--baseline-ref needs the service folder ${serviceDir} to be in a git repository: ${String(top.stderr).trim()}`);
  const gitRoot = String(top.stdout).trim();
  const relative = path.relative(gitRoot, serviceDir);
  const baselineRoot = await worktreeAt(gitRoot, values['baseline-ref'], cleanup);
  const candidateRoot = values['candidate-ref'] === undefined ? gitRoot : await worktreeAt(gitRoot, values['candidate-ref'], cleanup);
  return [path.join(baselineRoot, relative), path.join(candidateRoot, relative)];
}

async function measureInJob(values: GateValues): Promise<{ baseline: RunRecord[]; candidate: RunRecord[]; problems: string[] }> {
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const project = await projectOf(values);
    const [baselineDir, candidateDir] = await serviceFolders(values, project, cleanup);
    return await measureFolders(values, project, baselineDir, candidateDir);
  } finally {
    for (const step of cleanup) await step();
  }
}

async function measureFolders(values: GateValues, project: ResolvedProject, baselineDir: string, candidateDir: string): Promise<{ baseline: RunRecord[]; candidate: RunRecord[]; problems: string[] }> {
  const repetitions = Number(values.repetitions ?? String(DEFAULT_REPETITIONS));
  if (!Number.isInteger(repetitions) || repetitions < 4) throw new ConfigError(`Expected --repetitions to be an integer >= 4, got \`${values.repetitions}\`.`);
  const baseline = await loadServiceFolder(baselineDir, 'baseline');
  const candidate = await loadServiceFolder(candidateDir, 'candidate');
  if (values.scenario === undefined) throw new ConfigError('In-job mode needs --scenario NAME|FILE: the scenario both sides are measured in (a name from the project\'s scenarios, or a path).');
  const [scenario] = await loadScenarios(project.scenariosDir, [values.scenario], { quick: false, availableCpus: (await allowedCpus()).length });
  const workload = scenario!.workload;
  for (const manifest of [baseline, candidate]) {
    if (!manifest.implements.includes(workload)) throw new ConfigError(`${manifest.file} does not implement \`${workload}\`, which scenario ${scenario!.name} needs.`);
  }
  const measured: ResolvedScenario = Object.freeze({ ...scenario!, services: ['baseline', 'candidate'], repetitions });
  const outDir = values.out ?? (await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-gate-')));
  const document = await runSuite({
    scenarios: [measured],
    services: [baseline, candidate],
    projectRoot: project.root,
    outDir,
    progress: createProgress(),
    toolVersion: 'gate',
    verifyFirst: false,
    claims: undefined,
    // Both sides at the baseline's load: a candidate that lost capacity must not be tested lighter.
    ratesFrom: 'baseline',
  });
  console.error(`gate: measurements in ${path.join(outDir, 'results.json')}`);
  for (const failure of document.failures) console.error(`gate: ${[failure.scenario, failure.service].filter(Boolean).join(' / ')}: ${failure.message}`);
  if (document.failures.some((failure) => failure.service === 'baseline' || failure.service === 'candidate')) {
    throw new InfrastructureError(`The gate could not measure both sides: ${document.failures.map((failure) => failure.message.split('\n')[0]).join('; ')}`);
  }
  // One name for both sides, so their points line up.
  const as = (side: string): RunRecord[] => document.runs.filter((run) => run.service === side).map((run) => ({ ...run, service: serviceName }));
  const serviceName = values.service ?? path.basename(path.resolve(baselineDir));
  return { baseline: as('baseline'), candidate: as('candidate'), problems: document.state === 'complete' ? [] : [`the run ended ${document.state}`] };
}

async function writeOutputs(outcome: GateOutcome, values: GateValues): Promise<void> {
  const markdown = gateMarkdown(outcome, 'rewrite-bench gate');
  console.log(markdown);
  if (values.markdown !== undefined) await writeFile(values.markdown, markdown);
  if (values.junit !== undefined) await writeFile(values.junit, gateJUnit(outcome));
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile !== undefined && summaryFile !== '') await appendFile(summaryFile, markdown);
}

export async function runGateCommand(values: GateValues): Promise<ExitCode> {
  const byRef = values['baseline-ref'] !== undefined || values['candidate-ref'] !== undefined;
  if (byRef && (values['baseline-service'] !== undefined || values['candidate-service'] !== undefined)) throw new ConfigError('Give either service folders or git refs, not both.');
  if (values['candidate-ref'] !== undefined && values['baseline-ref'] === undefined) throw new ConfigError('--candidate-ref needs --baseline-ref.');
  const inJob = byRef || values['baseline-service'] !== undefined || values['candidate-service'] !== undefined;
  const fromFiles = values.baseline !== undefined || values.candidate !== undefined;
  if (inJob === fromFiles) throw new ConfigError('Give either --baseline FILE and --candidate FILE, or --baseline-service DIR and --candidate-service DIR. See rewrite-bench gate --help.');
  if (inJob && !byRef && (values['baseline-service'] === undefined || values['candidate-service'] === undefined)) throw new ConfigError('In-job mode needs both --baseline-service and --candidate-service.');
  if (fromFiles && (values.baseline === undefined || values.candidate === undefined)) throw new ConfigError('File mode needs both --baseline and --candidate.');
  const rule = parseRule(values);
  const metrics = parseMetrics(values);
  const budgets = parseBudgets(values);
  if (fromFiles) {
    const [baselineDocument, candidateDocument] = await Promise.all([readResults(values.baseline!), readResults(values.candidate!)]);
    const notes: string[] = [];
    if (path.resolve(values.baseline!) === path.resolve(values.candidate!)) notes.push(`baseline and candidate are the same file (${values.baseline}): this compares a run with itself`);
    const problems: string[] = [];
    if (candidateDocument.state !== 'complete') problems.push(`${values.candidate} is ${candidateDocument.state}, not complete`);
    for (const failure of candidateDocument.failures) problems.push(`${values.candidate}: ${[failure.scenario, failure.service].filter(Boolean).join(' / ')}: ${failure.message.split('\n')[0]}`);
    if (baselineDocument.state !== 'complete') notes.push(`the baseline ${values.baseline} is ${baselineDocument.state}, not complete`);
    const outcome = decideGate(baselineDocument.runs, candidateDocument.runs, metrics, budgets, rule, { notes, candidateProblems: problems });
    await writeOutputs(outcome, values);
    return outcome.exitCode;
  }
  const measured = await measureInJob(values);
  const outcome = decideGate(measured.baseline, measured.candidate, metrics, budgets, rule, { candidateProblems: measured.problems });
  await writeOutputs(outcome, values);
  return outcome.exitCode;
}
