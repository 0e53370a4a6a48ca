import { describe, expect, it } from 'vitest';
import { resolveProject } from '../../harness/config/project.js';
import { resolveScenario } from '../../harness/config/scenario.js';
import { ConfigError } from '../../harness/errors.js';

describe('project file', () => {
  it('resolves every path relative to the file, with defaults', () => {
    expect(resolveProject({}, '/repo/rewrite-bench.yaml')).toEqual({
      file: '/repo/rewrite-bench.yaml',
      root: '/repo',
      serviceDirs: ['/repo/services'],
      scenariosDir: '/repo/scenarios',
      claimsFile: undefined,
      outDir: '/repo/reports/runs',
      suite: undefined,
    });
    const project = resolveProject({ services: ['svc', 'more/svc'], scenarios: 'bench/scenarios', claims: 'bench/claims.yaml', out: '../out', suite: ['quote'] }, '/repo/sub/rewrite-bench.yaml');
    expect(project).toMatchObject({ root: '/repo/sub', serviceDirs: ['/repo/sub/svc', '/repo/sub/more/svc'], scenariosDir: '/repo/sub/bench/scenarios', claimsFile: '/repo/sub/bench/claims.yaml', outDir: '/repo/out', suite: ['quote'] });
    expect(Object.isFrozen(project)).toBe(true);
    // An empty file is a project with every default.
    expect(resolveProject(null, '/r/rewrite-bench.yaml').scenariosDir).toBe('/r/scenarios');
  });
  it('names every problem at once, a typo with the key it likely meant', () => {
    let message = '';
    try {
      resolveProject({ servises: ['s'], out: '/abs', scenarios: 3 }, '/repo/rewrite-bench.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('/repo/rewrite-bench.yaml has 3 problems:');
    expect(message).toContain('Unknown key `servises` in /repo/rewrite-bench.yaml. Did you mean `services`?');
    expect(message).toContain('Invalid `out` in /repo/rewrite-bench.yaml: expected a path relative to the project file');
    expect(message).toContain('Expected `scenarios` in /repo/rewrite-bench.yaml to be a string, got `3` (number).');
  });
});

describe('scenario fixtures', () => {
  const scenario = { name: 'q', description: 'd', workload: 'quote', requests: [{ path: '/quote' }], load: { model: 'closed', connections: 4 } };
  it('resolves the seed SQL relative to the scenario file, and declares the upstream', () => {
    const resolved = resolveScenario({ ...scenario, fixtures: { database: { seedSql: '../db/seed.sql' }, upstream: { delayMs: 50 } } }, '/repo/scenarios/q.yaml', { quick: false, availableCpus: 2 });
    expect(resolved.database).toEqual({ kind: 'sqlite', env: 'DB_PATH', seedSqlFile: '/repo/db/seed.sql', seedSqlFiles: {}, seedCommands: {} });
    expect(resolved.fixtures.upstream).toEqual({ delayMs: 50 });
    expect(resolveScenario(scenario, '/repo/scenarios/q.yaml', { quick: false, availableCpus: 2 })).toMatchObject({ database: undefined, fixtures: {} });
  });
});

describe('requests for your own endpoints', () => {
  const base = { name: 'q', description: 'd', workload: 'quote', load: { model: 'closed', connections: 4 } };
  const resolve = (requests: unknown[]): ReturnType<typeof resolveScenario> => resolveScenario({ ...base, requests }, 'scenarios/q.yaml', { quick: false, availableCpus: 2 });
  it('expands a template into seeded variants, prepared once (the same for every run)', async () => {
    const { prepareSources } = await import('../../harness/requests/prepare.js');
    const scenario = resolve([{ path: '/quote?sku={{sku}}', vars: { sku: { int: [1, 10000] } }, variants: 8 }]);
    const [source] = prepareSources(scenario.requests, 1);
    expect(source!.list).toHaveLength(8);
    expect(source!.list.every((request) => /^\/quote\?sku=\d+$/.test(request.path))).toBe(true);
    expect(new Set(source!.list.map((request) => request.path)).size).toBe(8);
    expect(prepareSources(scenario.requests, 1)).toEqual(prepareSources(scenario.requests, 1));
  });
  it('rejects a placeholder without a variable (naming the nearest), an expected body on a template, and headers the engines write', () => {
    expect(() => resolve([{ path: '/quote?sku={{skus}}', vars: { sku: { int: [1, 10] } } }])).toThrow(/unknown variable `\{\{skus\}\}`.*Did you mean `sku`\?/);
    expect(() => resolve([{ path: '/quote?sku={{sku}}', vars: { sku: { int: [1, 10] } }, expectBody: '{}' }])).toThrow(/`requests\[0\]\.expectBody`.*answers differently per variant/);
    expect(() => resolve([{ path: '/quote', headers: { Host: 'x' } }])).toThrow('`Host` is written by the load engines themselves');
  });
});
