/**
 * `rewrite-bench gate`: compares a candidate with a baseline — two results files, or two service
 * folders measured in rounds in this job (back to back, the order alternating: A B, B A, …) —
 * and fails on a significant regression beyond the limit or a broken budget, following a
 * stopping plan fixed in advance (gate/plan.ts): the in-job mode measures the plan's first stage,
 * decides, and measures the next stage only while some comparison is undecided. Writes Markdown
 * (also to $GITHUB_STEP_SUMMARY) and JUnit XML.
 */
import { execa } from 'execa';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveManifest, type ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { loadScenarios } from '../config/scenarios.js';
import { readYamlFile } from '../config/yaml-file.js';
import { checkEnvFrom } from '../config/service-env.js';
import { ConfigError, InfrastructureError, type ExitCode } from '../errors.js';
import { parseBudget, type Budget } from '../gate/budget.js';
import { decideGate, type GateOutcome } from '../gate/outcome.js';
import { describePositions, gateJUnit, gateMarkdown } from '../gate/render.js';
import { checkPlan, DEFAULT_METRICS, DEFAULT_PLAN, describePlan, planWithStages, type GatePlan } from '../gate/plan.js';
import { continueRuns, GATE_SIDES, mergeStages, ratesOffered, stageScenario } from '../gate/stage-runs.js';
import type { ResolvedProject } from '../config/project.js';
import { allowedCpus } from '../run/environment.js';
import { createProgress } from '../run/progress.js';
import { readResults } from '../run/read-results.js';
import { runReferenceCheck } from '../run/reference-check.js';
import { describeVerdict } from '../verify/against-reference.js';
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { runSuite } from '../run/run.js';
import { writeReport } from '../report/write.js';
import { writeJsonAtomic } from '../run/write-results.js';
import { RUN_METRICS } from '../stats/metrics.js';
import { PROJECT_OPTION, projectOf, resolveServiceSelection, type OptionSpec } from './common.js';

export const gateCommandHelp = {
  summary: 'CI gate: fail on a significant regression beyond the limit, or a broken budget (exit 1).',
  usage:
    'rewrite-bench gate --baseline A.json --candidate B.json [--metric p50 --metric p99] [--max-regression 10%] [--budget "p99 < 50ms"] [--junit FILE] [--markdown FILE]\n' +
    '       rewrite-bench gate --baseline-service DIR --candidate-service DIR --scenario NAME [--stages 5,10,20 | --repetitions N] [...]\n' +
    '       rewrite-bench gate --service NAME --baseline-ref main [--candidate-ref HEAD] --scenario NAME [...]',
  details:
    'Follows a stopping plan fixed in advance: looks after 5, 10 and 20 rounds (runs a side, --stages), exact sequential levels (earlier looks at half the last look\'s), so that over all looks, metrics and points (Holm) a change of exactly --max-regression is flagged at most alpha of the time. ' +
    'Rounds are paired: per round, the candidate\'s value over the baseline\'s; the limit is inside the test (the ratio divided by 1 + limit must still be above 1): one-sided exact signed-rank test on the log ratios, the sign test for p99, p999 and max; a run that does not count (invalid, or moved by another tenant) is ranked the worst of its side. Failed requests: any against none fails, otherwise an exact test on the pooled counts; sustained rate: McNemar\'s exact test on the rounds where only one side saturated. An earlier look passes a comparison that shows no sign of a regression (p > 0.6, then 0.5); the last look passes or fails it (borderline: a change it could not confirm). ' +
    'The in-job mode measures both sides in rounds on this machine, back to back, the order alternating (the way to gate on shared CI runners), in a scenario of the project: two service folders, or the project\'s service NAME at two git refs (temporary worktrees; the candidate defaults to the working tree); it measures the next stage only while a comparison is undecided. File mode pairs the files\' runs by repetition and judges them as the plan would have, look by look. Budgets are checked on the candidate. ' +
    'When the scenario names a `reference:`, the candidate\'s answers are first compared with the baseline\'s, the baseline in the reference\'s place (the check `run` and `compare` do): a candidate that answers differently is not measured and fails the gate; without a `reference:` answers are not compared, and the output says so. ' +
    'Exit 0 pass, 1 regression or budget broken, 2 bad configuration, 3 undecided (the plan needs more runs than the files hold), nothing comparable or infrastructure failure.',
} as const;

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
  stages: { type: 'string', value: 'N,N,...', help: `Rounds (runs per side) at each look of the stopping plan (default ${DEFAULT_PLAN.stages.map((stage) => stage.runsPerSide).join(',')}): exact sequential levels, earlier looks at half the last look's, all of alpha spent over them; an earlier look passes a comparison when p > 0.6 (first) or 0.5. The in-job mode measures a stage only while a comparison is undecided.` },
  repetitions: { type: 'string', value: 'N', help: 'A one-look plan instead: decide once, after N rounds (no early stopping; at least 5 at alpha 0.05).' },
  metric: { type: 'string', multiple: true, value: 'NAME', help: `Metric to compare (repeatable; default p50 and p99: p50 for the service's own time, p99 for its tail beyond the platform's jitter). One of ${Object.keys(RUN_METRICS).join(', ')}.` },
  'max-regression': { type: 'string', value: 'PCT', help: 'Largest tolerated worsening, e.g. 10% (default 10%): inside the test (the candidate ÷ 1.1 must still be worse), not a floor on the medians.' },
  alpha: { type: 'string', value: 'P', help: 'False-alarm rate of the whole gate for a change of exactly --max-regression, over all looks, metrics and points (default 0.05; Holm over the comparisons).' },
  budget: { type: 'string', multiple: true, value: 'EXPR', help: 'k6-style budget on the candidate, e.g. "p99 < 50ms", "errors == 0" (repeatable).' },
  junit: { type: 'string', value: 'FILE', help: 'Write JUnit XML here.' },
  markdown: { type: 'string', value: 'FILE', help: 'Write the Markdown summary here (it is also appended to $GITHUB_STEP_SUMMARY when set).' },
  out: { type: 'string', value: 'DIR', help: 'In-job mode: where results.json (all stages) goes, each stage\'s own in DIR/stage-N (default a temporary folder).' },
} as const satisfies Record<string, OptionSpec>;

