/**
 * The conformance vectors of services/vectors/, built from the TypeScript reference so that no
 * service is its own oracle. `npm run vectors` rewrites the files; a unit test checks that the
 * committed files equal what this module builds. Pure apart from the items reference's
 * in-memory database.
 */
import { referenceAlloc } from './reference/alloc.js';
import { referenceGateway } from './reference/gateway.js';
import { ReferenceItems, type ReferenceRequest } from './reference/items.js';
import { referenceProcess, type ProcessRequest } from './reference/process.js';
import { makeProcessRequest, Random } from './random-inputs.js';
import type { Vector } from '../verify/vector.js';

const JSON_TYPE = 'application/json';
const ok = (body: string, status = 200): Vector['expect'] => ({ status, content_type: JSON_TYPE, body });
const fail = (status: number, code: string): Vector['expect'] => ({ status, content_type: JSON_TYPE, body: `{"error":"${code}"}` });

/** The body size limit of the contract, in bytes. */
export const BODY_LIMIT_BYTES = 1_048_576;

function baseVectors(): Vector[] {
  return [
    { name: 'health', method: 'GET', path: '/health', expect: ok('{"status":"ok"}') },
    { name: 'json', method: 'GET', path: '/json', expect: ok('{"message":"Hello, World!"}') },
  ];
}

