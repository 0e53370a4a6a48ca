/**
 * `rewrite-bench compare` and what `run` does with a failed check, on the small services of
 * tests/fixtures/equivalence: every differing location of every service with counts and an example
 * (not only the first), the `compare:` lines that would accept them — which, filled in, make the
 * check pass — and the exit codes; a run whose only candidate differs does not measure the
 * reference alone, and its failure keeps the whole description.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, runCli } from './helpers.js';

const PROJECT = path.join(FIXTURES, 'equivalence/rewrite-bench.yaml');
const ORDERS = path.join(FIXTURES, 'equivalence/scenarios/orders.yaml');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rb-compare-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The suggested `compare:` block of compare's output, as YAML text. */
function suggestedYaml(stdout: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('To accept these differences'));
  expect(start, stdout).toBeGreaterThan(0);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    block.push(line);
  }
  return block.join('\n');
}

describe('rewrite-bench compare', () => {
  it('lists every differing location of every service with counts and an example, and the lines that would accept them (exit 1)', async () => {
    const { exitCode, stdout, stderr } = await runCli(['compare', 'orders', '--project', PROJECT, '--services', 'legacy,faithful,renamed,flaky-500,text-off']);
    expect(stdout).toContain('4 services compared with legacy on 90 requests');
    expect(stdout).toContain('faithful: answers like legacy (90 of 90 requests)');
    // Both sides of the rename, not only the first difference.
    expect(stdout).toMatch(/renamed: answers differently from legacy at 2 locations\n  GET \/orders\/\{\{id\}\} \$\.total: differs in (\d+) of \1 requests \(between two instances of legacy: 0\)\n    request: GET \/orders\/\d+\n    \$\.total: missing, expected `\d+`\n    legacy answered: +\{"id":\d+,"total":/);
    expect(stdout).toMatch(/  GET \/orders\/\{\{id\}\} \$\.amount: differs in (\d+) of \1 requests/);
    expect(stdout).toMatch(/flaky-500: answers differently from legacy at 1 location\n  GET \/flaky status: differs in (\d+) of \1 requests/);
    expect(stdout).toMatch(/text-off: answers differently from legacy at 1 location\n  GET \/text\/\{\{id\}\} \$ \(the body\): differs in (\d+) of \1 requests/);
    expect(stdout).toContain('`GET /orders/{{id}}`: `$.request_id` differed in');
    const yaml = parse(suggestedYaml(stdout)) as { compare: { ignore: Array<{ path: string; why: string }> } };
    expect(yaml.compare.ignore).toEqual([
      { path: '$.total', why: '' },
      { path: '$.amount', why: '' },
      { path: '$', why: '' },
    ]);
    expect(stdout).toMatch(/No rule accepts these \(fix the service\):\n  flaky-500: GET \/flaky status, (\d+) of \1 requests: status: expected `200`, found `500`/);
    expect(stderr).toContain('orders: comparing faithful, renamed, flaky-500, text-off with legacy on 90 requests');
    expect(exitCode).toBe(1);
  });
  it('passes once the suggested lines are in the scenario with their reasons; an empty reason is refused (exit 2)', async () => {
    const first = await runCli(['compare', 'orders', '--project', PROJECT, '--services', 'legacy,renamed']);
    const suggested = parse(suggestedYaml(first.stdout)) as { compare: { ignore: Array<{ path: string; why: string }> } };
    const scenario = parse(await readFile(ORDERS, 'utf8')) as Record<string, unknown>;
    const file = path.join(tmp, 'orders-accepting.yaml');
    await writeFile(file, stringify({ ...scenario, compare: { requests: 90, ignore: suggested.compare.ignore } }));
    const empty = await runCli(['compare', file, '--project', PROJECT, '--services', 'legacy,renamed']);
    expect(empty.stderr).toContain('`compare.ignore[0].why`');
    expect(empty.stderr).toContain('say why this may differ');
    expect(empty.exitCode).toBe(2);
    await writeFile(file, stringify({ ...scenario, compare: { requests: 90, ignore: suggested.compare.ignore.map((entry) => ({ ...entry, why: 'the rewrite renamed total to amount; clients were migrated' })) } }));
    const { exitCode, stdout } = await runCli(['compare', file, '--project', PROJECT, '--services', 'legacy,renamed']);
    expect(stdout).toContain('renamed: answers like legacy (90 of 90 requests)');
    expect(stdout).toContain('ignore `$.total` — the rewrite renamed total to amount; clients were migrated');
    expect(exitCode).toBe(0);
  });
  it('exits 2 for a scenario without a reference or a bad option, 3 for a service that cannot start', async () => {
    const plain = path.join(tmp, 'plain.yaml');
    const scenario = parse(await readFile(ORDERS, 'utf8')) as Record<string, unknown>;
    await writeFile(plain, stringify({ ...scenario, name: 'plain', reference: undefined }));
    const noReference = await runCli(['compare', plain, '--project', PROJECT]);
    expect(noReference.stderr).toContain('names no `reference:` service');
    expect(noReference.exitCode).toBe(2);
    const badRequests = await runCli(['compare', 'orders', '--project', PROJECT, '--requests', '0']);
    expect(badRequests.stderr).toContain('Expected --requests to be an integer from 1 to 100000, got `0`.');
    expect(badRequests.exitCode).toBe(2);
    const alone = await runCli(['compare', 'orders', '--project', PROJECT, '--services', 'legacy']);
    expect(alone.stderr).toContain('only the reference service legacy runs');
    expect(alone.exitCode).toBe(2);
    const broken = path.join(tmp, 'services/broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'service.yaml'), 'name: broken\nlanguage: javascript\ndescription: "exits at once"\nstart: [node, -e, "process.exit(1)"]\nimplements: [orders]\n');
    const { exitCode, stdout } = await runCli(['compare', 'orders', '--project', PROJECT, '--services-dir', path.join(tmp, 'services'), '--services', 'legacy,faithful,broken', '--requests', '20']);
    expect(stdout).toMatch(/broken: could not be compared: could not be started: /);
    expect(stdout).toContain('faithful: answers like legacy (20 of 20 requests)');
    expect(exitCode).toBe(3);
  });
});

describe('accepting the same answer in other spellings (issue 22, item 8)', () => {
  const SPELLINGS = path.join(FIXTURES, 'equivalence/scenarios/spellings.yaml');
  it('suggests times, sets, a tolerance and a status mapping for a rewrite that spells things otherwise, and passes with them', async () => {
    const first = await runCli(['compare', 'spellings', '--project', PROJECT, '--services', 'legacy,spelled']);
    expect(first.stdout).toMatch(/spelled: answers differently from legacy at 4 locations/);
    expect(first.stdout).toMatch(/GET \/old\/\{\{id\}\} status: differs in (\d+) of \1 requests \(between two instances of legacy: 0\)\n {4}request: GET \/old\/\d+\n {4}status: expected `301`, found `200`\n {4}legacy answered: +\(empty\)/);
    expect(first.stdout).toMatch(/\$\.created_at: expected `"2024-01-01T00:00:\d\d\+00:00"`, found `"2024-01-01T00:00:\d\d\.000Z"`/);
    expect(first.exitCode).toBe(1);
    const suggested = (parse(suggestedYaml(first.stdout)) as { compare: Record<string, unknown> }).compare;
    expect(suggested).toEqual({
      sets: [{ path: '$.tags', why: '' }],
      tolerance: [{ path: '$.average', relative: 1e-15, why: '' }],
      statuses: [{ reference: 301, candidate: 200, why: '' }],
      times: { paths: ['$.created_at'], why: '' },
    });
    // Filled in with reasons, the rules accept exactly these differences.
    const because = (entry: Record<string, unknown>) => ({ ...entry, why: `checked by hand: ${Object.values(entry).join(' ')}` });
    const scenario = parse(await readFile(SPELLINGS, 'utf8')) as Record<string, unknown>;
    const file = path.join(tmp, 'spellings-accepting.yaml');
    const compare = {
      requests: 60,
      times: because(suggested.times as Record<string, unknown>),
      sets: (suggested.sets as Array<Record<string, unknown>>).map(because),
      tolerance: (suggested.tolerance as Array<Record<string, unknown>>).map(because),
      statuses: (suggested.statuses as Array<Record<string, unknown>>).map(because),
    };
    await writeFile(file, stringify({ ...scenario, compare }));
    const { exitCode, stdout } = await runCli(['compare', file, '--project', PROJECT, '--services', 'legacy,spelled']);
    expect(stdout).toContain('spelled: answers like legacy (60 of 60 requests)');
    expect(stdout).toContain('Declared in `compare:`');
    expect(stdout).toContain('  `$.tags` compared as a set — checked by hand: $.tags ');
    expect(stdout).toContain('  status 200 accepted where the reference answers 301 — checked by hand: 301 200 ');
    expect(exitCode).toBe(0);
    // The rules do not hide a real difference: the renamed field still shows.
    const renamed = await runCli(['compare', file, '--project', PROJECT, '--services', 'legacy,renamed']);
    expect(renamed.stdout).toMatch(/renamed: answers differently from legacy at 2 locations/);
    expect(renamed.exitCode).toBe(1);
  });
});

describe('run with a reference service', () => {
  it('does not measure the reference alone when its only candidate differs, and keeps the whole description of the difference', async () => {
    const out = path.join(tmp, 'run-renamed');
    const { exitCode, stdout } = await runCli(['run', 'orders', '--project', PROJECT, '--services', 'legacy,renamed', '--quick', '--out', out]);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.runs).toEqual([]);
    const verdict = document.equivalence[0]!.verdicts[0]!;
    expect(verdict.differences?.map((difference) => [difference.requestKind, difference.location, difference.noiseCount])).toEqual([
      ['GET /orders/{{id}}', '$.total', 0],
      ['GET /orders/{{id}}', '$.amount', 0],
    ]);
    expect(verdict.differences![0]!.accept).toEqual([{ kind: 'ignore', path: '$.total' }]);
    expect(document.failures.map((failure) => [failure.service, failure.kind])).toEqual([
      ['renamed', 'non-conforming'],
      [undefined, 'non-conforming'],
    ]);
    expect(document.failures[1]!.message).toContain('not measured: no service answers like the reference legacy (renamed; see above), and legacy alone would decide nothing');
    // The terminal's failures keep every line: the request and both answers of each location.
    expect(stdout).toMatch(/## failures\n  orders \/ renamed: renamed answers differently from the reference service legacy at 2 locations, not measured:\n {4}  GET \/orders\/\{\{id\}\} \$\.total: differs in \d+ of \d+ requests/);
    expect(stdout).toMatch(/ {8}request: GET \/orders\/\d+\n {8}\$\.total: missing, expected `\d+`\n {8}legacy answered: +\{/);
    expect(exitCode).toBe(1);
  });
  it('measures the reference alone when it is all the user asked for', async () => {
    const out = path.join(tmp, 'run-legacy');
    const { exitCode } = await runCli(['run', 'orders', '--project', PROJECT, '--services', 'legacy', '--quick', '--out', out]);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.equivalence).toEqual([]);
    expect(new Set(document.runs.map((run) => run.service))).toEqual(new Set(['legacy']));
    expect(document.failures).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