type GateValues = { [K in keyof typeof gateOptions]?: (typeof gateOptions)[K] extends { multiple: true } ? string[] : string };

/** Most runs per side of one stage: a scenario's `repetitions` limit. */
const MAX_STAGE_RUNS = 100;

/** The stopping plan from --stages or --repetitions, --max-regression and --alpha; validated. */
function parsePlan(values: GateValues): GatePlan {
  const text = values['max-regression'] ?? '10%';
  const match = /^([0-9]+(?:\.[0-9]+)?)%?$/.exec(text);
  if (match === null) throw new ConfigError(`Expected --max-regression to be a percentage such as 10%, got \`${text}\`.`);
  const alpha = Number(values.alpha ?? String(DEFAULT_PLAN.alpha));
  if (!(alpha > 0 && alpha < 1)) throw new ConfigError(`Expected --alpha to be a number between 0 and 1, got \`${values.alpha}\`.`);
  if (values.stages !== undefined && values.repetitions !== undefined) throw new ConfigError('Give either --stages (a plan of several looks) or --repetitions (one look), not both.');
  let runs = DEFAULT_PLAN.stages.map((stage) => stage.runsPerSide);
  if (values.repetitions !== undefined) {
    const repetitions = Number(values.repetitions);
    if (!Number.isInteger(repetitions) || repetitions < 1) throw new ConfigError(`Expected --repetitions to be a positive integer, got \`${values.repetitions}\`.`);
    runs = [repetitions];
  } else if (values.stages !== undefined) {
    runs = values.stages.split(',').map((part) => Number(part.trim()));
    if (runs.some((value) => !Number.isInteger(value) || value < 1)) throw new ConfigError(`Expected --stages to be increasing positive integers such as 5,10,20, got \`${values.stages}\`.`);
  }
  const plan = planWithStages(runs, Number(match[1]) / 100, alpha);
  const problems = checkPlan(plan);
  if (plan.stages.some((stage, index) => stage.runsPerSide - (plan.stages[index - 1]?.runsPerSide ?? 0) > MAX_STAGE_RUNS)) problems.push(`a stage may add at most ${MAX_STAGE_RUNS} runs a side`);
  if (problems.length > 0) {
    const option = values.repetitions !== undefined ? `--repetitions ${values.repetitions}` : `--stages ${values.stages ?? runs.join(',')}`;
    throw new ConfigError(`Cannot use the gate plan of ${option} at --alpha ${alpha}: ${problems.join('; ')}.`);
  }
  return plan;
}

