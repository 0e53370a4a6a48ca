/**
 * Bad input never takes a service down (issue #3): malformed JSON, wrong types, missing fields,
 * bodies over 1 MiB, unknown ids and bad query strings get the documented 4xx in every language,
 * and afterwards the service still answers correctly. Also the upstream failure modes of /gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedManifest } from '../../harness/config/manifest.js';
import { startService, type RunningService } from '../../harness/process/service.js';
import { startUpstream } from '../../harness/process/upstream.js';
import { sendRequest, type Request } from '../../harness/verify/send.js';
import { startBuiltIn, type StartedBuiltIn } from './helpers.js';

const record = { id: 1, user: 'u', category: 'c', amount_cents: 1, latency_us: 1 };
// Status, or the statuses the contract allows (parsers' nesting limits differ: 400 or 422).
const cases: Array<[string, Request, number | number[], string | string[]]> = [
  ['broken JSON', { method: 'POST', path: '/process', body: '{"records":[{"id":' }, 400, 'invalid_json'],
  ['binary garbage', { method: 'POST', path: '/process', body: '\u0000\u0001\u00ff{' }, 400, 'invalid_json'],
  ['wrong type', { method: 'POST', path: '/process', body: JSON.stringify({ hash_rounds: 'many', percentiles: [50], records: [record] }) }, 422, 'invalid_request'],
  ['missing field', { method: 'POST', path: '/process', body: JSON.stringify({ hash_rounds: 1, records: [record] }) }, 422, 'invalid_request'],
  ['deeply nested', { method: 'POST', path: '/process', body: `${'['.repeat(5000)}${']'.repeat(5000)}` }, [400, 422], ['invalid_json', 'invalid_request']],
  ['body over 1 MiB', { method: 'POST', path: '/process', body_bytes: 1_048_577 }, 413, 'body_too_large'],
  ['chunked body over 1 MiB', { method: 'POST', path: '/items', body_bytes: 2_000_000, chunked: true }, 413, 'body_too_large'],
  ['unknown id', { method: 'GET', path: '/items/99999999' }, 404, 'not_found'],
  ['id not a number', { method: 'DELETE', path: '/items/%27%20OR%201=1' }, 400, 'invalid_id'],
  ['bad query', { method: 'GET', path: '/alloc?nodes=1;DROP' }, 400, 'invalid_query'],
  ['query param twice', { method: 'GET', path: '/gateway?key=a&key=b' }, 400, 'invalid_query'],
  ['overlong query value', { method: 'GET', path: `/items?category=${'c'.repeat(5000)}` }, 400, 'invalid_query'],
  ['bad clock header', { method: 'POST', path: '/items', headers: { 'X-Now': '12:00' }, body: '{}' }, 400, 'invalid_header'],
];

describe.each(['python', 'go', 'rust', 'python-rust'])('%s under bad input', (name) => {
  let started: StartedBuiltIn;
  let service: RunningService;
  let manifest: ResolvedManifest;

  beforeAll(async () => {
    started = await startBuiltIn(name);
    ({ service, manifest } = started);
  });
  afterAll(async () => {
    await started?.stop();
  });

  it.each(cases)('answers %s with the documented 4xx', async (_label, request, status, code) => {
    const response = await sendRequest(service.baseUrl, request);
    expect([status].flat()).toContain(response.status);
    expect([code].flat().map((text) => `{"error":"${text}"}`)).toContain(response.body);
    expect(response.contentType).toBe('application/json');
  });

  it('still answers correctly afterwards and has not died', async () => {
    const response = await sendRequest(service.baseUrl, { method: 'GET', path: '/json' });
    expect(response).toEqual({ status: 200, contentType: 'application/json', body: '{"message":"Hello, World!"}' });
    expect((await sendRequest(service.baseUrl, { method: 'GET', path: '/items/1' })).status).toBe(200);
    expect(service.exitInfo()).toBeUndefined();
  });

  it('answers 502 when the upstream refuses and 504 when it is too slow', async () => {
    const refused = await startService({ manifest, workers: 1, env: { UPSTREAM_URL: 'http://127.0.0.1:9', LIVE_HEAP_OBJECTS: '1000' }, readyTimeoutMs: 60_000 });
    const slowUpstream = await startUpstream(3000, undefined);
    const slow = await startService({ manifest, workers: 1, env: { UPSTREAM_URL: slowUpstream.baseUrl, UPSTREAM_TIMEOUT_MS: '300', LIVE_HEAP_OBJECTS: '1000' }, readyTimeoutMs: 60_000 });
    try {
      expect(await sendRequest(refused.baseUrl, { method: 'GET', path: '/gateway?key=a' })).toMatchObject({ status: 502, body: '{"error":"upstream_error"}' });
      expect(await sendRequest(slow.baseUrl, { method: 'GET', path: '/gateway?key=a&n=2' })).toMatchObject({ status: 504, body: '{"error":"upstream_timeout"}' });
    } finally {
      await Promise.all([refused.stop(), slow.stop()]);
      await slowUpstream.stop();
    }
  });
});
