/**
 * Services under bad input (issue #7): at least 1,000 malformed or random requests to each
 * built-in service — bodies up to the limit and just beyond, broken JSON, wrong types, odd paths,
 * methods and query strings — each answered with a 4xx, the service never crashing; and every
 * service (and the upstream) reachable on 127.0.0.1 only.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../harness/process/service.js';
import { Random } from '../../harness/suite/random-inputs.js';
import { sendRequest, type Request } from '../../harness/verify/send.js';
import { startBuiltIn, type StartedBuiltIn } from './helpers.js';

const LIMIT_BYTES = 1_048_576;
const validProcess = { hash_rounds: 1, percentiles: [50], records: [{ id: 1, user: 'u', category: 'c', amount_cents: 1, latency_us: 1 }] };

/** A request that the contract must answer with a 4xx, whatever the random draw. */
function badRequest(random: Random): Request {
  const junk = (length: number): string => Array.from({ length }, () => String.fromCharCode(random.int(0, 255))).join('');
  switch (random.int(0, 11)) {
    case 0:
      return { method: 'POST', path: '/process', body: junk(random.int(0, 200)) };
    case 1: {
      const text = JSON.stringify(validProcess);
      return { method: 'POST', path: '/process', body: text.slice(0, random.int(0, text.length - 1)) };
    }
    case 2: {
      const field = random.pick(['hash_rounds', 'percentiles', 'records'] as const);
      const value = random.pick([null, 'x', -1, 1.5, true, [], {}, 1e30]);
      return { method: 'POST', path: '/process', body: JSON.stringify({ ...validProcess, [field]: value }) };
    }
    case 3:
      return { method: 'POST', path: '/process', body_bytes: random.pick([LIMIT_BYTES + 1, LIMIT_BYTES + 1000]), chunked: random.int(0, 1) === 1 };
    case 4:
      return { method: 'GET', path: `/alloc?${random.pick(['nodes', 'seed'])}=${encodeURIComponent(random.pick(['-1', 'abc', '1e3', '', '99999999999', junk(5)]))}` };
    case 5:
      return { method: 'GET', path: `/gateway?${random.pick(['', 'n=3', `key=${encodeURIComponent(junk(random.int(1, 40)))}&n=0`, 'key=a&key=b'])}` };
    case 6:
      return { method: 'GET', path: `/items/${encodeURIComponent(random.pick(['-5', 'x', '1.5', '1234567890123456', junk(4)]))}` };
    case 7:
      return { method: 'GET', path: `/items?${random.pick(['', 'limit=5', 'category=c01&limit=0', 'category=c01&after_id=-1', `category=${encodeURIComponent(junk(8))}`])}` };
    case 8:
      return { method: random.pick(['POST', 'PUT'] as const), path: random.pick(['/items', '/items/1']), body: random.pick(['{', '[]', '{"sku":5}', junk(30)]) };
    case 9:
      return { method: 'GET', path: `/${encodeURIComponent(junk(random.int(1, 30)))}` };
    case 10:
      return { method: random.pick(['DELETE', 'PUT'] as const), path: random.pick(['/json', '/health', '/alloc', '/gateway']) };
    default:
      return { method: 'POST', path: '/items', headers: { 'X-Now': random.pick(['soon', '-1', '1.5']) }, body: '{}' };
  }
}

describe.each(['python', 'go', 'rust', 'python-rust'])('%s fuzzed', (name) => {
  let started: StartedBuiltIn;
  let service: RunningService;
  let upstream: RunningService;

  beforeAll(async () => {
    started = await startBuiltIn(name, 2);
    ({ service, upstream } = started);
  });
  afterAll(async () => {
    await started?.stop();
  });

  it('answers 1,200 malformed requests with 4xx and keeps serving', async () => {
    const random = new Random(7 + name.length);
    const requests = Array.from({ length: 1200 }, () => badRequest(random));
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    // Eight requests in flight, like a small crowd of broken clients.
    for (let index = 0; index < requests.length; index += 8) {
      const batch = requests.slice(index, index + 8);
      const answers = await Promise.all(batch.map((request) => sendRequest(service.baseUrl, request).catch((error: Error) => ({ status: -1, contentType: null, body: error.message }))));
      answers.forEach((answer, offset) => {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status < 400 || answer.status >= 500) bad.push(`${batch[offset]!.method} ${batch[offset]!.path.slice(0, 60)} → ${answer.status} ${answer.body.slice(0, 80)}`);
      });
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect([...statuses.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
    expect(service.exitInfo()).toBeUndefined();
    expect(await sendRequest(service.baseUrl, { method: 'GET', path: '/json' })).toEqual({ status: 200, contentType: 'application/json', body: '{"message":"Hello, World!"}' });
  });

  it('is reachable on 127.0.0.1 only (another loopback address is refused)', async () => {
    const connect = (host: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = net.connect({ host, port: service.port, timeout: 2000 });
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        socket.on('timeout', () => {
          socket.destroy();
          resolve('timeout');
        });
      });
    expect(await connect('127.0.0.1')).toBe('connected');
    expect(await connect('127.0.0.2')).toBe('ECONNREFUSED');
    if (name === 'python') {
      const upstreamPort = Number(new URL(upstream.baseUrl).port);
      const refused = await new Promise<string>((resolve) => net.connect({ host: '127.0.0.2', port: upstreamPort }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? '')).on('connect', () => resolve('connected')));
      expect(refused).toBe('ECONNREFUSED');
    }
  });
});