function parseMetrics(values: GateValues): string[] {
  const metrics = values.metric ?? [...DEFAULT_METRICS];
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

interface GateJob {
  readonly metrics: readonly string[];
  readonly budgets: readonly Budget[];
  readonly plan: GatePlan;
}

async function measureInJob(values: GateValues, job: GateJob): Promise<GateOutcome> {
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const project = await projectOf(values);
    const [baselineDir, candidateDir] = await serviceFolders(values, project, cleanup);
    return await measureFolders(values, project, baselineDir, candidateDir, job);
  } finally {
    for (const step of cleanup) await step();
  }
}

/**
 * The in-job gate's equivalence check. A scenario that names a `reference:` is checked the way
 * `run` checks it, with the baseline in the reference's place: the candidate gets the scenario's
 * seeded requests beside two instances of the baseline; one that answers differently is not
 * measured and fails the gate (exit 1), one that cannot be asked is an infrastructure failure.
 * A scenario without a `reference:` is only measured, and the gate says so.
 * @returns the note for the gate's output, and the failed outcome when the candidate differs
 */
async function checkAnswers(projectRoot: string, scenario: ResolvedScenario, baseline: ResolvedManifest, candidate: ResolvedManifest, plan: GatePlan): Promise<{ note: string; failed?: GateOutcome }> {
  if (scenario.reference === undefined) {
    const note = `The candidate's answers were not compared with the baseline's: scenario ${scenario.name} names no \`reference:\` (with one, the gate checks them first, as \`run\` does).`;
    console.error(`gate: ${note}`);
    return { note };
  }
  console.error(`gate: scenario ${scenario.name} names a reference service: comparing the candidate's answers with the baseline's before measuring`);
  const check = await runReferenceCheck({ ...scenario, reference: 'baseline', services: [...GATE_SIDES] }, baseline, [candidate], { projectRoot, log: (line) => console.error(`gate: ${line}`) });
  const verdict = check.verdicts[0]!;
  if (verdict.state === 'pass') return { note: `The candidate answered the scenario's ${check.requests} compared requests like the baseline (its reference check, with the baseline as the reference).` };
  const message = describeVerdict(verdict, 'baseline', scenario.name);
  console.error(`gate: ${message}`);
  if (verdict.error !== undefined) throw new InfrastructureError(`The gate could not compare the candidate's answers with the baseline's: ${verdict.error}`);
  const failed: GateOutcome = {
    plan,
    stageReached: undefined,
    runsTaken: { baseline: 0, candidate: 0 },
    needsMoreRuns: false,
    rows: [],
    budgets: [],
    notes: message.split('\n'),
    exitCode: 1,
    summary: 'FAIL: the candidate answers differently from the baseline (not measured)',
  };
  return { note: message, failed };
}

/**
 * Measures the plan's stages in turn, both sides interleaved in each, deciding after each stage
 * and going on only while some comparison awaits more runs. Every stage's results go to
 * OUT/stage-N/results.json; OUT/results.json holds all stages so far.
 */
