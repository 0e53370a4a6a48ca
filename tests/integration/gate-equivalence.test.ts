/**
 * The in-job gate and a scenario's `reference:` (issue 22, item 12): the candidate's answers are
 * compared with the baseline's before anything is measured; one that answers differently fails the
 * gate (exit 1) without a single run, and one that answers alike is measured with the check named
 * in the gate's output.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, runCli } from './helpers.js';

const EQUIVALENCE = path.join(FIXTURES, 'equivalence');
const service = (name: string): string => path.join(EQUIVALENCE, 'services', name);
const gate = (candidate: string, out: string) =>
  runCli(['gate', '--project', path.join(EQUIVALENCE, 'rewrite-bench.yaml'), '--baseline-service', service('legacy'), '--candidate-service', service(candidate), '--scenario', 'gate-orders', '--repetitions', '5', '--out', out]);
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rb-gate-equivalence-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('the in-job gate with a scenario that names a reference', () => {
  it('fails a candidate that answers differently from the baseline, before measuring it (exit 1)', async () => {
    const { exitCode, stdout, stderr } = await gate('renamed', path.join(tmp, 'renamed'));
    expect(stdout).toContain('## rewrite-bench gate: FAIL: the candidate answers differently from the baseline (not measured)');
    expect(stdout).toContain('> candidate answers differently from the reference service baseline at 2 locations, not measured:');
    expect(stdout).toMatch(/> {3}GET \/orders\/\{\{id\}\} \$\.total: differs in 40 of 40 requests \(between two instances of baseline: 0\)/);
    expect(stderr).toContain('comparing the candidate\'s answers with the baseline\'s before measuring');
    expect(stderr).not.toContain('gate: plan:');
    expect(exitCode).toBe(1);
  });
  it('measures a candidate that answers alike, and says its answers were checked', async () => {
    const out = path.join(tmp, 'faithful');
    const { stdout } = await gate('faithful', out);
    expect(stdout).toContain("> The candidate answered the scenario's 40 compared requests like the baseline (its reference check, with the baseline as the reference).");
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(new Set(document.runs.map((run) => run.service))).toEqual(new Set(['baseline', 'candidate']));
  });
});
