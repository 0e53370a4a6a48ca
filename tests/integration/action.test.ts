/**
 * action.yml's scripts under bash with hostile inputs (a branch name and inputs carrying `$(…)`
 * and `;`): every value reaches rewrite-bench as one literal argument, nothing runs, and `args`
 * is split like shell words. rewrite-bench is a stub that prints its arguments.
 */
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers.js';

interface Step {
  readonly name: string;
  readonly run?: string;
}
let dir: string;
let steps: Step[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rb-action-'));
  steps = (parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } }).runs.steps;
  await mkdir(path.join(dir, 'node_modules/.bin'), { recursive: true });
  await writeFile(path.join(dir, 'node_modules/.bin/rewrite-bench'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\nexit 1\n');
  await chmod(path.join(dir, 'node_modules/.bin/rewrite-bench'), 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a step's script the way a composite action's `shell: bash` does. */
function runStep(name: string, env: Record<string, string>) {
  const script = steps.find((step) => step.name === name)!.run!;
  return execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env: { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: path.join(dir, 'output'), RUNNER_TEMP: dir, ...env }, extendEnv: false, reject: false });
}

describe('action.yml under bash', () => {
  it('passes hostile inputs as literal arguments and runs none of them', async () => {
    const marker = path.join(dir, 'pwned');
    const result = await runStep('Gate', {
      BASELINE_REF: `main$(touch ${marker})`,
      RB_SERVICE: `rust; touch ${marker}`,
      RB_SCENARIO: '`touch x`',
      RB_METRIC: 'p99,cpuUsPerRequest',
      RB_MAX_REGRESSION: '10%',
      RB_ARGS: `--budget "p99 < 50ms" --repetitions 5 '$(touch ${marker})'`,
      RB_VERSION: '0.2.0',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'gate',
      '--service', `rust; touch ${marker}`,
      '--baseline-ref', `origin/main$(touch ${marker})`,
      '--scenario', '`touch x`',
      '--max-regression', '10%',
      '--metric', 'p99',
      '--metric', 'cpuUsPerRequest',
      '--out', 'rewrite-bench-gate',
      '--junit', 'rewrite-bench-gate/gate.xml',
      '--markdown', 'rewrite-bench-gate/gate.md',
      '--budget', 'p99 < 50ms',
      '--repetitions', '5',
      `$(touch ${marker})`,
    ]);
    expect(await readFile(path.join(dir, 'output'), 'utf8')).toBe('exit-code=1\n');
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a baseline ref that git would read as an option, and an unsplittable args input', async () => {
    const fetch = await runStep('Fetch the baseline ref', { BASELINE_REF: '--upload-pack=touch x' });
    expect(fetch.exitCode).toBe(2);
    expect(fetch.stdout).toContain("the baseline ref must not start with '-'");
    const gate = await runStep('Gate', { BASELINE_REF: 'main', RB_SERVICE: 'rust', RB_SCENARIO: 's', RB_METRIC: 'p99', RB_MAX_REGRESSION: '10%', RB_ARGS: '--budget "p99 < 50ms', RB_VERSION: '0.2.0' });
    expect(gate.exitCode).toBe(2);
    expect(gate.stdout).toContain('could not be split into arguments');
  });
});
