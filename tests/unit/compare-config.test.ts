/** The `compare:` block of a scenario: its rules, their reasons, and the messages for mistakes. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { yamlBlocks } from './doc-blocks.js';
import { resolveScenario } from '../../harness/config/scenario.js';
import { describeRule } from '../../harness/results/accept-rule.js';
import { declaredRules, ignorePaths } from '../../harness/verify/compare-rules.js';

const scenario = (compare: unknown) => resolveScenario({ name: 'a', description: 'b', workload: 'w', requests: [{ path: '/' }], load: { model: 'closed', connections: 1 }, compare }, 'scenarios/a.yaml', { quick: false, availableCpus: 4 });
const problem = (compare: unknown): string => {
  try {
    scenario(compare);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('compare.ignore', () => {
  it('takes plain paths and paths with their reason', () => {
    const { compare } = scenario({ ignore: ['$.request_id', { path: '$.items[*].id', why: 'ids come from each service own sequence' }, { path: '$..updated_at' }] });
    expect(ignorePaths(compare)).toEqual(['$.request_id', '$.items[*].id', '$..updated_at']);
    expect(declaredRules(compare).map(describeRule)).toEqual(['ignore `$.request_id` — no reason given', 'ignore `$.items[*].id` — ids come from each service own sequence', 'ignore `$..updated_at` — no reason given']);
  });
  it('says what is wrong with a path, a form or an empty reason', () => {
    expect(problem({ ignore: ['items'] })).toBe("Invalid `compare.ignore[0]` in scenarios/a.yaml: Invalid JSON path `items`: expected `$` (the root) at character 1, found `i`. Write paths like `$.items[*].id`, `$..updated_at`, `$.meta.*` or `$['key with spaces']`.");
    expect(problem({ ignore: [{ pth: '$.x' }] })).toBe('Expected `compare.ignore[0]` in scenarios/a.yaml to be a JSON path such as "$.items[*].id", or {path: "$.items[*].id", why: "…"}, got `{"pth":"$.x"}` (object).');
    expect(problem({ ignore: [{ path: '$.x', why: ' ' }] })).toBe('Invalid `compare.ignore[0].why` in scenarios/a.yaml: say why this may differ (the report and `rewrite-bench compare` show it), or leave `why` out');
  });
});

describe('times, sets, tolerance and statuses', () => {
  it('read into rules, each with its reason or "no reason given"', () => {
    const { compare } = scenario({
      times: { paths: ['$..created_at'], why: 'Flask writes +00:00, Go writes Z' },
      sets: [{ path: '$.tags', why: 'stored in a set' }],
      tolerance: [{ path: '$.average', relative: 1e-9 }],
      statuses: [{ reference: 301, candidate: 200, why: 'the rewrite serves the page instead of redirecting to it' }],
    });
    expect(declaredRules(compare)).toEqual([
      { kind: 'times', paths: ['$..created_at'], why: 'Flask writes +00:00, Go writes Z' },
      { kind: 'sets', path: '$.tags', why: 'stored in a set' },
      { kind: 'tolerance', path: '$.average', relative: 1e-9 },
      { kind: 'statuses', reference: 301, candidate: 200, why: 'the rewrite serves the page instead of redirecting to it' },
    ]);
    expect(declaredRules(compare).map(describeRule)).toEqual([
      'times compared as instants at `$..created_at` — Flask writes +00:00, Go writes Z',
      '`$.tags` compared as a set — stored in a set',
      'numbers at `$.average` equal within 1e-9 relative — no reason given',
      'status 200 accepted where the reference answers 301 — the rewrite serves the page instead of redirecting to it',
    ]);
    expect(describeRule({ kind: 'times', paths: 'all' })).toBe('times compared as instants at every string — no reason given');
    expect(declaredRules(scenario({ times: { paths: 'all' } }).compare)).toEqual([{ kind: 'times', paths: 'all' }]);
  });
  it('says what is wrong', () => {
    expect(problem({ times: { paths: [] } })).toBe('Expected `compare.times.paths` in scenarios/a.yaml to be a list of at least 1 item(s), got `[]` (array).');
    expect(problem({ times: { paths: 'some' } })).toBe('Expected `compare.times.paths` in scenarios/a.yaml to be a list of JSON paths such as ["$..created_at"], or "all", got `"some"` (string).');
    expect(problem({ tolerance: [{ path: '$.x', relative: 0 }] })).toBe('Expected `compare.tolerance[0].relative` in scenarios/a.yaml to be a number > 0, got `0` (number).');
    expect(problem({ statuses: [{ reference: 301, candidate: 301 }] })).toBe('Invalid `compare.statuses[0]` in scenarios/a.yaml: a status mapping needs two different statuses, got 301 for both');
    expect(problem({ statuses: [{ reference: 301, candidate: 200, why: '' }] })).toBe('Invalid `compare.statuses[0].why` in scenarios/a.yaml: say why this may differ (the report and `rewrite-bench compare` show it), or leave `why` out');
    expect(problem({ sets: [{ path: '$.tags', reason: 'x' }] })).toBe('Unknown key `reason` in scenarios/a.yaml under `compare.sets[0]`. Allowed keys here: `path`, `why`.');
  });
});

describe('the README examples of compare (issue 22, item 10: they must parse)', () => {
  it('the scenario example validates, with its compare rules', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    // Every block parses and validates in docs-yaml.test.ts; here the rules these two declare.
    const blocks = yamlBlocks(readme, 'README.md').map((block) => block.text);
    const example = blocks.find((block) => block.startsWith('name: quote') && block.includes('compare:'));
    expect(example).toBeDefined();
    const { compare } = resolveScenario(parse(example!), 'README.md', { quick: false, availableCpus: 64 });
    expect(declaredRules(compare).map((rule) => rule.kind)).toEqual(['ignore', 'ignore', 'times', 'sets', 'tolerance', 'statuses']);
    // compare's suggestion example: YAML that parses into the same shapes (each why still to fill in).
    const suggestion = blocks.find((block) => block.includes('why: ""'));
    expect(parse(suggestion!)).toMatchObject({ compare: { ignore: [{ path: '$.total', why: '' }], sets: [{ path: '$.tags' }], statuses: [{ reference: 301, candidate: 200 }], times: { paths: ['$.created_at'] } } });
  });
});
