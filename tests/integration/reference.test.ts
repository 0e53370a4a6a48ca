/**
 * Your own rewrite against your legacy service, in a project of your own: `init` writes the
 * starter (a Python legacy service and its Node rewrite serving GET /quote, templated requests,
 * `reference: legacy`, a claim); `run` there checks the rewrite against two instances of the
 * legacy service (the noise between them — timestamps — learnt and ignored; key order does not
 * matter), measures both, prints the claim's verdict and writes results into that folder. A
 * rewrite that answers one field differently is caught before it is measured, naming the field,
 * how often and the reference, and `run` exits 1 without measuring the reference alone.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { CLI } from './helpers.js';
import { execa } from 'execa';

let project: string;
beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'rb-project-'));
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

/** The CLI run from inside the project folder (as a user runs it there). */
async function inProject(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(process.execPath, [CLI, ...args], { cwd: project, reject: false, env: { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

async function latestResults(): Promise<ResultsDocument> {
  const runs = path.join(project, 'reports/runs');
  const [latest] = (await readdir(runs)).sort().reverse();
  return JSON.parse(await readFile(path.join(runs, latest!, 'results.json'), 'utf8')) as ResultsDocument;
}

describe('a project of your own with a reference service', () => {
  it('init writes a starter that runs as is: equivalence first, then measurements, a verdict, results under the project', async () => {
    const init = await inProject(['init']);
    expect(init.stdout).toContain('rewrite-bench.yaml');
    expect(init.exitCode).toBe(0);
    // Writing it again would overwrite: refused, naming the files.
    const again = await inProject(['init']);
    expect(again.stderr).toContain('`rewrite-bench.yaml`');
    expect(again.exitCode).toBe(2);
    const { exitCode, stdout, stderr } = await inProject(['run']);
    const document = await latestResults();
    expect(document.failures, stderr).toEqual([]);
    const [check] = document.equivalence;
    expect(check).toMatchObject({ scenario: 'quote', reference: 'legacy', requests: 200, verdicts: [{ service: 'rewrite', state: 'pass', checked: 200 }] });
    expect(check!.noise.join('\n')).toContain('$.generated_at');
    expect(new Set(document.runs.filter((run) => run.role === undefined).map((run) => run.service))).toEqual(new Set(['legacy', 'rewrite']));
    // The starter's open loop measures the platform floor beside them.
    expect(document.runs.filter((run) => run.role === 'floor').length).toBeGreaterThan(0);
    expect(stdout).toContain('## quote');
    expect(stdout).toMatch(/(HOLDS|REFUTED|INCONCLUSIVE) +cheaper/);
    expect(stdout).toMatch(/legacy\.cpuUsPerRequest \/ rewrite\.cpuUsPerRequest = [\d.]+ \[[\d.]+, [\d.]+\]/);
    expect(stdout).toContain(path.join(project, 'reports/runs'));
    expect(exitCode).toBe(0);
  });
  it('catches a rewrite that answers one field differently, before measuring it (exit 1)', async () => {
    const server = await readFile(path.join(project, 'services/rewrite/server.mjs'), 'utf8');
    const broken = server.replace('total_cents: unit * qty', 'total_cents: unit * qty + (qty > 1 ? 1 : 0)');
    expect(broken).not.toBe(server);
    await mkdir(path.join(project, 'services/rewrite-wrong'), { recursive: true });
    await writeFile(path.join(project, 'services/rewrite-wrong/server.mjs'), broken);
    await writeFile(path.join(project, 'services/rewrite-wrong/service.yaml'), 'name: rewrite-wrong\nlanguage: javascript\ndescription: a rewrite with total_cents off by one when qty > 1\nstart: [node, server.mjs]\nimplements: [quote]\n');
    const { exitCode, stdout } = await inProject(['run', 'quote', '--services', 'legacy,rewrite-wrong']);
    const document = await latestResults();
    const failure = document.failures.find((entry) => entry.service === 'rewrite-wrong')!;
    expect(failure.kind).toBe('non-conforming');
    expect(failure.message).toContain('rewrite-wrong answers differently from the reference service legacy at 1 location, not measured');
    expect(failure.message).toMatch(/GET \/quote \$\.total_cents: differs in \d+ of 200 requests \(between two instances of legacy: 0\)/);
    expect(failure.message).toMatch(/\n {4}\$\.total_cents: expected `\d+`, found `\d+`/);
    expect(failure.message).toMatch(/request: GET \/quote\?sku=\d+&qty=[2-5]/);
    // Its only candidate differs: the reference is not measured alone.
    expect(document.runs).toEqual([]);
    expect(document.failures.some((entry) => entry.message.includes('no service answers like the reference legacy'))).toBe(true);
    expect(stdout).toContain('rewrite-wrong');
    expect(exitCode).toBe(1);
  });
});
