/**
 * Small services written the way real ones are, run end to end through `rewrite-bench run` on
 * their own project (tests/fixtures/real): state that lives across the load points of one service
 * start, the service's own configuration names, its own schema and seed code, PostgreSQL.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, runCli } from './helpers.js';

const PROJECT = path.join(FIXTURES, 'real/rewrite-bench.yaml');
let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rb-real-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs scenarios of the fixture project; the results document and the CLI's output. */
async function run(name: string, args: string[]): Promise<{ exitCode: number; output: string; document: ResultsDocument | undefined }> {
  const dir = path.join(out, name);
  const result = await runCli(['run', '--project', PROJECT, '--out', dir, ...args]);
  const document = await readFile(path.join(dir, 'results.json'), 'utf8').then((text) => JSON.parse(text) as ResultsDocument, () => undefined);
  return { exitCode: result.exitCode, output: `${result.stdout}\n${result.stderr}`, document };
}

describe('state across the load points of one service start', () => {
  it('numbers {{seq}} on from one point to the next: no key repeats, no 409 (issue 19 item 5)', async () => {
    const { exitCode, output, document } = await run('seq', ['seq-sweep']);
    expect(exitCode, output).toBe(0);
    const runs = document!.runs.filter((record) => record.scenario === 'seq-sweep' && record.role === undefined);
    expect(runs.map((record) => record.rateIndex)).toEqual([0, 1]);
    for (const record of runs) {
      expect(Object.keys(record.load.counts.statusCounts), record.id).toEqual(['201']);
      expect(record.load.counts.statusCounts['201']).toBeGreaterThan(0);
    }
  });
});

describe("a service's own configuration names (issue 22 item 2)", () => {
  it('gets the harness values through ${NAME} in start and env, and the database under the name the scenario chose', async () => {
    const { exitCode, output, document } = await run('own-config', ['own-config']);
    expect(exitCode, output).toBe(0);
    const [record] = document!.runs;
    expect(record!.load.counts.statusCounts, output).toEqual({ 200: record!.load.counts.responses });
    expect(record!.load.counts.responses).toBeGreaterThan(0);
  });
  it('refuses an unknown ${NAME} before anything starts, naming the file, the field and the names given', async () => {
    const { exitCode, output, document } = await run('typo-env', [path.join(FIXTURES, 'real/scenarios/_typo-env.yaml')]);
    expect(exitCode).toBe(2);
    expect(output).toContain('Unknown variable `${APP_DB_FIEL}` in `service.env.DB_COPY` of');
    expect(output).toContain('the harness gives HOST, PORT, WORKERS, APP_DB_FILE (fixtures.database). Did you mean `APP_DB_FILE`?');
    expect(document).toBeUndefined();
  });
});

describe('one logical seed for services with different schemas (issue 22 item 3)', () => {
  it('seeds each service its own way (SQL for one, its own seed code for the other) and compares the answers', async () => {
    const { exitCode, output, document } = await run('notes', ['notes']);
    expect(exitCode, output).toBe(0);
    expect(document!.equivalence.map((check) => check.verdicts.map((verdict) => `${verdict.service}: ${verdict.state}`))).toEqual([['notes-rewrite: pass']]);
    for (const service of ['notes-legacy', 'notes-rewrite']) {
      const [record] = document!.runs.filter((candidate) => candidate.service === service);
      expect(Object.keys(record!.load.counts.statusCounts).sort(), `${service}: ${output}`).toEqual(['200', '201']);
    }
  });
});

describe('one service of a scenario with a reference (issue 22 item 12)', () => {
  it('--services notes-rewrite measures only the rewrite, after checking it against the reference, started for the check only', async () => {
    const { exitCode, output, document } = await run('rewrite-alone', ['notes', '--services', 'notes-rewrite']);
    expect(exitCode, output).toBe(0);
    expect(output).toContain('notes: checking against notes-legacy, which this run does not measure (not selected)');
    expect(document!.equivalence.map((check) => [check.reference, check.verdicts.map((verdict) => `${verdict.service}: ${verdict.state}`)])).toEqual([['notes-legacy', ['notes-rewrite: pass']]]);
    expect([...new Set(document!.runs.map((record) => record.service))]).toEqual(['notes-rewrite']);
    expect(document!.failures).toEqual([]);
  });
  it('with --skip-verify, measures it unchecked (no reference started)', async () => {
    const { exitCode, output, document } = await run('rewrite-unchecked', ['notes', '--services', 'notes-rewrite', '--skip-verify']);
    expect(exitCode, output).toBe(0);
    expect(document!.equivalence).toEqual([]);
    expect([...new Set(document!.runs.map((record) => record.service))]).toEqual(['notes-rewrite']);
  });
});

describe('PostgreSQL (issue 22 item 4)', () => {
  it('starts a server on the load CPUs, gives each run a fresh database from the seeded template, and measures the server apart', async () => {
    const { exitCode, output, document } = await run('pg', ['pg-visits']);
    expect(exitCode, output).toBe(0);
    const runs = document!.runs.filter((record) => record.scenario === 'pg-visits');
    expect(runs).toHaveLength(2);
    const runtimes = runs.map((record) => record.measured.runtime as { database: string; countAtStart: number; count: number });
    // Each run starts from the seed's 3 rows, though the run before it wrote more.
    expect(runtimes.map((runtime) => runtime.countAtStart)).toEqual([3, 3]);
    for (const runtime of runtimes) expect(runtime.count).toBeGreaterThan(3);
    expect(new Set(runtimes.map((runtime) => runtime.database)).size).toBe(2);
    for (const record of runs) {
      expect(Object.keys(record.load.counts.statusCounts).sort(), output).toEqual(['200', '201']);
      expect(record.database).toMatchObject({ kind: 'postgres', cpuList: document!.cpuPlan!.loadCpus });
      expect(record.database!.pid).not.toBe(record.measured.pid);
      expect(record.database!.cpuCores).toBeGreaterThan(0);
      expect(record.database!.pssBytes).toBeGreaterThan(0);
      expect(record.measured.cpuList).toBe(document!.cpuPlan!.serviceCpus);
    }
  });
  it('refuses a scenario whose server cannot be found, before anything starts', async () => {
    const { exitCode, output, document } = await run('pg-missing', [path.join(FIXTURES, 'real/scenarios/_pg-no-server.yaml')]);
    expect(exitCode).toBe(2);
    expect(output).toMatch(/No PostgreSQL server in `fixtures\.database\.postgres\.bin` of .*_pg-no-server\.yaml \(.*nowhere\): expected `postgres` and `initdb` there\./);
    expect(document).toBeUndefined();
  });
});