function processVectors(): Vector[] {
  const valid = (name: string, request: ProcessRequest, note?: string): Vector => ({
    name: `process-${name}`,
    ...(note === undefined ? {} : { note }),
    method: 'POST',
    path: '/process',
    body: JSON.stringify(request),
    expect: ok(referenceProcess(request)),
  });
  const raw = (name: string, body: string, expect: Vector['expect'], note?: string): Vector => ({
    name: `process-${name}`,
    ...(note === undefined ? {} : { note }),
    method: 'POST',
    path: '/process',
    body,
    expect,
  });
  const one = { id: 1, user: 'u17', category: 'c03', amount_cents: 1299, latency_us: 5321 };
  const withRecord = (patch: Record<string, unknown>): string =>
    JSON.stringify({ hash_rounds: 0, percentiles: [50], records: [{ ...one, ...patch }] });
  const withTop = (patch: Record<string, unknown>): string =>
    JSON.stringify({ hash_rounds: 0, percentiles: [50], records: [one], ...patch });
  const bad = fail(422, 'invalid_request');
  return [
    valid('single', { hash_rounds: 0, percentiles: [50, 90, 99], records: [one] }),
    valid(
      'groups-sorted-and-ranks',
      {
        hash_rounds: 10,
        percentiles: [99, 1, 50, 50, 100],
        records: [
          { id: 9, user: 'b', category: 'zz', amount_cents: 5, latency_us: 40 },
          { id: 3, user: 'a', category: 'B', amount_cents: 0, latency_us: 10 },
          { id: 4, user: 'a', category: 'zz', amount_cents: 7, latency_us: 20 },
          { id: 5, user: 'c', category: 'a', amount_cents: 1, latency_us: 30 },
          { id: 6, user: 'b', category: 'zz', amount_cents: 2, latency_us: 10 },
          { id: 7, user: 'b', category: 'zz', amount_cents: 9, latency_us: 30 },
        ],
      },
      'categories sort by byte value (B < a < zz); duplicate percentiles kept in request order',
    ),
    valid('maximum-values', {
      hash_rounds: 100000,
      percentiles: [1, 2, 3, 4, 5, 6, 7, 8, 9, 100],
      records: [
        { id: 999999999, user: 'U'.repeat(32), category: '-'.repeat(32), amount_cents: 1000000000, latency_us: 1000000000 },
        { id: 0, user: '_', category: '-'.repeat(32), amount_cents: 1000000000, latency_us: 0 },
      ],
    }),
    valid('batch-200', makeProcessRequest(new Random(20261126), { records: 200, categories: 12, users: 50, hashRounds: 1000, percentiles: [50, 90, 99] })),
    raw('unknown-fields-ignored', JSON.stringify({ extra: [1, { a: null }], hash_rounds: 0, percentiles: [50], records: [{ ...one, note: 'x' }] }), ok(referenceProcess({ hash_rounds: 0, percentiles: [50], records: [one] }))),
    raw('empty-body', '', fail(400, 'invalid_json')),
    raw('truncated-json', '{"hash_rounds":0,"records":[', fail(400, 'invalid_json')),
    raw('trailing-garbage', `${withTop({})} x`, fail(400, 'invalid_json')),
    raw('not-json', 'hash_rounds=1', fail(400, 'invalid_json')),
    raw('null-body', 'null', bad),
    raw('array-body', '[]', bad),
    raw('string-body', '"records"', bad),
    raw('missing-hash-rounds', JSON.stringify({ percentiles: [50], records: [one] }), bad),
    raw('null-hash-rounds', withTop({ hash_rounds: null }), bad),
    raw('string-hash-rounds', withTop({ hash_rounds: '5' }), bad),
    raw('float-hash-rounds', withTop({ hash_rounds: 0 }).replace('"hash_rounds":0', '"hash_rounds":5.0'), bad, '5.0 is not a JSON integer here'),
    raw('exponent-hash-rounds', withTop({ hash_rounds: 0 }).replace('"hash_rounds":0', '"hash_rounds":1e1'), bad),
    raw('bool-hash-rounds', withTop({ hash_rounds: true }), bad),
    raw('negative-hash-rounds', withTop({ hash_rounds: -1 }), bad),
    raw('too-many-hash-rounds', withTop({ hash_rounds: 100001 }), bad),
    raw('huge-integer', withTop({ hash_rounds: 0 }).replace('"hash_rounds":0', '"hash_rounds":18446744073709551616'), bad),
    raw('no-percentiles', withTop({ percentiles: [] }), bad),
    raw('percentile-zero', withTop({ percentiles: [0] }), bad),
    raw('percentile-101', withTop({ percentiles: [101] }), bad),
    raw('eleven-percentiles', withTop({ percentiles: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }), bad),
    raw('no-records', withTop({ records: [] }), bad),
    raw('records-object', withTop({ records: {} }), bad),
    raw('record-not-object', withTop({ records: [1] }), bad),
    raw('missing-latency', JSON.stringify({ hash_rounds: 0, percentiles: [50], records: [{ id: 1, user: 'u', category: 'c', amount_cents: 1 }] }), bad),
    raw('empty-user', withRecord({ user: '' }), bad),
    raw('user-33-chars', withRecord({ user: 'u'.repeat(33) }), bad),
    raw('user-html', withRecord({ user: '<b>' }), bad),
    raw('category-non-ascii', withRecord({ category: 'caf\u00e9' }), bad),
    raw('category-number', withRecord({ category: 3 }), bad),
    raw('negative-amount', withRecord({ amount_cents: -1 }), bad),
    raw('latency-over-limit', withRecord({ latency_us: 1000000001 }), bad),
    raw('id-over-limit', withRecord({ id: 1000000000 }), bad),
    { name: 'process-body-too-large', method: 'POST', path: '/process', body_bytes: BODY_LIMIT_BYTES + 1, expect: fail(413, 'body_too_large') },
    { name: 'process-body-too-large-chunked', method: 'POST', path: '/process', body_bytes: BODY_LIMIT_BYTES + 1, chunked: true, expect: fail(413, 'body_too_large') },
    { ...raw('body-at-limit-is-read', withTop({}), ok(referenceProcess({ hash_rounds: 0, percentiles: [50], records: [one] })), 'exactly 1 MiB is allowed'), pad_to_bytes: BODY_LIMIT_BYTES },
  ];
}

