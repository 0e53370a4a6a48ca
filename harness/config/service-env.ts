/**
 * What reaches a started service from the harness's own environment: a fixed handful of
 * variables, plus the names its manifest lists in `envFrom`. Pure: the environment is passed in.
 */
import { ConfigError } from '../errors.js';
import type { ResolvedManifest } from './manifest.js';

/** Variables of the harness's environment every service gets, when set. */
export const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ'] as const;

/** Variables the harness itself sets for a service (the scenario's fixtures: DB_PATH, UPSTREAM_URL); `env` and `envFrom` may not name them. */
export const HARNESS_SET_ENV = ['HOST', 'PORT', 'WORKERS', 'DB_PATH', 'UPSTREAM_URL', 'REWRITE_BENCH_OWNER'] as const;

/** A name a manifest's `envFrom` lists that the harness's environment does not set. */
export interface MissingVariable {
  readonly service: string;
  readonly file: string;
  readonly name: string;
}

/** The `envFrom` names of `manifests` that `env` does not set (an empty value counts as set). */
export function missingEnvFrom(manifests: readonly ResolvedManifest[], env: Readonly<Record<string, string | undefined>>): MissingVariable[] {
  return manifests.flatMap((manifest) => manifest.envFrom.filter((name) => env[name] === undefined).map((name) => ({ service: manifest.name, file: manifest.file, name })));
}

/**
 * Checks, before anything starts, that every `envFrom` name of the services to be started is set.
 * @throws ConfigError naming each missing variable, its service and manifest
 */
export function checkEnvFrom(manifests: readonly ResolvedManifest[], env: Readonly<Record<string, string | undefined>>): void {
  const missing = missingEnvFrom(manifests, env);
  if (missing.length === 0) return;
  const lines = missing.map((variable) => `\`${variable.name}\` for ${variable.service} (\`envFrom\` in ${variable.file})`);
  throw new ConfigError(
    `${missing.length === 1 ? 'A variable' : `${missing.length} variables`} that a service takes from the environment ${missing.length === 1 ? 'is' : 'are'} not set: ${lines.join('; ')}. ` +
      `Set ${missing.length === 1 ? 'it' : 'them'} in the environment rewrite-bench runs in (e.g. \`export NAME=value\`), or remove ${missing.length === 1 ? 'it' : 'them'} from \`envFrom\`.`,
  );
}

/**
 * The harness's variables a service gets: PASSED_ENV and its `envFrom` names. Values are never
 * written anywhere (results, report, messages): only names appear in errors.
 * @throws ConfigError when an `envFrom` name is not set (checkEnvFrom says so earlier for commands)
 */
export function inheritedEnv(manifest: ResolvedManifest, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  checkEnvFrom([manifest], env);
  const inherited: Record<string, string> = {};
  for (const name of [...PASSED_ENV, ...manifest.envFrom]) {
    const value = env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return inherited;
}