async function measureFolders(values: GateValues, project: ResolvedProject, baselineDir: string, candidateDir: string, job: GateJob): Promise<GateOutcome> {
  const baseline = await loadServiceFolder(baselineDir, 'baseline');
  const candidate = await loadServiceFolder(candidateDir, 'candidate');
  if (values.scenario === undefined) throw new ConfigError('In-job mode needs --scenario NAME|FILE: the scenario both sides are measured in (a name from the project\'s scenarios, or a path).');
  const [scenario] = await loadScenarios(project.scenariosDir, [values.scenario], { quick: false, availableCpus: (await allowedCpus()).length });
  const workload = scenario!.workload;
  for (const manifest of [baseline, candidate]) {
    if (!manifest.implements.includes(workload)) throw new ConfigError(`${manifest.file} does not implement \`${workload}\`, which scenario ${scenario!.name} needs.`);
  }
  checkEnvFrom([baseline, candidate], process.env);
  const { plan } = job;
  const answers = await checkAnswers(project.root, scenario!, baseline, candidate, plan);
  if (answers.failed !== undefined) return answers.failed;
  const outDir = values.out ?? (await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-gate-')));
  const resultsFile = path.join(outDir, 'results.json');
  // One name for both sides, so their points line up.
  const serviceName = values.service ?? path.basename(path.resolve(baselineDir));
  const as = (document: ResultsDocument, side: string): RunRecord[] => document.runs.filter((run) => run.service === side).map((run) => ({ ...run, service: serviceName }));
  const fractions = scenario!.load.model === 'open' ? scenario!.load.capacityFractions : undefined;
  console.error(`gate: plan: ${describePlan(plan)}`);
  let first: ResultsDocument | undefined;
  const later: ResultsDocument[] = [];
  for (const [index, stage] of plan.stages.entries()) {
    const before = index === 0 ? 0 : plan.stages[index - 1]!.runsPerSide;
    if (index > 0) console.error(`gate: look ${index} of ${plan.stages.length} left comparisons undecided; measuring stage ${index + 1}: runs ${before + 1}–${stage.runsPerSide} of each side`);
    const document = await runSuite({
      scenarios: [stageScenario(scenario!, plan, index, first === undefined ? undefined : ratesOffered(scenario!, first))],
      services: [baseline, candidate],
      projectRoot: project.root,
      outDir: path.join(outDir, `stage-${index + 1}`),
      progress: createProgress(),
      toolVersion: 'gate',
      verifyFirst: false,
      claims: undefined,
      // Both sides at the baseline's load: a candidate that lost capacity must not be tested lighter.
      // Later stages are offered stage 1's absolute rates, so the baseline is probed once.
      ratesFrom: 'baseline',
      // The rounds alternate across stages as in one long run (B C, C B, …).
      roundOffset: before,
      // The gate decides on the two sides alone: the platform floor (measured by `run`) would only add time to the job.
      floor: false,
    });
    if (first === undefined) first = document;
    else later.push({ ...document, runs: continueRuns(document.runs, before, fractions) });
    const merged = mergeStages(first, later, scenario!, stage.runsPerSide);
    await writeJsonAtomic(resultsFile, merged);
    for (const failure of document.failures) console.error(`gate: ${[failure.scenario, failure.service].filter(Boolean).join(' / ')}: ${failure.message}`);
    if (document.failures.some((failure) => failure.service === 'baseline' || failure.service === 'candidate')) {
      console.error(`gate: measurements in ${resultsFile}`);
      throw new InfrastructureError(`The gate could not measure both sides: ${document.failures.map((failure) => failure.message.split('\n')[0]).join('; ')}`);
    }
    const problems = merged.state === 'complete' ? [] : [`the run ended ${merged.state}`];
    const outcome = decideGate(as(merged, 'baseline'), as(merged, 'candidate'), job.metrics, job.budgets, plan, { candidateProblems: problems, notes: [answers.note, describePositions(merged.runs)] });
    if (!outcome.needsMoreRuns || problems.length > 0 || index === plan.stages.length - 1) {
      // The report of every stage's runs, beside results.json (what a CI job uploads).
      const report = await writeReport({ file: resultsFile, document: merged }, outDir);
      console.error(`gate: measurements in ${resultsFile}; report ${report.html}`);
      return outcome;
    }
  }
  // The plan has at least one stage (checkPlan), and its last stage returns above.
  throw new Error('unreachable: the gate plan has no stage');
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
  const plan = parsePlan(values);
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
    const outcome = decideGate(baselineDocument.runs, candidateDocument.runs, metrics, budgets, plan, { notes, candidateProblems: problems });
    await writeOutputs(outcome, values);
    return outcome.exitCode;
  }
  const outcome = await measureInJob(values, { metrics, budgets, plan });
  await writeOutputs(outcome, values);
  return outcome.exitCode;
}