function allocVectors(): Vector[] {
  const valid = (name: string, query: string, nodes: number, seed: number): Vector => ({
    name: `alloc-${name}`,
    method: 'GET',
    path: `/alloc${query}`,
    expect: ok(referenceAlloc(nodes, seed)),
  });
  const bad = (name: string, query: string): Vector => ({ name: `alloc-${name}`, method: 'GET', path: `/alloc${query}`, expect: fail(400, 'invalid_query') });
  return [
    valid('defaults', '', 20000, 1),
    valid('one-node', '?nodes=1&seed=0', 1, 0),
    valid('small', '?nodes=1000&seed=42', 1000, 42),
    valid('largest', '?nodes=200000&seed=4294967295', 200000, 4294967295),
    valid('leading-zeros', '?nodes=00100&seed=0007', 100, 7),
    valid('unknown-param-ignored', '?seed=9&nodes=5000&foo=bar', 5000, 9),
    bad('nodes-zero', '?nodes=0'),
    bad('nodes-over', '?nodes=200001'),
    bad('nodes-seven-digits', '?nodes=0000001'),
    bad('nodes-word', '?nodes=abc'),
    bad('nodes-plus', '?nodes=%2B5'),
    bad('nodes-negative', '?nodes=-1'),
    bad('nodes-space', '?nodes=%205'),
    bad('nodes-empty', '?nodes='),
    bad('nodes-twice', '?nodes=5&nodes=6'),
    bad('seed-over', '?seed=4294967296'),
    bad('seed-hex', '?seed=0x10'),
  ];
}

function gatewayVectors(): Vector[] {
  const valid = (name: string, query: string, key: string, calls: number): Vector => ({
    name: `gateway-${name}`,
    method: 'GET',
    path: `/gateway${query}`,
    expect: ok(referenceGateway(key, calls)),
  });
  const bad = (name: string, query: string): Vector => ({ name: `gateway-${name}`, method: 'GET', path: `/gateway${query}`, expect: fail(400, 'invalid_query') });
  return [
    valid('default-n', '?key=abc', 'abc', 3),
    valid('one-call', '?key=K&n=1', 'K', 1),
    valid('sixteen-calls', `?key=Z_-9&n=16`, 'Z_-9', 16),
    valid('longest-key', `?n=2&key=${'k'.repeat(32)}`, 'k'.repeat(32), 2),
    bad('missing-key', '?n=2'),
    bad('empty-key', '?key='),
    bad('long-key', `?key=${'k'.repeat(33)}`),
    bad('dotted-key', '?key=a.b'),
    bad('key-twice', '?key=a&key=b'),
    bad('n-zero', '?key=a&n=0'),
    bad('n-seventeen', '?key=a&n=17'),
    bad('n-three-digits', '?key=a&n=003'),
    bad('n-word', '?key=a&n=two'),
  ];
}

