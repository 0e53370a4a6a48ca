/**
 * The command line as a user meets it: help texts, exit codes, messages naming what was wrong,
 * and an end-to-end run that writes results.json.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, ROOT, runCli } from './helpers.js';

describe('help', () => {
  it('lists the commands and the exit codes', async () => {
    const { exitCode, stdout } = await runCli(['--help']);
    expect(exitCode).toBe(0);
    for (const command of ['run', 'compare', 'build', 'verify']) expect(stdout).toContain(`  ${command} `);
    expect(stdout).toContain('2 bad configuration or usage');
  });
  it.each([
    ['run', ['--services', '--services-dir', '--out', '--quick', '--no-floor']],
    ['build', ['--services', '--force', '--timings']],
    ['verify', ['--services', '--random', '--seed']],
    ['compare', ['--services', '--services-dir', '--requests', '--seed']],
    ['gate', ['--baseline', '--candidate', '--baseline-service', '--baseline-ref', '--metric', '--max-regression', '--alpha', '--budget', '--junit', '--markdown']],
    ['report', ['--out']],
  ])('explains every option of %s', async (command, options) => {
    const { exitCode, stdout } = await runCli([command, '--help']);
    expect(exitCode).toBe(0);
    for (const option of options) expect(stdout).toContain(option);
  });
});

describe('--version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { exitCode, stdout } = await runCli([flag]);
    expect(exitCode).toBe(0);
    expect(stdout.trim()).toBe(version);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('bad usage and configuration exit 2 before any process starts', () => {
  it.each([
    [['frobnicate'], 'Unknown command `frobnicate`'],
    [['run', '--bogus'], "Unknown option '--bogus'"],
    [['run', 'no-such-scenario'], 'Unknown scenario `no-such-scenario`'],
    [['run', path.join(FIXTURES, 'scenarios/bad-rate.yaml')], 'Expected `load.ratesPerSecond[0]`'],
    [['run', path.join(FIXTURES, 'scenarios/malformed.yaml')], 'is not valid YAML'],
    [['run', path.join(FIXTURES, 'scenarios/missing.yaml')], 'no such file'],
    [['build', '--services', 'cobol'], 'Unknown service `cobol`'],
    [['verify', '--services-dir', path.join(FIXTURES, 'bad-manifest')], 'Unknown key `strat`'],
    [['verify', '--random', 'lots'], 'Expected --random to be a non-negative integer'],
  ])('%j', async (args, message) => {
    const { exitCode, stderr } = await runCli(args);
    expect(stderr).toContain(message);
    expect(exitCode).toBe(2);
  });
});

describe('a scenario that cannot run is a configuration error, caught before anything starts', () => {
  it('a named scenario that no selected service implements: exit 2, naming the scenario, the workload and who implements it; no results written', async () => {
    const out = path.join(os.tmpdir(), `rb-never-${process.pid}`);
    const { exitCode, stderr } = await runCli(['run', 'gateway', '--services-dir', path.join(FIXTURES, 'services'), '--services', 'off-by-one', '--out', out]);
    expect(stderr).toContain('Cannot run scenario `gateway` (workload `gateway`): the selected service off-by-one does not implement it; services that do: go, python, python-rust, rust.');
    expect(stderr).not.toContain('verifying');
    expect(exitCode).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
  it('a scenario whose `services:` names an unknown service: exit 2', async () => {
    const { exitCode, stderr } = await runCli(['run', path.join(FIXTURES, 'scenarios/unknown-service.yaml')]);
    expect(stderr).toContain('Scenario `unknown-service` (');
    expect(stderr).toContain('names the unknown service `pyhton` in `services:`. Known services: go, python, python-rust, rust.');
    expect(exitCode).toBe(2);
  });
});

describe('run --quick and build times', () => {
  it('does not time builds for the claims without --timings, says so, and the check comes out "not measured" with that reason (exit 0)', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rb-quick-'));
    try {
      const claimsFile = path.join(directory, 'claims.yaml');
      await writeFile(claimsFile, '- id: e-build\n  text: builds in a minute\n  checks:\n    - off-by-one.cleanBuildSeconds <= 60\n');
      const { exitCode, stdout, stderr } = await runCli(['run', 'json-closed', '--quick', '--skip-verify', '--services-dir', path.join(FIXTURES, 'services'), '--services', 'off-by-one', '--claims', claimsFile, '--out', path.join(directory, 'out')]);
      expect(stderr).toContain('not timing the clean build of off-by-one that the claims check: build times are not measured under --quick without --timings');
      expect(stderr).not.toContain('timing a clean build');
      expect(stdout).toContain('NOT MEASURED e-build');
      expect(stdout).toContain('build times are not measured under --quick: run with --timings');
      expect(exitCode, stderr).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('a YAML syntax error', () => {
  it('names the line of the unclosed [ and shows it with a caret (exit 2)', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rb-yaml-'));
    try {
      const file = path.join(directory, 'broken.yaml');
      const lines = ['name: broken', 'description: d', 'workload: json', 'requests:', '  - path: /json', 'load:', '  model: closed', '  connections: 8', 'warmupSeconds: 1', 'durationSeconds: 1', 'repetitions: 1', 'service:', '  env: {A: "1"}', 'verifyEvery: [10, 20', 'timeoutSeconds: 5'];
      await writeFile(file, `${lines.join('\n')}\n`);
      const { exitCode, stderr } = await runCli(['run', file]);
      expect(exitCode).toBe(2);
      expect(stderr).toContain('is not valid YAML: the `[` opened at line 14, column 14 is never closed (the parser noticed at line 15, column 1');
      expect(stderr).toContain('  14 | verifyEvery: [10, 20\n     |              ^\n  15 | timeoutSeconds: 5\n     | ^\n');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('rewrite-bench run', () => {
  it('measures a scenario and writes results.json with units, validity and the environment', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'rb-run-'));
    try {
      const { exitCode, stdout, stderr } = await runCli(['run', path.join(FIXTURES, 'scenarios/tiny-open.yaml'), '--out', out]);
      expect(exitCode, stderr).toBe(0);
      expect(stdout).toContain('## tiny-open');
      const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
      expect(document.schemaVersion).toBe(3);
      expect(document.state).toBe('complete');
      expect(document.environment.cpuModel).not.toBe('');
      // The service on the CPU that took fewer device interrupts, the load on the other.
      expect([document.cpuPlan!.serviceCpus, document.cpuPlan!.loadCpus].sort()).toEqual(['0', '1']);
      expect(document.cpuPlan!.choice).toMatchObject({ by: 'device-interrupts', reason: expect.stringContaining('fewest device interrupts') });
      // 2 repetitions × 2 rates, interleaved per repetition.
      const own = document.runs.filter((run) => run.role === undefined);
      expect(own.map((run) => `${run.repetition}/${run.rateIndex}`)).toEqual(['1/0', '1/1', '2/0', '2/1']);
      for (const run of own) {
        expect(run.load.model).toBe('open');
        expect(run.load.counts.expectedStatus).toBeGreaterThan(0);
        expect(run.load.latencyUs!.p99Us).toBeGreaterThan(0);
        expect(run.measured.idlePssBytes).toBeGreaterThan(0);
        expect(run.measured.peakRssBytes).toBeGreaterThan(0);
        expect(run.measured.startupMs).toBeGreaterThan(0);
        expect(run.measured.series.length).toBeGreaterThan(0);
        expect(run.validity.valid, run.validity.reasons.map((reason) => reason.text).join('; ')).toBe(true);
        expect(run.measured.series.every((point) => point.tMs >= -2000)).toBe(true);
        // The engine's worker thread, read at the window's start and just before its end (a worker exits within µs of the end).
        expect(run.generator.workerThreads?.threads).toBe(1);
        expect(run.generator.workerThreads!.busiestShare).toBeGreaterThan(0);
        // The kernel's interrupt work on each side's CPUs, apart from other load.
        expect(run.measured.interruptShare).toBeGreaterThanOrEqual(0);
        expect(run.generator.interruptShare).toBeGreaterThanOrEqual(0);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('the platform floor in a run', () => {
  it('is one more member of every round at the same rates, recorded with role floor, shown beside the service, never compared as a service', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'rb-floor-'));
    try {
      const claims = path.join(out, 'claims.yaml');
      // A floor term pairs the floor's run of each round; one look after the 2 rounds (--max-repetitions 2) cannot decide: exit 0,
      // or 3 when a busy machine left no round that counts (the claims then come out not measured).
      await writeFile(claims, 'claims:\n  - id: go-net\n    text: go is within its floor\n    scenario: tiny-open\n    checks: ["go.p99 <= 1000 * go.p50 + floor.p99", "go.p99 <= 1000 * go.p50"]\n');
      const { exitCode, stdout, stderr } = await runCli(['run', path.join(FIXTURES, 'scenarios/tiny-open.yaml'), '--out', out, '--claims', claims, '--max-repetitions', '2', '--skip-verify']);
      const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
      expect(document.failures, stderr).toEqual([]);
      expect([0, 3]).toContain(exitCode);
      expect(document.claims!.results[0]!.verdict).toBe(exitCode === 0 ? 'inconclusive' : 'not-measured');
      // Each round: go and the floor, rotating (go first in round 1, the floor first in round 2), the floor at each of go's rates.
      expect(document.runs.map((run) => `${run.id} ${run.role ?? 'service'} ${run.orderInRound} ${run.load.offeredRps}`)).toEqual([
        'tiny-open/go/rep1/rate0 service 1 100',
        'tiny-open/go/rep1/rate1 service 1 200',
        'tiny-open/floor/rep1/rate0 floor 2 100',
        'tiny-open/floor/rep1/rate1 floor 2 200',
        'tiny-open/floor/rep2/rate0 floor 1 100',
        'tiny-open/floor/rep2/rate1 floor 1 200',
        'tiny-open/go/rep2/rate0 service 2 100',
        'tiny-open/go/rep2/rate1 service 2 200',
      ]);
      const floor = document.runs.filter((run) => run.role === 'floor');
      for (const run of floor) {
        expect(run.service).toBe('floor');
        expect(run.beside).toEqual(['go']);
        expect(run.load.connections).toBe(8);
        expect(run.load.counts.expectedStatus).toBeGreaterThan(0);
        expect([run.load.counts.errors, run.load.counts.mismatches, run.load.counts.unexpectedStatus]).toEqual([0, 0, 0]);
        expect(run.measured.pid).toBeGreaterThan(0);
        expect(run.measured.cpuList).toBe(document.cpuPlan!.serviceCpus);
      }
      // Shown beside the service, with the machine's resolution at each rate.
      expect(stdout).toMatch(/\nfloor {2,}open loop, 100 req\/s/);
      // Two valid floor runs give the resolution; a busy machine may leave one (then it is said to be unknown).
      expect(stdout).toMatch(/resolution \(floor at 100 req\/s\)|resolution unknown \(valid floor runs at 100 req\/s/);
      expect(stdout).not.toContain('failures');
      // In the claims: paired per round, never a service.
      const checks = document.claims!.results[0]!.checks;
      expect(checks.map((check) => check.statistic)).toEqual(['go.p99 / (1000 * go.p50 + floor.p99)', 'go.p99 / go.p50']);
      if (checks[0]!.verdict !== 'not-measured') expect(checks[0]!.test?.unit).toBe('rounds');
      // The gate on the same file: rows for go only.
      const results = path.join(out, 'results.json');
      const gate = await runCli(['gate', '--baseline', results, '--candidate', results, '--repetitions', '5']);
      expect(gate.stdout, gate.stderr).toContain('| tiny-open | go |');
      expect(gate.stdout).not.toContain('| floor |');
      // --no-floor leaves it out.
      const without = await runCli(['run', path.join(FIXTURES, 'scenarios/tiny-open.yaml'), '--out', path.join(out, 'no-floor'), '--no-floor', '--skip-verify']);
      expect(without.exitCode, without.stderr).toBe(0);
      const plain = JSON.parse(await readFile(path.join(out, 'no-floor', 'results.json'), 'utf8')) as ResultsDocument;
      expect(plain.runs.map((run) => run.service)).toEqual(['go', 'go', 'go', 'go']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
