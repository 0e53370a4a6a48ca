/** The `compare:` block of a scenario: its rules, their reasons, and the messages for mistakes. */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../harness/config/scenario.js';
import { declaredRules, describeRule, ignorePaths } from '../../harness/verify/compare-rules.js';

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
