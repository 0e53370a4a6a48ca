/**
 * Your own rewrite against your legacy service: a project with two services of its own endpoint
 * (Python and Node), templated requests and `reference: legacy`. The rewrite answers with other
 * key orders and its own timestamps (noise, learnt from two instances of the legacy service) and
 * is measured; a rewrite that answers one field differently is caught before it is measured,
 * naming the field and the reference, and `run` exits 1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, runCli } from './helpers.js';

const PROJECT = path.join(FIXTURES, 'quote/rewrite-bench.yaml');
let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rb-reference-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('a scenario with a reference service', () => {
  it('measures a rewrite that answers like the legacy service, ignoring the noise between two instances of it', async () => {
    const dir = path.join(out, 'same');
    const { exitCode, stdout, stderr } = await runCli(['run', '--project', PROJECT, '--services', 'legacy,rewrite', '--out', dir]);
    const document = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.failures, stderr).toEqual([]);
    const [check] = document.equivalence;
    expect(check).toMatchObject({ scenario: 'quote', reference: 'legacy', requests: 100, verdicts: [{ service: 'rewrite', state: 'pass', checked: 100 }] });
    expect(check!.noise.join('\n')).toContain('$.generated_at');
    expect(new Set(document.runs.map((run) => run.service))).toEqual(new Set(['legacy', 'rewrite']));
    expect(stdout).toContain('## quote');
    expect(exitCode).toBe(0);
  });
  it('catches a rewrite that answers one field differently, before measuring it (exit 1)', async () => {
    const dir = path.join(out, 'wrong');
    const { exitCode, stdout } = await runCli(['run', '--project', PROJECT, '--services', 'legacy,rewrite-wrong', '--out', dir]);
    const document = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as ResultsDocument;
    const failure = document.failures.find((entry) => entry.service === 'rewrite-wrong')!;
    expect(failure.kind).toBe('non-conforming');
    expect(failure.message).toContain('rewrite-wrong answers differently from the reference service legacy, not measured');
    expect(failure.message).toMatch(/first difference: \$\.total_cents: expected `\d+`, found `\d+`/);
    expect(failure.message).toMatch(/request: GET \/quote\?sku=\d+&qty=[2-5]/);
    expect(document.runs.every((run) => run.service === 'legacy')).toBe(true);
    expect(stdout).toContain('rewrite-wrong');
    expect(exitCode).toBe(1);
  });
});
