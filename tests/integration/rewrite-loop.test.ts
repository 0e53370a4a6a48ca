/**
 * The loop a user goes through to check a real rewrite (issue 22, "Done when"), on the fixture
 * project tests/fixtures/shop: a legacy orders API in Python (stdlib only) and its rewrite in
 * Node, on different schemas of one PostgreSQL database started by the harness, behind a login
 * (`setup` registers and logs in on every instance; requests carry `Token {{token}}`).
 *
 * 1. `rewrite-bench compare` lists every difference — a time spelled another way, ids as strings,
 *    a renamed field — with the `compare:` lines that would accept them; the token each instance
 *    echoes in `GET /api/user` is not one of them.
 * 2. Those lines, each with its reason, make the check pass; `rewrite-bench run --claims` then
 *    decides "the rewrite needs at most half the CPU per request" on paired rounds: the legacy
 *    re-hashes its session token on every request (PBKDF2), about five times the rewrite's CPU.
 * 3. `run --quick` on the same scenario, which has no `quick:` block, runs once, short.
 * The README's "Checking a real rewrite" quotes these commands.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, retryOnceIfBusy, runCli } from './helpers.js';

const SHOP = path.join(FIXTURES, 'shop');
const PROJECT = path.join(SHOP, 'rewrite-bench.yaml');
const CLAIMS = path.join(SHOP, 'scenarios/claims.yaml');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rb-rewrite-loop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Why each suggested rule may be accepted, by the path it names: what a user writes in `why`. */
const REASONS: Readonly<Record<string, string>> = {
  '$.order.id': 'node-postgres returns bigint ids as strings; every client parses both',
  '$.order.quantity': 'renamed qty in the rewrite (API v2); clients read both',
  '$.order.qty': 'renamed from quantity in the rewrite (API v2); clients read both',
  '$.order.created_at': 'Python writes +00:00, JavaScript .000Z: the same instant',
};

/** The `compare:` block `compare` printed (YAML, indented under its sentence), parsed. */
function suggestedRules(output: string): { ignore: Array<{ path: string; why: string }>; times?: { paths: string[]; why: string } } {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line === '  compare:');
  expect(start, output).toBeGreaterThan(0);
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('    '));
  const block = lines.slice(start, end === -1 ? undefined : end).map((line) => line.slice(2)).join('\n');
  return (parse(block) as { compare: ReturnType<typeof suggestedRules> }).compare;
}

let written: Promise<string> | undefined;
/**
 * The fixture's scenario with the `compare:` lines `compare` suggests, each `why` filled in as a
 * user would, written outside the project (its seed files by absolute path); once per file.
 */
function acceptedScenario(): Promise<string> {
  written ??= (async () => {
    const suggestion = suggestedRules((await runCli(['compare', '--project', PROJECT])).stdout);
    const scenario = parse(await readFile(path.join(SHOP, 'scenarios/orders.yaml'), 'utf8')) as Record<string, unknown> & { fixtures: { database: { seedSql: Record<string, string> } } };
    scenario.compare = {
      ...(scenario.compare as object),
      ignore: suggestion.ignore.map((rule) => ({ path: rule.path, why: REASONS[rule.path] })),
      times: { paths: suggestion.times!.paths, why: REASONS['$.order.created_at'] },
    };
    scenario.fixtures.database.seedSql = Object.fromEntries(Object.entries(scenario.fixtures.database.seedSql).map(([service, file]) => [service, path.resolve(SHOP, 'scenarios', file)]));
    const file = path.join(dir, 'orders.yaml');
    await writeFile(file, stringify(scenario));
    return file;
  })();
  return written;
}

