/**
 * The differential check of `verify`: seeded random requests per endpoint, valid and invalid,
 * each with the response the reference expects. The seeds differ from the load's, so a service
 * cannot pass by caching what the load sends. Pure apart from the items reference's in-memory DB.
 */
import { referenceAlloc } from './reference/alloc.js';
import { referenceGateway } from './reference/gateway.js';
import { ReferenceItems, type ReferenceRequest } from './reference/items.js';
import { referenceProcess } from './reference/process.js';
import { makeRandomProcessRequest, Random } from './random-inputs.js';
import type { Vector } from '../verify/vector.js';

const JSON_TYPE = 'application/json';
const errorBody = (code: string): string => `{"error":"${code}"}`;
const expectJson = (status: number, body: string): Vector['expect'] => ({ status, content_type: JSON_TYPE, body });

function processCase(random: Random, index: number): Vector {
  const request = makeRandomProcessRequest(random, 40);
  const name = `process-random-${index}`;
  const mutation = random.int(0, 9);
  const body = JSON.stringify(request);
  // Most cases are valid; the rest break the request in a way whose answer the contract fixes.
  switch (mutation) {
    case 0:
      return { name, method: 'POST', path: '/process', body: body.slice(0, random.int(0, body.length - 1)), expect: expectJson(400, errorBody('invalid_json')) };
    case 1: {
      const broken = { ...request, records: request.records.map((record, at) => (at === 0 ? { ...record, amount_cents: String(record.amount_cents) } : record)) };
      return { name, method: 'POST', path: '/process', body: JSON.stringify(broken), expect: expectJson(422, errorBody('invalid_request')) };
    }
    case 2: {
      const field = random.pick(['hash_rounds', 'percentiles', 'records'] as const);
      const { [field]: _removed, ...rest } = request;
      return { name, method: 'POST', path: '/process', body: JSON.stringify(rest), expect: expectJson(422, errorBody('invalid_request')) };
    }
    default:
      return { name, method: 'POST', path: '/process', body, expect: expectJson(200, referenceProcess(request)) };
  }
}

function allocCase(random: Random, index: number): Vector {
  const name = `alloc-random-${index}`;
  if (random.int(0, 9) === 0) {
    const query = random.pick(['?nodes=0', '?nodes=-3', `?seed=${random.int(0, 9)}&seed=1`, '?nodes=1e3', `?nodes=${random.int(200001, 999999)}`]);
    return { name, method: 'GET', path: `/alloc${query}`, expect: expectJson(400, errorBody('invalid_query')) };
  }
  const nodes = random.int(1, 3000);
  const seed = random.int(0, 4294967295);
  return { name, method: 'GET', path: `/alloc?nodes=${nodes}&seed=${seed}`, expect: expectJson(200, referenceAlloc(nodes, seed)) };
}

function gatewayCase(random: Random, index: number): Vector {
  const name = `gateway-random-${index}`;
  if (random.int(0, 9) === 0) {
    const query = random.pick(['?n=3', `?key=${random.token(33, 40)}`, '?key=a%2Fb', `?key=k&n=${random.int(17, 99)}`, '?key=k&n=0']);
    return { name, method: 'GET', path: `/gateway${query}`, expect: expectJson(400, errorBody('invalid_query')) };
  }
  const key = random.token(1, 32);
  const calls = random.int(1, 16);
  return { name, method: 'GET', path: `/gateway?key=${key}&n=${calls}`, expect: expectJson(200, referenceGateway(key, calls)) };
}

function itemsRequest(random: Random): ReferenceRequest {
  const id = (): string => String(random.int(0, 100_050));
  const body = (): string =>
    JSON.stringify({ sku: `D-${random.int(0, 40)}`, name: `Item ${random.token(1, 8)}`, category: `c${String(random.int(0, 21)).padStart(2, '0')}`, price_cents: random.int(0, 1_000_000_000), qty: random.int(0, 5000) });
  const now = (): Record<string, string> => ({ 'X-Now': String(random.int(0, 2_000_000_000)) });
  switch (random.int(0, 11)) {
    case 0:
    case 1:
    case 2:
      return { method: 'GET', path: `/items/${id()}` };
    case 3:
    case 4:
      return { method: 'GET', path: `/items?category=c${String(random.int(0, 21)).padStart(2, '0')}&after_id=${random.int(0, 100_000)}&limit=${random.int(1, 100)}` };
    case 5:
      return { method: 'POST', path: '/items', headers: now(), body: body() };
    case 6:
      return { method: 'PUT', path: `/items/${id()}`, headers: now(), body: body() };
    case 7:
      return { method: 'DELETE', path: `/items/${id()}` };
    case 8:
      return { method: 'GET', path: random.pick(['/items/x', '/items?limit=5', '/items?category=c01&limit=101', '/items?category=c01&category=c01']) };
    case 9:
      return { method: 'POST', path: '/items', body: random.pick(['{', '[]', '{"sku":"a"}', '{"sku":"a","name":"b","category":"c","price_cents":-1,"qty":1}']) };
    case 10:
      return { method: 'PUT', path: `/items/${id()}`, headers: { 'X-Now': random.pick(['now', '1.5', '-1', '+5']) }, body: body() };
    default:
      return { method: 'PUT', path: `/items/${random.pick(['-1', 'abc', '1234567890123456'])}`, body: '{' };
  }
}

/**
 * `count` random items requests with the reference's answers. The reference first replays
 * `history` (the items vectors already sent to the same database), so both start equal.
 */
export async function itemsCases(seedSql: string, history: readonly Vector[], seed: number, count: number): Promise<Vector[]> {
  const reference = await ReferenceItems.create(seedSql);
  try {
    for (const vector of history) {
      reference.handle({ method: vector.method, path: vector.path, ...(vector.headers === undefined ? {} : { headers: vector.headers }), ...(vector.body === undefined ? {} : { body: vector.body }) });
    }
    const random = new Random(seed);
    return Array.from({ length: count }, (_, index): Vector => {
      const request = itemsRequest(random);
      const response = reference.handle(request);
      return {
        name: `items-random-${index}`,
        method: request.method as Vector['method'],
        path: request.path,
        ...(request.headers === undefined ? {} : { headers: request.headers }),
        ...(request.body === undefined ? {} : { body: request.body }),
        expect: response.status === 204 ? { status: 204, content_type: null, body: '' } : expectJson(response.status, response.body),
      };
    });
  } finally {
    reference.close();
  }
}

/** Random cases of a stateless workload; `json` has none beyond its vectors. */
export function statelessCases(workload: string, seed: number, count: number): Vector[] {
  const random = new Random(seed);
  const make = { process: processCase, alloc: allocCase, gateway: gatewayCase }[workload as 'process' | 'alloc' | 'gateway'];
  if (make === undefined) return [];
  return Array.from({ length: count }, (_, index) => make(random, index));
}