/** Items vectors are stateful: they run in order against a freshly seeded database. */
async function itemsVectors(seedSql: string): Promise<Vector[]> {
  const reference = await ReferenceItems.create(seedSql);
  const steps: Array<[string, ReferenceRequest, string?]> = [
    ['get-first', { method: 'GET', path: '/items/1' }],
    ['get-last', { method: 'GET', path: '/items/100000' }],
    ['get-missing', { method: 'GET', path: '/items/100001' }],
    ['get-zero', { method: 'GET', path: '/items/0' }],
    ['get-word-id', { method: 'GET', path: '/items/abc' }],
    ['get-negative-id', { method: 'GET', path: '/items/-1' }],
    ['get-16-digit-id', { method: 'GET', path: '/items/1234567890123456' }],
    ['list-defaults', { method: 'GET', path: '/items?category=c05' }],
    ['list-page', { method: 'GET', path: '/items?category=c05&after_id=100&limit=5' }],
    ['list-100', { method: 'GET', path: '/items?limit=100&category=c19&after_id=0' }],
    ['list-last-page', { method: 'GET', path: '/items?category=c05&after_id=99900&limit=100' }],
    ['list-unknown-category', { method: 'GET', path: '/items?category=zz' }],
    ['list-missing-category', { method: 'GET', path: '/items?limit=5' }],
    ['list-limit-zero', { method: 'GET', path: '/items?category=c01&limit=0' }],
    ['list-limit-101', { method: 'GET', path: '/items?category=c01&limit=101' }],
    ['list-limit-4-digits', { method: 'GET', path: '/items?category=c01&limit=0010' }],
    ['list-after-negative', { method: 'GET', path: '/items?category=c01&after_id=-1' }],
    ['list-category-twice', { method: 'GET', path: '/items?category=c01&category=c02' }],
    ['list-category-dotted', { method: 'GET', path: '/items?category=c.1' }],
    ['post-new', { method: 'POST', path: '/items', headers: { 'X-Now': '1700000000' }, body: '{"sku":"NEW-1","name":"New Item 1","category":"c07","price_cents":2500,"qty":3}' }],
    ['get-new', { method: 'GET', path: '/items/100001' }],
    ['post-no-clock', { method: 'POST', path: '/items', body: '{"qty":0,"price_cents":0,"category":"c07","name":"x","sku":"NEW-2"}' }],
    ['post-duplicate-sku', { method: 'POST', path: '/items', body: '{"sku":"SKU-000001","name":"dup","category":"c01","price_cents":1,"qty":1}' }],
    ['post-broken-json', { method: 'POST', path: '/items', body: '{"sku":' }],
    ['post-missing-qty', { method: 'POST', path: '/items', body: '{"sku":"NEW-3","name":"n","category":"c01","price_cents":1}' }],
    ['post-string-price', { method: 'POST', path: '/items', body: '{"sku":"NEW-3","name":"n","category":"c01","price_cents":"1","qty":1}' }],
    ['post-name-65', { method: 'POST', path: '/items', body: `{"sku":"NEW-3","name":"${'n'.repeat(65)}","category":"c01","price_cents":1,"qty":1}` }],
    ['post-bad-clock', { method: 'POST', path: '/items', headers: { 'X-Now': 'yesterday' }, body: '{"sku":"NEW-3","name":"n","category":"c01","price_cents":1,"qty":1}' }],
    ['post-bad-clock-before-bad-json', { method: 'POST', path: '/items', headers: { 'X-Now': '-5' }, body: '{' }, 'invalid_header is checked before the body'],
    ['put-existing', { method: 'PUT', path: '/items/5', headers: { 'X-Now': '1700000001' }, body: '{"sku":"SKU-000005","name":"Renamed","category":"c11","price_cents":123,"qty":4}' }],
    ['get-after-put', { method: 'GET', path: '/items/5' }, 'a PUT then a GET must show the change'],
    ['list-sees-put', { method: 'GET', path: '/items?category=c11&limit=2' }],
    ['put-sku-taken', { method: 'PUT', path: '/items/6', body: '{"sku":"SKU-000007","name":"x","category":"c06","price_cents":1,"qty":1}' }],
    ['put-missing', { method: 'PUT', path: '/items/999999', body: '{"sku":"ZZ","name":"x","category":"c06","price_cents":1,"qty":1}' }],
    ['put-bad-id-before-bad-json', { method: 'PUT', path: '/items/x1', body: '{' }, 'invalid_id is checked before the body'],
    ['delete-existing', { method: 'DELETE', path: '/items/10' }],
    ['get-deleted', { method: 'GET', path: '/items/10' }],
    ['delete-again', { method: 'DELETE', path: '/items/10' }],
    ['delete-bad-id', { method: 'DELETE', path: '/items/1.5' }],
    ['delete-newest', { method: 'DELETE', path: '/items/100002' }],
    ['post-after-delete', { method: 'POST', path: '/items', headers: { 'X-Now': '7' }, body: '{"sku":"NEW-4","name":"again","category":"c00","price_cents":10,"qty":10}' }],
  ];
  const vectors = steps.map(([name, request, note]): Vector => {
    const response = reference.handle(request);
    return {
      name: `items-${name}`,
      ...(note === undefined ? {} : { note }),
      method: request.method as Vector['method'],
      path: request.path,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
      expect:
        response.status === 204
          ? { status: 204, content_type: null, body: '' }
          : { status: response.status, content_type: JSON_TYPE, body: response.body },
    };
  });
  reference.close();
  vectors.push({
    name: 'items-post-body-too-large',
    method: 'POST',
    path: '/items',
    body_bytes: BODY_LIMIT_BYTES + 1,
    expect: fail(413, 'body_too_large'),
  });
  return vectors;
}

/** Every vector, grouped by workload; items vectors are ordered. */
export async function buildVectors(seedSql: string): Promise<Record<string, Vector[]>> {
  return {
    json: baseVectors(),
    process: processVectors(),
    alloc: allocVectors(),
    gateway: gatewayVectors(),
    items: await itemsVectors(seedSql),
  };
}
