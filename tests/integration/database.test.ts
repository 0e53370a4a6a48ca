/**
 * The fresh SQLite databases of `fixtures.database`: seeded once by the harness (SQLite compiled to
 * WebAssembly) and opened by the services with their own SQLite. A file the harness writes must be
 * an ordinary SQLite file to them: Python's sqlite3 (the C library) reads and writes it.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseFactory } from '../../harness/process/database.js';
import { ROOT } from './helpers.js';

let factory: DatabaseFactory | undefined;
afterEach(async () => {
  await factory?.dispose();
  factory = undefined;
});

const python = async (file: string, code: string): Promise<string> => String((await execa('python3', ['-c', code, file], { stdin: 'ignore' })).stdout).trim();

describe('fresh SQLite databases', () => {
  it('are ordinary SQLite files that the C library opens, checks and writes', async () => {
    factory = await DatabaseFactory.create(path.join(ROOT, 'services/sql/seed.sql'));
    const file = await factory.fresh('items-python');
    expect((await readFile(file)).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000');
    const read = `import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute('PRAGMA integrity_check').fetchone()[0], db.execute('SELECT count(*), max(id) FROM items').fetchone(), db.execute("SELECT sku, category, price_cents FROM items WHERE id = 7").fetchone())`;
    expect(await python(file, read)).toBe("ok (100000, 100000) ('SKU-000007', 'c07', 55433)");
    const write = `import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute('PRAGMA journal_mode=WAL')
db.execute("INSERT INTO items (sku, name, category, price_cents, qty, updated_at) VALUES ('NEW-1', 'n', 'c01', 1, 1, 0)")
db.commit()
print(db.execute('SELECT count(*) FROM items').fetchone()[0])`;
    expect(await python(file, write)).toBe('100001');
    // Each run's copy starts from the seed: the write above is not in the next one.
    expect(await python(await factory.fresh('items-python'), "import sqlite3, sys\nprint(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM items').fetchone()[0])")).toBe('100000');
  });

  it('names the seed file and the SQLite error when the seed SQL is broken', async () => {
    const broken = path.join(ROOT, 'tests/fixtures/broken-seed.sql');
    await expect(DatabaseFactory.create(broken)).rejects.toThrow(/Cannot seed the database from .*broken-seed\.sql: near "TABLEE": syntax error/);
  });
});
