/**
 * Fresh SQLite databases (a scenario's `fixtures.database` without `postgres`): each seed runs
 * once per harness run into a template file — the seed SQL through SQLite compiled to WebAssembly
 * (harness/sqlite.ts), then the service's seed commands against the file — and each service run
 * gets its own copy. I/O.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, messageOf } from '../errors.js';
import { loadSqlite } from '../sqlite.js';
import type { SeedPlan } from './seed.js';

/** Writes an SQLite file at `file` holding what `sqlFile` makes (an empty database without one). */
async function writeSeededFile(file: string, sqlFile: string | undefined): Promise<void> {
  const SQL = await loadSqlite();
  const db = new SQL.Database();
  try {
    if (sqlFile !== undefined) {
      try {
        db.exec(await readFile(sqlFile, 'utf8'));
      } catch (cause) {
        throw new ConfigError(`Cannot seed the database from ${sqlFile}: ${messageOf(cause)}. Fix the seed SQL (it runs once per harness run, into a template that each run copies).`, { cause });
      }
    }
    // An ordinary SQLite file (rollback journal, the library's default page size): each service opens it with its own SQLite.
    await writeFile(file, db.export());
  } finally {
    db.close();
  }
}

const safe = (label: string): string => label.replace(/[^A-Za-z0-9_-]/g, '_');

/** Per-run SQLite files, each copied from the template of its seed (made when first asked for). */
export class SqliteDatabases {
  readonly #dir: Promise<string>;
  readonly #templates = new Map<string, Promise<string>>();
  #count = 0;

  constructor() {
    this.#dir = mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-db-'));
  }

  /** The template file of `plan`, seeded on first use (the seed SQL, then the seed commands). */
  template(plan: SeedPlan): Promise<string> {
    let template = this.#templates.get(plan.key);
    if (template === undefined) {
      template = (async () => {
        const file = path.join(await this.#dir, `template-${this.#templates.size}.db`);
        await writeSeededFile(file, plan.sqlFile);
        await plan.runCommands?.(file);
        return file;
      })();
      this.#templates.set(plan.key, template);
    }
    return template;
  }

  /** A new copy of `plan`'s template for one service run; its path. */
  async fresh(plan: SeedPlan, label: string): Promise<string> {
    const template = await this.template(plan);
    this.#count += 1;
    const file = path.join(await this.#dir, `${safe(label)}-${this.#count}.db`);
    await copyFile(template, file);
    // A seed command that left its write-ahead log unmerged (WAL mode, not checkpointed) left data in it.
    if (existsSync(`${template}-wal`)) await copyFile(`${template}-wal`, `${file}-wal`);
    return file;
  }

  /** Removes every database made here. */
  async dispose(): Promise<void> {
    await rm(await this.#dir, { recursive: true, force: true });
  }
}

/** Fresh copies of one seed SQL file (the contract's `/items` database, for `verify`). */
export class DatabaseFactory {
  readonly #databases = new SqliteDatabases();
  readonly #plan: SeedPlan;

  private constructor(seedSqlFile: string) {
    this.#plan = { key: seedSqlFile, sqlFile: seedSqlFile, runCommands: undefined };
  }

  /** Seeds the template from `seedSqlFile` (services/sql/seed.sql). */
  static async create(seedSqlFile: string): Promise<DatabaseFactory> {
    const factory = new DatabaseFactory(seedSqlFile);
    try {
      await factory.#databases.template(factory.#plan);
    } catch (error) {
      await factory.dispose();
      throw error;
    }
    return factory;
  }

  /** A new copy of the seeded database, for one service run. */
  fresh(label: string): Promise<string> {
    return this.#databases.fresh(this.#plan, label);
  }

  /** Removes every database made here. */
  dispose(): Promise<void> {
    return this.#databases.dispose();
  }
}
