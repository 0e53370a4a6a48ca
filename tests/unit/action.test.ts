/**
 * action.yml, the composite GitHub Action: no input or ref is interpolated into a script (a
 * pull request's branch name such as `$(curl …)` would run), and the version it runs is pinned.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../harness/paths.js';

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: unknown }>; runs: { using: string; steps: Step[] } };
const packageVersion = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('action.yml', () => {
  it('interpolates no ${{ }} expression into a run: block (they go through env:)', () => {
    const scripts = action.runs.steps.filter((step) => step.run !== undefined);
    expect(scripts.length).toBeGreaterThan(0);
    for (const step of scripts) expect(step.run, step.name).not.toContain('${{');
  });

  it('passes every input a script uses through env:', () => {
    const gate = action.runs.steps.find((step) => step.name === 'Gate')!;
    const passed = Object.values(gate.env ?? {}).join('\n');
    for (const input of ['service', 'scenario', 'metric', 'max-regression', 'args', 'version', 'baseline-ref']) expect(passed).toContain(`inputs.${input}`);
    expect(passed).toContain('github.base_ref');
  });

  it('runs the version it was released with by default, never an unpinned @latest', () => {
    expect(String(action.inputs.version!.default)).toBe(packageVersion);
    expect(String(action.inputs.version!.default)).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
