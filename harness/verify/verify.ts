/**
 * `rewrite-bench verify` against an oracle that knows the answers: each service implementing one
 * of the oracle's workloads is started and sent the oracle's fixed vectors and seeded random
 * requests, each compared byte for byte with the expected answer; then SIGTERM must stop it
 * cleanly. The built-in contract (suite/contract.ts) is such an oracle; a reference service is the
 * other kind (verify/against-reference.ts). I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import { messageOf } from '../errors.js';
import { DatabaseFactory } from '../process/database.js';
import { connectTarget } from '../process/target.js';
import { startService, type RunningService } from '../process/service.js';
import { startUpstream } from '../process/upstream.js';
import { runVectors } from './run-vectors.js';
import type { LoadTls } from '../load/job.js';
import type { Vector } from './vector.js';

/** The cases an oracle sends: fixed vectors and seeded random requests, per workload. */
export interface OracleCases {
  readonly vectors: Readonly<Record<string, readonly Vector[]>>;
  readonly random: Readonly<Record<string, readonly Vector[]>>;
}

/** An oracle of known answers for some workloads. */
export interface Oracle {
  /** Named in messages ("does not conform to …"). */
  readonly name: string;
  readonly workloads: readonly string[];
  /** What a service needs while it is checked on these workloads. */
  fixtures(workloads: readonly string[]): { readonly seedSqlFile?: string; readonly upstreamDelayMs?: number; readonly env?: Readonly<Record<string, string>> };
  /** The cases, built once (the expected answers do not depend on the service). */
  cases(seed: number, randomPerEndpoint: number): Promise<OracleCases>;
}

/** The outcome of verifying one service. */
export interface VerifyResult {
  readonly service: string;
  /** `not-applicable`: the service implements none of the oracle's workloads (nothing was checked). */
  readonly state: 'pass' | 'fail' | 'not-applicable';
  readonly checked: number;
  /** One line per failed check (vector or random case), or a start/stop failure. */
  readonly failures: readonly string[];
}

export interface VerifyOptions {
  readonly services: readonly ResolvedManifest[];
  readonly oracle: Oracle;
  /** Random requests per endpoint (the issue asks for at least 200). */
  readonly randomPerEndpoint: number;
  /** Seed of the random requests; differs from every load seed. */
  readonly seed: number;
  readonly log: (line: string) => void;
}

const SHUTDOWN_LIMIT_MS = 10_000;

/** The oracle's workloads a service implements, in the oracle's order. */
export function workloadsOf(manifest: ResolvedManifest, oracle: Oracle): string[] {
  return oracle.workloads.filter((workload) => manifest.implements.includes(workload));
}

/** Verifies each service in turn; a failing service does not stop the others. */
export async function verifyServices(options: VerifyOptions): Promise<VerifyResult[]> {
  const { oracle } = options;
  const applicable = options.services.filter((manifest) => workloadsOf(manifest, oracle).length > 0);
  const fixtures = oracle.fixtures([...new Set(applicable.flatMap((manifest) => workloadsOf(manifest, oracle)))]);
  const databases = fixtures.seedSqlFile === undefined ? undefined : await DatabaseFactory.create(fixtures.seedSqlFile);
  const upstream = fixtures.upstreamDelayMs === undefined ? undefined : await startUpstream(fixtures.upstreamDelayMs, undefined);
  // Built once: the expected answers do not depend on the service.
  const cases = applicable.length === 0 ? { vectors: {}, random: {} } : await oracle.cases(options.seed, options.randomPerEndpoint);
  try {
    const results: VerifyResult[] = [];
    for (const manifest of options.services) {
      if (!applicable.includes(manifest)) {
        results.push({ service: manifest.name, state: 'not-applicable', checked: 0, failures: [] });
        continue;
      }
      results.push(await verifyOne(manifest, { cases, oracle, env: fixtures.env ?? {}, databases, upstream, log: options.log }));
    }
    return results;
  } finally {
    await upstream?.stop();
    await databases?.dispose();
  }
}

interface Shared {
  cases: OracleCases;
  oracle: Oracle;
  env: Readonly<Record<string, string>>;
  databases: DatabaseFactory | undefined;
  upstream: RunningService | undefined;
  log: (line: string) => void;
}

async function verifyOne(manifest: ResolvedManifest, shared: Shared): Promise<VerifyResult> {
  const failures: string[] = [];
  let checked = 0;
  const env: Record<string, string> = { ...shared.env };
  if (shared.databases !== undefined) env.DB_PATH = await shared.databases.fresh(`verify-${manifest.name}`);
  if (shared.upstream !== undefined) env.UPSTREAM_URL = shared.upstream.baseUrl;
  let service: RunningService | undefined;
  let baseUrl: string;
  let tls: LoadTls | undefined;
  try {
    // A remote target is checked where it runs (its shutdown is not the harness's to test).
    if (manifest.target !== undefined) ({ baseUrl, tls } = await connectTarget(manifest, 60_000));
    else {
      service = await startService({ manifest, workers: 1, env, readyTimeoutMs: 60_000 });
      baseUrl = service.baseUrl;
    }
  } catch (error) {
    return { service: manifest.name, state: 'fail', checked, failures: [messageOf(error)] };
  }
  try {
    for (const workload of workloadsOf(manifest, shared.oracle)) {
      const fixed = shared.cases.vectors[workload] ?? [];
      const randomCases = shared.cases.random[workload] ?? [];
      for (const [kind, list] of [
        ['vector', fixed],
        ['random request', randomCases],
      ] as const) {
        const outcomes = await runVectors(baseUrl, list, tls);
        checked += outcomes.length;
        for (const outcome of outcomes) {
          if (outcome.state === 'fail') {
            const vector = list.find((candidate) => candidate.name === outcome.name)!;
            failures.push(`${manifest.name}: ${kind} ${outcome.name} (${vector.method} ${vector.path.slice(0, 80)}): ${outcome.message}`);
          }
        }
      }
      shared.log(`  ${manifest.name}: ${workload} checked`);
    }
  } finally {
    if (service !== undefined) {
      const stopStarted = performance.now();
      const { exit, killed } = await service.stop();
      const stopMs = performance.now() - stopStarted;
      checked += 1;
      if (killed || stopMs > SHUTDOWN_LIMIT_MS) failures.push(`${manifest.name}: did not exit within ${SHUTDOWN_LIMIT_MS} ms of SIGTERM (needed SIGKILL).`);
      else if (exit.exitCode !== 0) failures.push(`${manifest.name}: exited with code ${String(exit.exitCode)} (signal ${String(exit.signal)}) after SIGTERM; ${shared.oracle.name} asks for 0.`);
    }
  }
  return { service: manifest.name, state: failures.length === 0 ? 'pass' : 'fail', checked, failures };
}