describe('checking a real rewrite: compare, accept with reasons, run, read the verdict', () => {
  it('compare lists every difference with the compare: lines that would accept it (exit 1)', async () => {
    const { exitCode, stdout, stderr } = await runCli(['compare', '--project', PROJECT]);
    expect(stdout).toContain('orders-rewrite: answers differently from orders-legacy at 7 locations');
    const locations = [...stdout.matchAll(/^ {2}(GET|POST) (\S+) (\$\S+): differs in (\d+) of (\d+) requests \(between two instances of orders-legacy: 0\)$/gm)].map((match) => `${match[1]} ${match[2]} ${match[3]}`);
    expect(locations.sort()).toEqual(
      ['GET /api/orders/{{id}} $.order.id', 'GET /api/orders/{{id}} $.order.quantity', 'GET /api/orders/{{id}} $.order.qty', 'GET /api/orders/{{id}} $.order.created_at', 'POST /api/orders $.order.id', 'POST /api/orders $.order.quantity', 'POST /api/orders $.order.qty'].sort(),
    );
    expect(stdout).toContain('$.order.created_at: expected `"2024-05-01T');
    expect(stdout).toMatch(/\$\.order\.id: expected `\d` \(number\), found `"\d"` \(string\)/);
    // Each instance logged in itself and echoes its own token: masked, so no difference there, and no noise either.
    expect(stdout).not.toContain('/api/user');
    expect(stdout).toContain('`POST /api/orders`: `$.order.created_at` differed in');
    const rules = suggestedRules(stdout);
    expect(rules.ignore.map((rule) => rule.path).sort()).toEqual(['$.order.id', '$.order.quantity', '$.order.qty'].sort());
    expect(rules.times?.paths).toEqual(['$.order.created_at']);
    expect([...rules.ignore.map((rule) => rule.why), rules.times?.why]).toEqual(['', '', '', '']);
    expect(exitCode, stderr).toBe(1);
  });

  it('accepted with reasons, the check passes and a run decides the claim on paired rounds: the rewrite needs at most half the CPU per request', async () => {
    const accepted = await acceptedScenario();
    const again = await runCli(['compare', '--project', PROJECT, accepted]);
    expect(again.stdout, again.stderr).toContain('orders-rewrite: answers like orders-legacy');
    expect(again.exitCode).toBe(0);

    const out = (attempt: number): string => path.join(dir, `run-${attempt}`);
    const result = await retryOnceIfBusy(
      (attempt) => runCli(['run', '--project', PROJECT, accepted, '--claims', CLAIMS, '--max-repetitions', '12', '--max-minutes', '4', '--out', out(attempt)]),
      (attempt) => path.join(out(attempt), 'results.json'),
    );
    // retryOnceIfBusy says so on the test's own stderr, not the CLI's: the second attempt is there when it ran.
    const attempts = existsSync(path.join(out(2), 'results.json')) ? 2 : 1;
    const document = JSON.parse(await readFile(path.join(out(attempts), 'results.json'), 'utf8')) as ResultsDocument;
    // The check passed with the declared rules and their reasons.
    const [check] = document.equivalence;
    expect(check!.verdicts.map((verdict) => `${verdict.service}: ${verdict.state}`)).toEqual(['orders-rewrite: pass']);
    expect(check!.rules!.map((rule) => rule.why)).toEqual([REASONS['$.order.id'], REASONS['$.order.quantity'], REASONS['$.order.qty'], REASONS['$.order.created_at']]);
    // Every run logged in and was served (a 401 would be a lost token), on its own PostgreSQL database measured apart.
    // The platform floor measured beside them answers 200 to everything and has no database.
    const [floorRuns, serviceRuns] = [document.runs.filter((record) => record.service === 'floor'), document.runs.filter((record) => record.service !== 'floor')];
    expect(floorRuns.length).toBeGreaterThan(0);
    for (const record of floorRuns) expect(Object.keys(record.load.counts.statusCounts), record.id).toEqual(['200']);
    for (const record of serviceRuns) {
      expect(Object.keys(record.load.counts.statusCounts).sort(), record.id).toEqual(['200', '201']);
      expect(record.database).toMatchObject({ kind: 'postgres' });
    }
    const claim = document.claims!.results.find((result) => result.id === 'half-the-cpu')!;
    const [ratio] = claim.checks;
    expect(claim.verdict, `${ratio!.note}\n${document.failures.map((failure) => failure.message).join('\n')}\n${result.stdout}`).toBe('holds');
    expect(ratio!.value).toBeGreaterThan(2);
    expect(result.stdout).toMatch(/HOLDS +half-the-cpu/);
    expect(result.exitCode, result.stderr).toBe(0);
  }, 600_000);

  it('--quick runs a scenario without a quick: block once, short (one repetition, 0.5 s warm-up, 1 s windows)', async () => {
    const accepted = await acceptedScenario();
    const out = path.join(dir, 'quick');
    const { exitCode, stdout, stderr } = await runCli(['run', '--project', PROJECT, accepted, '--quick', '--out', out]);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.scenarios).toMatchObject([{ name: 'orders', repetitions: 1, warmupSeconds: 0.5, durationSeconds: 1 }]);
    expect(document.runs.map((record) => `${record.service} ${record.repetition}`).sort()).toEqual(['floor 1', 'orders-legacy 1', 'orders-rewrite 1']);
    for (const record of document.runs) expect(record.windowEpochMs!.end - record.windowEpochMs!.start, record.id).toBeLessThan(1500);
    expect(document.equivalence.map((entry) => entry.verdicts[0]!.state)).toEqual(['pass']);
    expect(exitCode, `${stdout}\n${stderr}`).toBe(0);
  });
});
