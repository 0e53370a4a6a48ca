import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkDatabaseSeeds, checkEnvReferences, knownVariables, substituteArgv, substituteEnv } from '../../harness/config/fixture-env.js';
import { parseEnvTemplate, substituteEnvTemplate } from '../../harness/config/env-template.js';
import { resolveManifest } from '../../harness/config/manifest.js';
import { resolveScenario, type ResolvedScenario } from '../../harness/config/scenario.js';
import { ConfigError } from '../../harness/errors.js';

const scenarioOf = (fixtures: string, env = '{}'): ResolvedScenario =>
  resolveScenario(parse(`name: items\ndescription: d\nworkload: w\nrequests: [{path: /}]\nload: {model: closed, connections: 1}\nfixtures: ${fixtures}\nservice: {env: ${env}}\n`), 'scenarios/items.yaml', { quick: false, availableCpus: 2 });
const manifestOf = (fields: Record<string, unknown>) => resolveManifest({ name: 'legacy', language: 'python', description: 'd', start: ['./server'], ...fields }, 'services/legacy/service.yaml');
const errorOf = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('${NAME} templates', () => {
  it('splits literal text and references; $$ is one dollar', () => {
    expect(parseEnvTemplate('sqlite:///${DB_PATH}')).toEqual({ parts: [{ literal: 'sqlite:///' }, { name: 'DB_PATH' }] });
    expect(substituteEnvTemplate('--port=${PORT} $$5 a$$b', { PORT: '8080' })).toBe('--port=8080 $5 a$b');
    expect(substituteEnvTemplate('${MISSING}', {})).toBeUndefined();
  });
  it('refuses any other $, saying what to write', () => {
    expect(parseEnvTemplate('$PORT')).toEqual({ problem: '`$PORT` is not expanded: write `${PORT}` for the value the harness gives, or `$$PORT` for the literal text' });
    expect(parseEnvTemplate('a $ b')).toEqual({ problem: 'a lone `$`: write `$$` for a literal `$`, or `${NAME}` for a value the harness gives' });
    expect(parseEnvTemplate('${1X}')).toEqual({ problem: '`${1X}` is not a reference: write `${NAME}` with a name of letters, digits and _ (or `$$` for a literal `$`)' });
    expect(parseEnvTemplate('${OPEN')).toEqual({ problem: '`${OPEN` is not a reference: write `${NAME}` with a name of letters, digits and _ (or `$$` for a literal `$`)' });
    expect(errorOf(() => manifestOf({ env: { URL: 'http://x:$PORT' } }))).toContain('env.URL');
    expect(errorOf(() => manifestOf({ start: ['./server', '--port=$PORT'] }))).toContain('`$PORT` is not expanded');
  });
});

