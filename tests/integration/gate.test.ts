/**
 * The gate as CI calls it: exit 0 for an A/A comparison, 1 for a regression, 2 for bad usage,
 * 3 when nothing is comparable; Markdown to $GITHUB_STEP_SUMMARY and JUnit XML. File mode uses
 * results documents with literal per-run values; the in-job mode measures real services.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { ResultsDocument } from '../../harness/results/document.js';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/report/documents.js';
import { FIXTURES, ROOT, retryOnceIfBusy, runCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rb-gate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A schema-valid results document whose runs of `service` at json-open have these p99s (and errors). */
function results(p99s: readonly number[], options: { service?: string; errors?: readonly number[]; state?: string; extra?: readonly unknown[] } = {}): unknown {
  const document = loadFixture();
  const open = document.runs.find((run) => run.load.model === 'open')!;
  const template = { ...open, scenario: 'json-open', rateIndex: 0, capacityFraction: undefined };
  const runs = p99s.map((p99Us, index) => {
    const errors = options.errors?.[index] ?? 0;
    return {
      ...template,
      id: `json-open/${options.service ?? 'rust'}/rep${index + 1}/rate0`,
      service: options.service ?? 'rust',
      repetition: index + 1,
      validity: errors === 0 ? { valid: true, reasons: [], warnings: [], bottleneck: 'neither' } : { valid: false, reasons: [{ code: 'failures', text: `${errors} non-2xx responses`, next: 'fix it', concerns: [] }], warnings: [], bottleneck: 'neither' },
      load: { ...template.load, offeredRps: 2000, latencyUs: { ...template.load.latencyUs!, p99Us }, counts: { ...template.load.counts, non2xx: errors } },
    };
  });
  return { ...document, state: options.state ?? 'complete', failures: [], runs: [...runs, ...(options.extra ?? [])] };
}

