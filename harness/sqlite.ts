/**
 * SQLite compiled to WebAssembly (sql.js), loaded once per process. The harness needs SQLite only
 * to seed fresh database files and for the contract's `/items` reference; a WebAssembly build
 * installs without a compiler or an install script, and the files it writes are ordinary SQLite
 * files that the services open with their own SQLite.
 */
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/** The sql.js module (compiles its WebAssembly on first use, about 1 MB). */
export function loadSqlite(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}

export type { Database, SqlValue };

/** What a write statement did. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  readonly changes: number;
  /** The rowid of the last insert on this connection. */
  readonly lastInsertRowid: number;
}

/** Runs one write statement with positional parameters. */
export function runStatement(db: Database, sql: string, params: readonly SqlValue[]): RunResult {
  db.run(sql, [...params]);
  const changes = db.getRowsModified();
  const rowid = db.exec('SELECT last_insert_rowid()')[0]?.values[0]?.[0];
  return { changes, lastInsertRowid: Number(rowid ?? 0) };
}

/** Every row of a query, as objects keyed by column name. */
export function allRows<Row>(db: Database, sql: string, params: readonly SqlValue[]): Row[] {
  const statement = db.prepare(sql);
  try {
    statement.bind([...params]);
    const rows: Row[] = [];
    while (statement.step()) rows.push(statement.getAsObject() as Row);
    return rows;
  } finally {
    statement.free();
  }
}

/** Whether `error` is SQLite's answer to a broken UNIQUE constraint (sql.js throws plain Errors). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('UNIQUE constraint failed');
}
