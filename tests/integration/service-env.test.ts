/**
 * What reaches a started service from the harness's environment: a fixed handful of variables
 * plus the manifest's `envFrom` names; an unset name stops the start, naming it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSED_ENV } from '../../harness/config/service-env.js';
import { ConfigError } from '../../harness/errors.js';
import { runCli } from './helpers.js';
import { START_FIXTURE_DIR as DIR, startFixture as start, startFixtureManifest as manifestOf, stopStarted } from './start-fixture.js';


afterEach(async () => {
  await stopStarted();
  delete process.env.RB_ENV_FROM_TEST;
  delete process.env.RB_NOT_PASSED;
});

describe('a service\'s environment', () => {
  it('gets PATH, HOME, USER, LANG, LC_ALL, TMPDIR, TZ and the envFrom names from the harness, nothing else', async () => {
    process.env.RB_ENV_FROM_TEST = 's3cret value';
    process.env.RB_NOT_PASSED = 'no';
    const service = await start(manifestOf({ start: ['node', 'server.mjs'], env: { OWN: '1' }, envFrom: ['RB_ENV_FROM_TEST'] }));
    const seen = (await (await fetch(`${service.baseUrl}/env`)).json()) as { names: string[]; passed: string | null };
    const inherited = PASSED_ENV.filter((name) => process.env[name] !== undefined);
    expect(seen.names).toEqual([...inherited, 'RB_ENV_FROM_TEST', 'OWN', 'REWRITE_BENCH_OWNER', 'HOST', 'PORT', 'WORKERS'].sort());
    expect(seen.passed).toBe('s3cret value');
  });

  it('refuses to start when an envFrom name is not set, naming it and the manifest', async () => {
    const attempt = start(manifestOf({ start: ['node', 'server.mjs'], envFrom: ['RB_ENV_FROM_TEST'] }));
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(`A variable that a service takes from the environment is not set: \`RB_ENV_FROM_TEST\` for start-fixture (\`envFrom\` in ${path.join(DIR, 'service.yaml')}).`);
  });
});

describe('rewrite-bench run with an envFrom name that is not set', () => {
  it('stops with exit 2 naming it, before anything is built or started', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rb-envfrom-'));
    try {
      await mkdir(path.join(directory, 'services/needs-env'), { recursive: true });
      const marker = path.join(directory, 'built');
      await writeFile(
        path.join(directory, 'services/needs-env/service.yaml'),
        `name: needs-env\nlanguage: node\ndescription: takes a secret from the environment\nbuild: [[touch, ${JSON.stringify(marker)}]]\nstart: [node, ${JSON.stringify(path.join(DIR, 'server.mjs'))}]\nenvFrom: [RB_ENV_FROM_UNSET]\nimplements: [json]\n`,
      );
      const { exitCode, stderr } = await runCli(['run', 'json-closed', '--quick', '--skip-verify', '--services-dir', path.join(directory, 'services'), '--services', 'needs-env', '--out', path.join(directory, 'out')]);
      expect(exitCode).toBe(2);
      expect(stderr).toContain('A variable that a service takes from the environment is not set: `RB_ENV_FROM_UNSET` for needs-env (`envFrom` in ');
      expect(existsSync(marker)).toBe(false);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