describe('the values a service is given, per scenario (issue 22 item 2)', () => {
  const withDatabase = scenarioOf('{database: {seedSql: seed.sql}}');
  const known = knownVariables([withDatabase]);
  it('lets a fixture name its variable, never one of the harness own', () => {
    expect(scenarioOf('{database: {seedSql: seed.sql, env: DATABASE_PATH}, upstream: {env: API_BASE}}').database?.env).toBe('DATABASE_PATH');
    expect(errorOf(() => scenarioOf('{database: {seedSql: seed.sql, env: PORT}}'))).toContain("HOST, PORT and WORKERS are the harness's own");
    expect(errorOf(() => scenarioOf('{database: {seedSql: seed.sql, env: X}, upstream: {env: X}}'))).toContain('to name different variables, got `X` for both');
  });
  it('accepts references to what the scenario gives', () => {
    expect(() => checkEnvReferences(withDatabase, manifestOf({ env: { DATABASE_URL: 'sqlite:///${DB_PATH}' }, start: ['./server', '--port=${PORT}', '--workers=${WORKERS}'] }), known)).not.toThrow();
  });
  it('names the file, the field, the names given and the nearest one for an unknown name', () => {
    expect(errorOf(() => checkEnvReferences(withDatabase, manifestOf({ env: { DATABASE_URL: 'sqlite:///${DB_PAHT}' } }), known))).toBe(
      'Unknown variable `${DB_PAHT}` in `env.DATABASE_URL` of services/legacy/service.yaml: in scenario `items` (scenarios/items.yaml) the harness gives HOST, PORT, WORKERS, DB_PATH (fixtures.database). Did you mean `DB_PATH`? Write `$$` for a literal `$`.',
    );
    expect(errorOf(() => checkEnvReferences(scenarioOf('{}', '{A: "${PROT}"}'), manifestOf({}), known))).toContain('in `service.env.A` of scenarios/items.yaml');
  });
  it('leaves out a manifest env entry whose fixture the scenario lacks, but refuses it in start', () => {
    const noDatabase = scenarioOf('{}');
    const manifest = manifestOf({ env: { DATABASE_URL: 'sqlite:///${DB_PATH}', MODE: 'fast' } });
    expect(() => checkEnvReferences(noDatabase, manifest, known)).not.toThrow();
    expect(substituteEnv(manifest.env, { HOST: '127.0.0.1', PORT: '1', WORKERS: '1' }, true)).toEqual({ MODE: 'fast' });
    expect(errorOf(() => checkEnvReferences(noDatabase, manifestOf({ start: ['./server', '--db=${DB_PATH}'] }), known))).toBe(
      '`${DB_PATH}` in `start[1]` of services/legacy/service.yaml is not given in scenario `items` (scenarios/items.yaml): there the harness gives HOST, PORT, WORKERS. Declare `fixtures.database` in the scenario, or set the variable under `env:` (an `env` entry of a manifest whose variable a scenario does not give is left out there).',
    );
  });
  it('substitutes start arguments and refuses to start with a name not given', () => {
    expect(substituteArgv(['./server', '--port=${PORT}'], { PORT: '4100' }, '`start` of s.yaml')).toEqual(['./server', '--port=4100']);
    expect(errorOf(() => substituteArgv(['--db=${DB_PATH}'], { PORT: '1' }, '`start` of s.yaml'))).toBe('Cannot fill `--db=${DB_PATH}` (argument 0 of `start` of s.yaml): the harness gives PORT here.');
  });
});

describe('seeds per service (issue 22 item 3)', () => {
  const twoSeeds = scenarioOf('{database: {seedSql: {legacy: legacy.sql, rewrite: rewrite.sql}}}');
  const named = (name: string, fields: Record<string, unknown> = {}) => resolveManifest({ name, language: 'x', description: 'd', start: ['node', 's.js'], ...fields }, `services/${name}/service.yaml`);
  it('resolves seed SQL per service and a manifest seed given as one argv or as steps', () => {
    expect(twoSeeds.database?.seedSqlFiles).toEqual({ legacy: expect.stringMatching(/\/scenarios\/legacy\.sql$/), rewrite: expect.stringMatching(/\/scenarios\/rewrite\.sql$/) });
    expect(named('a', { seed: ['./manage.py', 'loaddata', 'x.json'] }).seed).toEqual([['./manage.py', 'loaddata', 'x.json']]);
    expect(named('a', { seed: [['./manage.py', 'migrate'], ['./manage.py', 'loaddata', 'x.json']] }).seed).toHaveLength(2);
  });
  it('refuses a key that names no service of the scenario, and a service left without a seed', () => {
    expect(errorOf(() => checkDatabaseSeeds(twoSeeds, [named('legacy'), named('rewrit')]))).toBe('Unknown service `rewrite` in `fixtures.database.seedSql` of scenarios/items.yaml: the scenario runs legacy, rewrit. Did you mean `rewrit`?');
    const one = scenarioOf('{database: {seedSql: {legacy: legacy.sql}}}');
    expect(errorOf(() => checkDatabaseSeeds(one, [named('legacy'), named('rewrite')]))).toContain('No seed for service `rewrite` in scenarios/items.yaml');
    expect(() => checkDatabaseSeeds(one, [named('legacy'), named('rewrite', { seed: ['python3', 'seed.py'] })])).not.toThrow();
  });
  it('gives seed commands the database variable, HOST and WORKERS, never PORT', () => {
    const withDatabase = scenarioOf('{database: {seedSql: seed.sql}}');
    expect(() => checkEnvReferences(withDatabase, named('a', { seed: ['./seed', '--db=${DB_PATH}'] }), knownVariables([withDatabase]))).not.toThrow();
    expect(errorOf(() => checkEnvReferences(withDatabase, named('a', { seed: ['./seed', '--port=${PORT}'] }), knownVariables([withDatabase])))).toContain(
      '`${PORT}` in `seed[0][1]` of services/a/service.yaml is not given in scenario `items` (scenarios/items.yaml): a seed command runs before the service starts, with HOST, WORKERS, DB_PATH (no PORT: nothing listens yet).',
    );
  });
});
