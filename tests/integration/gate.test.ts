/**
 * The gate as CI calls it: exit 0 for an A/A comparison, 1 for a regression, 2 for bad usage,
 * 3 when nothing is comparable; Markdown to $GITHUB_STEP_SUMMARY and JUnit XML. File mode uses
 * results documents with literal per-run values; the in-job mode measures real services.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, runCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rb-gate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function results(p99s: readonly number[]): unknown {
  return {
    schemaVersion: 1,
    builds: [],
    runs: p99s.map((p99Us, index) => ({
      scenario: 'json-open',
      service: 'rust',
      rateIndex: 0,
      repetition: index + 1,
      validity: { valid: true, reasons: [], warnings: [] },
      load: { model: 'open', connections: 32, offeredRps: 2000, achievedRps: 2000, latencyUs: { p99Us }, counts: { errors: 0, timeouts: 0, non2xx: 0, unexpectedStatus: 0, mismatches: 0, dropped: 0 } },
      measured: {},
    })),
  };
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
    expect(stdout).toContain('rust: PASS');
    expect(exitCode).toBe(0);
    expect(await readFile(summary, 'utf8')).toContain('| json-open / rust | open loop, 2,000 req/s | p99 |');
  });
  it('fails a +30 % p99 regression (exit 1) and writes JUnit', async () => {
    const junit = path.join(dir, 'gate.xml');
    const { exitCode, stdout } = await runCli([
      'gate',
      '--baseline',
      await write('b.json', results(base)),
      '--candidate',
      await write('c.json', results(base.map((value) => value * 1.3))),
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
    expect(stdout).toContain('| `p99 < 1ms` | 1,020 | **no** |');
    expect(exitCode).toBe(1);
  });
  it('exits 3 when nothing is comparable', async () => {
    const { exitCode } = await runCli(['gate', '--baseline', await write('e.json', results(base)), '--candidate', await write('f.json', results([]))]);
    expect(exitCode).toBe(3);
  });
  it.each([
    [['gate'], 'Give either --baseline FILE and --candidate FILE'],
    [['gate', '--baseline', 'x.json'], 'File mode needs both'],
    [['gate', '--baseline', 'nope.json', '--candidate', 'nope.json'], 'Cannot read results file nope.json: no such file.'],
    [['gate', '--baseline', 'package.json', '--candidate', 'package.json'], 'Expected package.json to be a results.json'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--max-regression', 'ten'], 'Expected --max-regression to be a percentage'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--metric', 'speed'], 'Unknown --metric `speed`'],
    [['gate', '--baseline', 'a', '--candidate', 'b', '--budget', 'p99 <'], 'Cannot read --budget `p99 <`'],
  ])('exits 2 for %j', async (args, message) => {
    const { exitCode, stderr } = await runCli(args);
    expect(stderr).toContain(message);
    expect(exitCode).toBe(2);
  });
});

describe('gate measuring both sides in one job', () => {
  const scenario = path.join(FIXTURES, 'scenarios/gate-json.yaml');
  it('fails a candidate with a fixed CPU cost added per request (exit 1)', async () => {
    const { exitCode, stdout, stderr } = await runCli(['gate', '--baseline-service', path.join(ROOT, 'services/go'), '--candidate-service', path.join(FIXTURES, 'gate/go-slow'), '--scenario', scenario, '--repetitions', '5']);
    expect(stdout, stderr).toContain('regression');
    expect(exitCode).toBe(1);
  });
  // The A/A false-alarm rate at the default limit is measured by `npm run bench:gate`; this checks
  // that the in-job plumbing (two folders, one binary, interleaved) passes an identical pair.
  it('passes the same build on both sides (exit 0)', async () => {
    const { exitCode, stdout, stderr } = await runCli([
      'gate',
      '--baseline-service',
      path.join(ROOT, 'services/go'),
      '--candidate-service',
      path.join(FIXTURES, 'gate/go-same'),
      '--scenario',
      scenario,
      '--repetitions',
      '5',
      '--max-regression',
      '100%',
    ]);
    expect(stdout, stderr).toContain('PASS');
    expect(exitCode).toBe(0);
  });
});
