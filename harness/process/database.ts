/**
 * Fresh seeded SQLite databases (a scenario's `fixtures.database`): each seed SQL file runs once
 * per harness run into a template file, and each service run gets its own copy. I/O.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, messageOf } from '../errors.js';
import { loadSqlite } from '../sqlite.js';

/** A folder of per-run databases made from one seeded template. */
export class DatabaseFactory {
  readonly #dir: string;
  readonly #template: string;
  #count = 0;

  private constructor(dir: string) {
    this.#dir = dir;
    this.#template = path.join(dir, 'template.db');
  }

  /** Seeds the template from `seedSqlFile` (services/sql/seed.sql). */
  static async create(seedSqlFile: string): Promise<DatabaseFactory> {
    const factory = new DatabaseFactory(await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-db-')));
    const SQL = await loadSqlite();
    const db = new SQL.Database();
    try {
      try {
        db.exec(await readFile(seedSqlFile, 'utf8'));
      } catch (cause) {
        throw new ConfigError(`Cannot seed the database from ${seedSqlFile}: ${messageOf(cause)}. Fix the seed SQL (it runs once per harness run, into a template that each run copies).`, { cause });
      }
      // An ordinary SQLite file (rollback journal, the library's default page size): each service opens it with its own SQLite.
      await writeFile(factory.#template, db.export());
    } finally {
      db.close();
    }
    return factory;
  }

  /** A new copy of the seeded database, for one service run. */
  async fresh(label: string): Promise<string> {
    this.#count += 1;
    const file = path.join(this.#dir, `${label.replace(/[^A-Za-z0-9_-]/g, '_')}-${this.#count}.db`);
    await copyFile(this.#template, file);
    return file;
  }

  /** Removes every database made here. */
  async dispose(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** One factory per seed SQL file, made when first asked for. */
export class DatabaseFactories {
  readonly #factories = new Map<string, Promise<DatabaseFactory>>();

  /** The factory of `seedSqlFile` (seeded on first use). */
  of(seedSqlFile: string): Promise<DatabaseFactory> {
    let factory = this.#factories.get(seedSqlFile);
    if (factory === undefined) {
      factory = DatabaseFactory.create(seedSqlFile);
      this.#factories.set(seedSqlFile, factory);
    }
    return factory;
  }

  /** Removes every database made. */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.#factories.values()].map(async (factory) => (await factory).dispose()));
  }
}
