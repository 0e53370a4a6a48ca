/**
 * The databases of `fixtures.database` for a whole `run`: SQLite templates live for the run (each
 * seed is made once), a PostgreSQL server lives for one scenario (started on its load CPUs before
 * its first service, stopped after its last). Each service run gets a fresh database: a file path
 * or a postgresql:// URL, given in the scenario's variable. I/O.
 */
import type { ResolvedManifest } from '../config/manifest.js';
import { DEFAULT_UPSTREAM_ENV, type ResolvedScenario } from '../config/scenario.js';
import { SqliteDatabases } from './database.js';
import { PostgresServer } from './postgres.js';
import { seedPlanFor } from './seed.js';
import type { ServiceEnvironment } from './service.js';

/** A database server the harness started, measured apart from the service (like the upstream). */
export interface DatabaseServer {
  readonly kind: 'postgres';
  readonly pid: number;
  /** Where it is pinned (the load CPUs); undefined: not pinned. */
  readonly cpuList: string | undefined;
}

export class DatabaseFixtures {
  readonly #projectRoot: string;
  readonly #sqlite = new SqliteDatabases();
  #postgres: { readonly scenario: string; readonly server: PostgresServer } | undefined;

  /** @param projectRoot where npm's embedded PostgreSQL binaries are looked for first */
  constructor(projectRoot: string) {
    this.#projectRoot = projectRoot;
  }

  /**
   * Starts what `scenario`'s database needs before its first service: a PostgreSQL server pinned
   * to `cpuList` (nothing for SQLite). Stops the previous scenario's server first.
   * @throws ConfigError when no PostgreSQL server is installed; InfrastructureError when it does not start
   */
  async open(scenario: ResolvedScenario, cpuList: string | undefined): Promise<void> {
    await this.close();
    const postgres = scenario.database?.postgres;
    if (postgres === undefined) return;
    const server = await PostgresServer.start({ cpuList, settings: postgres.settings, binDir: postgres.binDir, projectRoot: this.#projectRoot, scenarioFile: scenario.file });
    this.#postgres = { scenario: scenario.name, server };
  }

  /** The server of the open scenario, for measurement; undefined for SQLite or none. */
  server(): DatabaseServer | undefined {
    const server = this.#postgres?.server;
    return server === undefined ? undefined : { kind: 'postgres', pid: server.pid, cpuList: server.cpuList };
  }

  /**
   * A fresh database for one run of `manifest` in `scenario` (which has `fixtures.database`): a file
   * path (SQLite) or a URL (PostgreSQL), seeded as its seed says.
   */
  async fresh(scenario: ResolvedScenario, manifest: ResolvedManifest, label: string): Promise<string> {
    const plan = seedPlanFor(scenario, manifest);
    if (scenario.database?.kind !== 'postgres') return this.#sqlite.fresh(plan, label);
    if (this.#postgres?.scenario !== scenario.name) throw new Error(`DatabaseFixtures.fresh: no PostgreSQL server open for scenario ${scenario.name} (call open first)`);
    return this.#postgres.server.fresh(plan);
  }

  /** Stops the open scenario's server, if any. */
  async close(): Promise<void> {
    const open = this.#postgres;
    this.#postgres = undefined;
    await open?.server.stop();
  }

  /** Stops everything and removes every database made. */
  async dispose(): Promise<void> {
    await this.close();
    await this.#sqlite.dispose();
  }
}

/**
 * A service's environment in a scenario (for startService): the scenario's `service.env`, and what
 * its fixtures fill — a fresh database (open the scenario first) and the upstream's URL — under the
 * names the scenario chose. Every instance gets its own database: call once per service start.
 * @param label names the database (`<scenario>-<service>-<label>`)
 */
export async function serviceEnvironment(scenario: ResolvedScenario, manifest: ResolvedManifest, fixtures: { readonly databases: DatabaseFixtures; readonly upstreamUrl: string | undefined }, label: string): Promise<ServiceEnvironment> {
  const provided: Record<string, string> = {};
  if (scenario.database !== undefined) provided[scenario.database.env] = await fixtures.databases.fresh(scenario, manifest, `${scenario.name}-${manifest.name}-${label}`);
  if (fixtures.upstreamUrl !== undefined) provided[scenario.fixtures.upstream?.env ?? DEFAULT_UPSTREAM_ENV] = fixtures.upstreamUrl;
  return { env: scenario.service.env, provided };
}
