/**
 * Faults (issue #7): a service that crashes mid-run, one that never becomes ready, one that
 * ignores SIGTERM, a port taken between choosing and binding, a build that fails, a missing
 * toolchain, and Ctrl-C. In every case: a clear message, the rest of the matrix goes on, results
 * so far stay in results.json with the failure recorded, the documented exit code, and no process
 * left behind (each case runs the CLI under its own tag and scans /proc for it afterwards).
 */
import { serviceRuns } from '../../harness/results/floor-runs.js';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { CLI, FIXTURES, ROOT, leftoverProcesses, runCli } from './helpers.js';

const SCENARIO = path.join(FIXTURES, 'scenarios/faults-json.yaml');
let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rb-faults-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs the CLI on the fault fixtures with `go` beside the faulty service, under a fresh tag. */
async function runWith(service: string, extra: string[] = []): Promise<{ exitCode: number; stdout: string; stderr: string; document: ResultsDocument; leftovers: string[] }> {
  const tag = `fault-${service}-${Date.now()}`;
  const dir = path.join(out, service);
  const result = await runCli(['run', SCENARIO, '--services', `go,${service}`, '--services-dir', path.join(FIXTURES, 'faults'), '--out', dir, '--skip-verify', ...extra], { REWRITE_BENCH_OWNER: tag });
  const document = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as ResultsDocument;
  return { ...result, document, leftovers: await leftoverProcesses(tag) };
}