async function write(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('gate on results files', () => {
  const base = [1000, 1100, 950, 1050, 1020];
  it('passes an A/A comparison (exit 0) and appends to $GITHUB_STEP_SUMMARY', async () => {
    const summary = path.join(dir, 'summary.md');
    const { exitCode, stdout } = await runCli(['gate', '--baseline', await write('a.json', results(base)), '--candidate', await write('a2.json', results([1040, 990, 1080, 1010, 960]))], { GITHUB_STEP_SUMMARY: summary });
    expect(stdout).toContain('rewrite-bench gate: PASS');
    expect(exitCode).toBe(0);
    // Paired rounds: the median of the per-round p99 ratios (1.04, 0.90, 1.14, 0.96, 0.94) is 0.96.
    expect(await readFile(summary, 'utf8')).toContain('| json-open | rust | open loop, 2,000 req/s | p99 | 1.02 ms | 1.01 ms | −3.8 % better');
  });
  it('fails a +30 % p99 regression (exit 1) and writes JUnit', async () => {
    const junit = path.join(dir, 'gate.xml');
    // 10 rounds: all worse is p = 1/1024 at look 2 (5 rounds, 1/32, is not enough over 3 looks).
    const ten = [...base, 990, 1060, 1010, 970, 1040];
    const { exitCode, stdout } = await runCli([
      'gate',
      '--baseline',
      await write('b.json', results(ten)),
      '--candidate',
      await write('c.json', results(ten.map((value) => value * 1.3))),
      '--metric',
      'p99',
      '--junit',
      junit,
    ]);
    expect(stdout).toContain('FAIL: 1 regression(s)');
    expect(exitCode).toBe(1);
    expect(await readFile(junit, 'utf8')).toContain('failures="1"');
  });
  it('fails a broken budget (exit 1)', async () => {
    const file = await write('d.json', results(base));
    const { exitCode, stdout } = await runCli(['gate', '--baseline', file, '--candidate', file, '--budget', 'p99 < 1ms']);
    expect(stdout).toContain('| `p99 < 1ms` | 1.02 ms | **no** |');
    expect(exitCode).toBe(1);
  });
  it('exits 3 when nothing is comparable', async () => {
    const { exitCode } = await runCli(['gate', '--baseline', await write('e.json', results(base)), '--candidate', await write('f.json', results([]))]);
    expect(exitCode).toBe(3);
  });
  it('fails failed requests when the baseline had none (any against none), counting invalid runs', async () => {
    const { exitCode, stdout } = await runCli(['gate', '--baseline', await write('z0.json', results([1000, 1000, 1000, 1000, 1000])), '--candidate', await write('z1.json', results([1000, 1000, 1000, 1000, 1000], { errors: [3, 5, 4, 6, 2] })), '--metric', 'errors']);
    expect(stdout).toContain('| json-open | rust | open loop, 2,000 req/s | failed requests | 0 | 20 | +∞ % (from 0) worse');
    expect(stdout).toContain('**regression**');
    expect(exitCode).toBe(1);
  });
  it('exits 3 when one service passes and another cannot be decided, and shows a point the candidate lacks', async () => {
    const goRuns = (results([1000, 1010, 990, 1005, 995], { service: 'go' }) as { runs: unknown[] }).runs;
    const baseline = await write('m0.json', results(base, { extra: goRuns }));
    const candidate = await write('m1.json', results([1040, 990, 1080, 1010, 960]));
    const { exitCode, stdout } = await runCli(['gate', '--baseline', baseline, '--candidate', candidate]);
    expect(stdout).toContain('| json-open | rust |');
    expect(stdout).toContain('| json-open | go | open loop, 2,000 req/s | p50, p99 | – | – | – | – | – | – | **missing**: the candidate has no run of this point');
    expect(stdout).toContain('UNDECIDED');
    expect(exitCode).toBe(3);
  });
  it('cannot pass an interrupted candidate, and warns when both sides are the same file', async () => {
    const interrupted = await runCli(['gate', '--baseline', await write('i0.json', results(base)), '--candidate', await write('i1.json', results(base, { state: 'interrupted' }))]);
    expect(interrupted.stdout).toContain('i1.json is interrupted, not complete');
    expect(interrupted.exitCode).toBe(3);
    const file = await write('same.json', results(base));
    const same = await runCli(['gate', '--baseline', file, '--candidate', file]);
    expect(same.stdout).toContain('baseline and candidate are the same file');
    expect(same.exitCode).toBe(0);
  });
  it('rejects a damaged results file with exit 2, naming the field', async () => {
    const document = results(base) as { runs: Array<{ load: { latencyUs: { p99Us: unknown } } }> };
    document.runs[2]!.load.latencyUs.p99Us = 'fast';
    const { exitCode, stderr } = await runCli(['gate', '--baseline', await write('bad0.json', results(base)), '--candidate', await write('bad1.json', document)]);
    expect(stderr).toContain('is not a valid results document (1 problem)');
    expect(stderr).toContain('Expected `runs[2].load.latencyUs.p99Us` in');
    expect(stderr).toContain('to be a number, got `"fast"` (string).');
    expect(exitCode).toBe(2);
  });
  it.each([
    [['gate'], 'Give either --baseline FILE and --candidate FILE'],
    [['gate', '--baseline', 'x.json'], 'File mode needs both'],
    [['gate', '--baseline', 'nope.json', '--candidate', 'nope.json'], 'Cannot read results file nope.json: no such file.'],
    [['gate', '--baseline', 'package.json', '--candidate', 'package.json'], 'Expected package.json to be a results.json'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--max-regression', 'ten'], 'Expected --max-regression to be a percentage'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--metric', 'speed'], 'Unknown --metric `speed`'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--budget', 'p99 <'], 'Cannot read --budget `p99 <`'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--repetitions', '3'], 'Cannot use the gate plan of --repetitions 3 at --alpha 0.05: the last look cannot reject'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--repetitions', '4'], 'with 4 rounds the smallest exact p is 2^-4 = 0.063, above α = 0.05; it needs at least 5 runs a side'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--stages', '5,10', '--repetitions', '4'], 'Give either --stages'],
  ])('exits 2 for %j', async (args, message) => {
    const { exitCode, stderr } = await runCli(args);
    expect(stderr).toContain(message);
    expect(exitCode).toBe(2);
  });
});

