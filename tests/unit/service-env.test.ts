import { describe, expect, it } from 'vitest';
import { resolveManifest } from '../../harness/config/manifest.js';
import { checkEnvFrom, inheritedEnv, missingEnvFrom } from '../../harness/config/service-env.js';
import { ConfigError } from '../../harness/errors.js';

const base = { name: 'api', language: 'java', description: 'the rewrite', start: ['./run'] };
const manifest = (fields: Record<string, unknown> = {}) => resolveManifest({ ...base, ...fields }, 'services/api/service.yaml');
const manifestError = (fields: Record<string, unknown>): string => {
  try {
    manifest(fields);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('envFrom in service.yaml', () => {
  it('lists names of variables passed through, none by default', () => {
    expect(manifest().envFrom).toEqual([]);
    expect(manifest({ envFrom: ['DATABASE_URL', 'JAVA_HOME'] }).envFrom).toEqual(['DATABASE_URL', 'JAVA_HOME']);
  });

  it('rejects a bad name, a name twice, a name the harness sets, and one also given in env', () => {
    expect(manifestError({ envFrom: ['DATABASE-URL'] })).toContain('Expected `envFrom[0]` in services/api/service.yaml to be a string matching');
    expect(manifestError({ envFrom: ['A', 'A'] })).toContain('`A` is listed twice; list it once');
    expect(manifestError({ envFrom: ['PORT'] })).toContain('`PORT` is set by the harness for every service it starts (HOST, PORT, WORKERS, DB_PATH, UPSTREAM_URL, REWRITE_BENCH_OWNER); remove it from `envFrom`');
    expect(manifestError({ env: { TOKEN: 'x' }, envFrom: ['TOKEN'] })).toContain('`TOKEN` is given both a value in `env` and passed through by `envFrom`; keep one');
  });

  it('does not apply to a remote target', () => {
    const { start: _start, ...remote } = base;
    expect(() => resolveManifest({ ...remote, target: { url: 'http://10.0.0.5:8080' }, envFrom: ['TOKEN'] }, 'services/api/service.yaml')).toThrow('`envFrom` does not apply to a remote `target`');
  });
});

describe('the environment a service gets', () => {
  const harness = { PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', SECRET: 'hunter2', DATABASE_URL: 'postgres://db/x', EMPTY: '', AWS_ACCESS_KEY_ID: 'AKIA' };

  it('is PATH, HOME, USER, LANG, LC_ALL, TMPDIR, TZ (when set) and the envFrom names, nothing else', () => {
    expect(inheritedEnv(manifest(), harness)).toEqual({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8' });
    expect(inheritedEnv(manifest({ envFrom: ['DATABASE_URL', 'EMPTY'] }), harness)).toEqual({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', DATABASE_URL: 'postgres://db/x', EMPTY: '' });
  });

  it('stops before anything starts when a name is not set, naming each one and never a value', () => {
    const services = [manifest({ envFrom: ['DATABASE_URL', 'JAVA_HOME'] }), resolveManifest({ ...base, name: 'legacy', envFrom: ['LD_LIBRARY_PATH', 'SECRET'] }, 'services/legacy/service.yaml')];
    expect(missingEnvFrom(services, harness)).toEqual([
      { service: 'api', file: 'services/api/service.yaml', name: 'JAVA_HOME' },
      { service: 'legacy', file: 'services/legacy/service.yaml', name: 'LD_LIBRARY_PATH' },
    ]);
    expect(() => checkEnvFrom(services, harness)).toThrow(
      new ConfigError(
        '2 variables that a service takes from the environment are not set: `JAVA_HOME` for api (`envFrom` in services/api/service.yaml); `LD_LIBRARY_PATH` for legacy (`envFrom` in services/legacy/service.yaml). Set them in the environment rewrite-bench runs in (e.g. `export NAME=value`), or remove them from `envFrom`.',
      ),
    );
    expect(() => checkEnvFrom(services, { ...harness, JAVA_HOME: '/opt/jdk', LD_LIBRARY_PATH: '/opt/lib' })).not.toThrow();
    expect(() => inheritedEnv(services[0]!, harness)).toThrow(/`JAVA_HOME` for api/);
  });
});