describe('faults during a run', () => {
  it('a service that crashes mid-run: failure recorded, its run invalid, go still measured, exit 3', async () => {
    const { exitCode, stdout, document, leftovers } = await runWith('crash-mid-run');
    expect(exitCode).toBe(3);
    expect(document.state).toBe('complete');
    const crashed = document.runs.find((run) => run.service === 'crash-mid-run')!;
    expect(crashed.validity.valid).toBe(false);
    expect(crashed.validity.reasons.map((reason) => reason.text).join(' ')).toContain('the service died during the run');
    expect(document.runs.find((run) => run.service === 'go')!.validity.valid).toBe(true);
    expect(document.failures.map((failure) => failure.message).join('\n')).toContain('crash-mid-run died during the run (exit code 1');
    expect(stdout).toContain('crashing on purpose');
    expect(leftovers).toEqual([]);
  });

  it('a service that never becomes ready: the timeout names it and shows its stderr tail', async () => {
    const { exitCode, document, stdout, leftovers } = await runWith('never-ready');
    expect(exitCode).toBe(3);
    const message = document.failures.find((failure) => failure.service === 'never-ready')!.message;
    expect(message).toContain('Service never-ready not ready: no 200 on http://127.0.0.1:');
    expect(message).toContain('within 3000 ms');
    expect(message).toContain('fixture: still loading the model (this never finishes)');
    expect(stdout).toContain('never-ready');
    expect(serviceRuns(document.runs).map((run) => run.service)).toEqual(['go']);
    expect(leftovers).toEqual([]);
  });

  it('a service that ignores SIGTERM is killed after the grace period', async () => {
    const { exitCode, document, leftovers } = await runWith('ignores-sigterm');
    expect(exitCode).toBe(3);
    expect(document.failures.map((failure) => failure.message)).toContainEqual(expect.stringMatching(/^ignores-sigterm ignored SIGTERM and was killed after the grace period\. On SIGTERM a service must stop accepting connections, finish the requests in flight and exit 0/));
    expect(document.runs.find((run) => run.service === 'ignores-sigterm')!.validity.valid).toBe(true);
    expect(leftovers).toEqual([]);
  }, 60_000);

  it('a service killed by SIGTERM (no handler) instead of finishing its requests: a failure in the results and the terminal, its runs kept (issue 22 item 12)', async () => {
    const { exitCode, stdout, stderr, document, leftovers } = await runWith('dies-on-sigterm');
    expect(exitCode).toBe(3);
    const message = 'dies-on-sigterm was killed by SIGTERM instead of finishing its in-flight requests and exiting 0';
    expect(document.failures.map((failure) => failure.message)).toContainEqual(expect.stringContaining(message));
    expect(stdout + stderr).toContain(message);
    expect(document.runs.find((run) => run.service === 'dies-on-sigterm')!.validity.valid).toBe(true);
    expect(document.failures.filter((failure) => failure.service === 'go')).toEqual([]);
    expect(leftovers).toEqual([]);
  });

  it('a service listening on 0.0.0.0 instead of HOST: a warning on its runs saying how to fix it (issue 22 item 12)', async () => {
    const { exitCode, stdout, document, leftovers } = await runWith('binds-everywhere');
    expect(exitCode).toBe(0);
    const warnings = document.runs.find((run) => run.service === 'binds-everywhere')!.validity.warnings;
    expect(warnings.filter((warning) => warning.code === 'binds-all-interfaces').map((warning) => warning.next)).toEqual([expect.stringContaining('listen on the HOST the harness gives')]);
    expect(warnings.find((warning) => warning.code === 'binds-all-interfaces')!.text).toMatch(/^the service listens on 0\.0\.0\.0:\d+, every interface, not on HOST \(127\.0\.0\.1\)/);
    expect(document.runs.find((run) => run.service === 'go')!.validity.warnings.map((warning) => warning.code)).not.toContain('binds-all-interfaces');
    expect(stdout).toContain('binds-everywhere: the service listens on 0.0.0.0');
    expect(leftovers).toEqual([]);
  });

  it('a port taken between choosing and binding: the harness retries on another port', async () => {
    const marker = '/tmp/rewrite-bench-port-taken-marker';
    await rm(marker, { force: true });
    const { exitCode, document, leftovers } = await runWith('port-taken-once');
    expect(existsSync(marker)).toBe(true);
    expect(exitCode).toBe(0);
    expect(document.failures).toEqual([]);
    expect(document.runs.find((run) => run.service === 'port-taken-once')!.validity.valid).toBe(true);
    await rm(marker, { force: true });
    expect(leftovers).toEqual([]);
  });

  it('a build that fails: its log tail is shown, the other services are measured, exit 3', async () => {
    const { exitCode, stderr, document } = await runWith('build-fails');
    expect(exitCode).toBe(3);
    expect(stderr).toContain('error[E0308]: mismatched types in src/main.rs:42');
    const failure = document.failures.find((entry) => entry.service === 'build-fails')!;
    expect(failure.message).toContain('Build step `node -e');
    expect(failure.message).toContain('failed (exit code 101)');
    expect(document.builds.find((build) => build.service === 'build-fails')!.state).toBe('failed');
    expect(serviceRuns(document.runs).map((run) => run.service)).toEqual(['go']);
  });

  it('a missing toolchain: named with how to install it, the service skipped, exit 3', async () => {
    const { exitCode, stderr, document } = await runWith('missing-toolchain');
    expect(exitCode).toBe(3);
    expect(stderr).toContain('`zig-compiler-that-is-not-installed` is not installed');
    expect(document.builds.find((build) => build.service === 'missing-toolchain')!.state).toBe('skipped');
    expect(serviceRuns(document.runs).map((run) => run.service)).toEqual(['go']);
  });
});

describe('interrupting the harness', () => {
  it('on SIGINT it writes the results so far, marks them interrupted, stops everything and exits 130', async () => {
    const tag = `interrupt-${Date.now()}`;
    const dir = path.join(out, 'interrupt');
    const child = execa(process.execPath, [CLI, 'run', path.join(FIXTURES, 'scenarios/tiny-open.yaml'), '--out', dir, '--skip-verify'], {
      cwd: ROOT,
      reject: false,
      env: { REWRITE_BENCH_OWNER: tag },
      stdin: 'ignore',
    });
    // Wait for the first run to be written, then interrupt mid-matrix.
    const file = path.join(dir, 'results.json');
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const text = existsSync(file) ? await readFile(file, 'utf8').catch(() => '') : '';
      if (text.includes('"id"')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toContain('interrupted;');
    const document = JSON.parse(await readFile(file, 'utf8')) as ResultsDocument;
    expect(document.state).toBe('interrupted');
    expect(document.runs.length).toBeGreaterThanOrEqual(1);
    expect(await leftoverProcesses(tag)).toEqual([]);
  });
});