describe('gate measuring both sides in one job', () => {
  const scenario = path.join(FIXTURES, 'scenarios/gate-json.yaml');
  let gates = 0;
  /** The in-job gate with its results in `out`; run once more when the machine was busy (schedstat). */
  const gate = async (baseline: string, candidate: string, scenarioFile: string, extra: string[] = []): Promise<{ exitCode: number; stdout: string; stderr: string; out: string }> => {
    gates += 1;
    const out = (tryNumber: number): string => path.join(dir, `gate-${gates}-${tryNumber}`);
    return retryOnceIfBusy(
      async (tryNumber) => ({ ...(await runCli(['gate', '--baseline-service', baseline, '--candidate-service', candidate, '--scenario', scenarioFile, '--out', out(tryNumber), ...extra])), out: out(tryNumber) }),
      (tryNumber) => path.join(out(tryNumber), 'results.json'),
    );
  };
  it('fails a candidate with a fixed CPU cost added per request (exit 1), measuring the plan stage by stage, in alternating order', async () => {
    // Looks at 3 and 6 rounds: 3 cannot reject (smallest p 1/8) and p = 1/8 is no reason to stop, so stage 2 always runs.
    const { exitCode, stdout, stderr, out } = await gate(path.join(ROOT, 'services/go'), path.join(FIXTURES, 'gate/go-slow'), scenario, ['--stages', '3,6']);
    expect(stdout, stderr).toContain('regression');
    expect(stderr).toContain('gate: look 1 of 2 left comparisons undecided; measuring stage 2: runs 4–6 of each side');
    expect(stdout).toContain('Reached look 2 of 2: 6 baseline and 6 candidate runs per point.');
    // Every one of 6 rounds worse: p = 1/64 for p50 and p99 alike, below α ÷ 2.
    expect(stdout).toMatch(/\| 6 \| 2 of 2 \| 0\.016 \| \*\*regression\*\* \|/);
    expect(stdout).toContain('the candidate was measured first in 3 of 6 rounds and second in 3');
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    // A B, B A, … across both stages (stage 2 continues the rotation).
    expect(document.runs.map((run) => `${run.service} ${run.repetition} ${run.orderInRound}`)).toEqual([1, 2, 3, 4, 5, 6].flatMap((repetition) => (repetition % 2 === 1 ? [`baseline ${repetition} 1`, `candidate ${repetition} 2`] : [`candidate ${repetition} 1`, `baseline ${repetition} 2`])));
    expect(new Set(document.runs.map((run) => run.id)).size).toBe(12);
    expect(document.state).toBe('complete');
    expect(exitCode).toBe(1);
  });
  // The A/A false-alarm rate at the default limit is measured by `npm run bench:gate`; this checks
  // the in-job plumbing: both folders measured, interleaved, every run valid, compared at the
  // same load, and an identical pair within a limit wide enough not to flake on a busy machine.
  it('passes the same build on both sides, measured interleaved (exit 0)', async () => {
    const { exitCode, stdout, stderr, out } = await gate(path.join(ROOT, 'services/go'), path.join(FIXTURES, 'gate/go-same'), scenario, ['--repetitions', '5', '--max-regression', '30%']);
    expect(stdout, stderr).toContain('PASS');
    expect(stdout).toContain('| gate-json | go | closed loop, 4 connections | p99 |');
    expect(stdout).toMatch(/\| p99 \| [\d.]+ ms \| [\d.]+ ms \| [+−][\d.]+ % (worse|better)/);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.runs.map((run) => run.service)).toEqual(['baseline', 'candidate', 'candidate', 'baseline', 'baseline', 'candidate', 'candidate', 'baseline', 'baseline', 'candidate']);
    expect(document.runs.every((run) => run.validity.valid)).toBe(true);
    expect(new Set(document.runs.map((run) => run.measured.pid)).size).toBe(10);
    expect(exitCode).toBe(0);
  });
  it('fails a candidate that answers 500 to 1 request in 40 (exit 1, not an infrastructure failure)', async () => {
    const { exitCode, stdout, stderr } = await gate(path.join(FIXTURES, 'gate/node-json'), path.join(FIXTURES, 'gate/node-fails'), path.join(FIXTURES, 'scenarios/gate-open.yaml'), ['--repetitions', '5']);
    expect(stdout, stderr).toMatch(/\| failed requests \| 0 \| \d+ \| \+∞ % \(from 0\) worse/);
    expect(stdout).toContain('FAIL: 1 regression(s)');
    expect(exitCode).toBe(1);
  });
  it('probes capacity once: a later stage is offered the rates of the first, and its runs keep their fraction', async () => {
    // A tenth of the baseline's capacity: the 8 ms candidate sustains it, 4× slower in every run.
    const scenarioFile = await write(
      'gate-tenth.yaml',
      'name: gate-tenth\ndescription: open loop at a tenth of the probed capacity\nworkload: json\nrequests: [{path: /json}]\nload: {model: open, connections: 16, capacityFractions: [0.1], probe: {connections: 8, seconds: 1.5}}\nwarmupSeconds: 0.3\ndurationSeconds: 1.5\nrepetitions: 5\nservice: {readyTimeoutSeconds: 10}\n',
    );
    const { exitCode, stdout, stderr, out } = await gate(path.join(FIXTURES, 'gate/node-2ms'), path.join(FIXTURES, 'gate/node-8ms'), scenarioFile, ['--stages', '2,5']);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.capacity.map((probe) => [probe.service, probe.ratesFrom])).toEqual([
      ['baseline', undefined],
      ['candidate', 'baseline'],
    ]);
    const offered = new Set(document.runs.map((run) => run.load.offeredRps));
    expect(offered.size).toBe(1);
    expect(document.runs.map((run) => [run.repetition, run.capacityFraction])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5].map((repetition) => [repetition, 0.1]));
    expect(stdout, stderr).toContain('Reached look 2 of 2: 5 baseline and 5 candidate runs per point.');
    expect(stdout).toMatch(/\| gate-tenth \| node-2ms \| open loop, 10 % of capacity \([\d,]+ req\/s\) \| p99 \| [\d.]+ ms \| [\d.]+ ms \| \+[\d.]+ % worse .* \| 5 \| 2 of 2 \|/);
    // 5 rounds reach p = 1/32 when every candidate run is slower: alone a regression, with p50 and p99 (Holm) borderline.
    expect([0, 1]).toContain(exitCode);
  });
  it('offers the candidate the baseline\'s rates, and fails one that cannot sustain them (exit 1)', async () => {
    // 7 rounds: saturated in all of them is p = 1/128 for each of the 3 rows, below α ÷ 3 (5 rounds, 1/32, would not be).
    const { exitCode, stdout, stderr, out } = await gate(path.join(FIXTURES, 'gate/node-2ms'), path.join(FIXTURES, 'gate/node-8ms'), path.join(FIXTURES, 'scenarios/gate-capacity.yaml'), ['--repetitions', '7']);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.capacity.map((probe) => [probe.service, probe.ratesFrom])).toEqual([
      ['baseline', undefined],
      ['candidate', 'baseline'],
    ]);
    const offered = (side: string): number[] => document.runs.filter((run) => run.service === side).map((run) => run.load.offeredRps!);
    expect(offered('candidate')).toEqual(offered('baseline'));
    expect(stdout, stderr).toContain('| sustained rate |');
    expect(stdout).toMatch(/of 7 rounds, only the candidate saturated in \d, only the baseline in \d/);
    expect(exitCode).toBe(1);
  });
});
