/**
 * Reference for the `/items` CRUD workload (services/CONTRACT.md): validates like the contract and
 * applies the same SQL to its own seeded in-memory SQLite (sql.js, harness/sqlite.ts), so that
 * expected bytes come from none of the services.
 */
import { allRows, isUniqueViolation, loadSqlite, runStatement, type Database } from '../../sqlite.js';

export interface ReferenceRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
export interface ReferenceResponse {
  status: number;
  body: string;
}

interface ItemRow {
  id: number;
  sku: string;
  name: string;
  category: string;
  price_cents: number;
  qty: number;
  updated_at: number;
}

const TOKEN = /^[A-Za-z0-9_-]{1,32}$/;
const NAME = /^[A-Za-z0-9 _-]{1,64}$/;
const ID = /^[0-9]{1,15}$/;
const error = (status: number, code: string): ReferenceResponse => ({ status, body: `{"error":"${code}"}` });

/** The item JSON in contract field order. */
export function itemJson(row: ItemRow): string {
  return (
    `{"id":${row.id},"sku":"${row.sku}","name":"${row.name}","category":"${row.category}",` +
    `"price_cents":${row.price_cents},"qty":${row.qty},"updated_at":${row.updated_at}}`
  );
}

type Body = Omit<ItemRow, 'id' | 'updated_at'>;

function parseBody(text: string | undefined): Body | ReferenceResponse {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    return error(400, 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return error(422, 'invalid_request');
  const record = value as Record<string, unknown>;
  const isCount = (field: unknown): field is number =>
    typeof field === 'number' && Number.isInteger(field) && field >= 0 && field <= 1_000_000_000;
  const { sku, name, category, price_cents: priceCents, qty } = record;
  if (typeof sku !== 'string' || !TOKEN.test(sku)) return error(422, 'invalid_request');
  if (typeof name !== 'string' || !NAME.test(name)) return error(422, 'invalid_request');
  if (typeof category !== 'string' || !TOKEN.test(category)) return error(422, 'invalid_request');
  if (!isCount(priceCents) || !isCount(qty)) return error(422, 'invalid_request');
  return { sku, name, category, price_cents: priceCents, qty };
}

/** One parameter's single value, `undefined` when absent, or `null` when repeated. */
function single(query: URLSearchParams, name: string): string | undefined | null {
  const values = query.getAll(name);
  if (values.length > 1) return null;
  return values[0];
}

function digits(text: string | undefined, maxDigits: number, fallback: number, min: number, max: number): number | null {
  if (text === undefined) return fallback;
  if (!new RegExp(`^[0-9]{1,${maxDigits}}$`).test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/** A reference `/items` service over its own copy of the seeded database. */
export class ReferenceItems {
  readonly #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  /** A reference over a fresh in-memory database seeded with `seedSql` (the text of services/sql/seed.sql). */
  static async create(seedSql: string): Promise<ReferenceItems> {
    const SQL = await loadSqlite();
    const db = new SQL.Database();
    db.exec(seedSql);
    return new ReferenceItems(db);
  }

  close(): void {
    this.#db.close();
  }

  handle(request: ReferenceRequest): ReferenceResponse {
    const url = new URL(request.path, 'http://reference');
    const parts = url.pathname.split('/').filter((part) => part !== '');
    if (parts[0] !== 'items' || parts.length > 2) return error(404, 'not_found');
    if (parts.length === 1) {
      if (request.method === 'GET') return this.#list(url.searchParams);
      if (request.method === 'POST') return this.#write(undefined, request);
      return error(405, 'method_not_allowed');
    }
    const idText = decodeURIComponent(parts[1]!);
    if (!['GET', 'PUT', 'DELETE'].includes(request.method)) return error(405, 'method_not_allowed');
    if (!ID.test(idText)) return error(400, 'invalid_id');
    const id = Number(idText);
    if (request.method === 'GET') {
      const row = allRows<ItemRow>(this.#db, 'SELECT * FROM items WHERE id = ?', [id])[0];
      return row === undefined ? error(404, 'not_found') : { status: 200, body: itemJson(row) };
    }
    if (request.method === 'DELETE') {
      const result = runStatement(this.#db, 'DELETE FROM items WHERE id = ?', [id]);
      return result.changes === 0 ? error(404, 'not_found') : { status: 204, body: '' };
    }
    return this.#write(id, request);
  }

  #list(query: URLSearchParams): ReferenceResponse {
    const category = single(query, 'category');
    const afterText = single(query, 'after_id');
    const limitText = single(query, 'limit');
    if (category === null || afterText === null || limitText === null) return error(400, 'invalid_query');
    if (category === undefined || !TOKEN.test(category)) return error(400, 'invalid_query');
    const afterId = digits(afterText, 15, 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = digits(limitText, 3, 20, 1, 100);
    if (afterId === null || limit === null) return error(400, 'invalid_query');
    const rows = allRows<ItemRow>(this.#db, 'SELECT * FROM items WHERE category = ? AND id > ? ORDER BY id LIMIT ?', [category, afterId, limit]);
    const next = rows.length === limit ? String(rows[rows.length - 1]!.id) : 'null';
    return { status: 200, body: `{"items":[${rows.map(itemJson).join(',')}],"next_after_id":${next}}` };
  }

  #write(id: number | undefined, request: ReferenceRequest): ReferenceResponse {
    const nowText = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'x-now')?.[1];
    if (nowText !== undefined && !ID.test(nowText)) return error(400, 'invalid_header');
    const updatedAt = nowText === undefined ? 0 : Number(nowText);
    const body = parseBody(request.body);
    if ('status' in body) return body;
    try {
      if (id === undefined) {
        const result = runStatement(this.#db, 'INSERT INTO items (sku, name, category, price_cents, qty, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [body.sku, body.name, body.category, body.price_cents, body.qty, updatedAt]);
        return { status: 201, body: itemJson({ id: Number(result.lastInsertRowid), ...body, updated_at: updatedAt }) };
      }
      const result = runStatement(this.#db, 'UPDATE items SET sku = ?, name = ?, category = ?, price_cents = ?, qty = ?, updated_at = ? WHERE id = ?', [body.sku, body.name, body.category, body.price_cents, body.qty, updatedAt, id]);
      if (result.changes === 0) return error(404, 'not_found');
      return { status: 200, body: itemJson({ id, ...body, updated_at: updatedAt }) };
    } catch (cause) {
      if (isUniqueViolation(cause)) return error(409, 'conflict');
      throw cause;
    }
  }
}
