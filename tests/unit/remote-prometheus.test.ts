/**
 * The Prometheus client against a fake fetch: the requests it sends, the answers it reads, and
 * errors that name the query and never show a credential.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, InfrastructureError } from '../../harness/errors.js';
import { createPrometheusClient, maskSecrets, readCredentials, type ClientOptions } from '../../harness/remote/prometheus.js';

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: URLSearchParams;
}

function fakeFetch(answer: (sent: Sent) => Response | Promise<Response>): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    const request: Sent = { url: String(input), method: init?.method, headers: { ...(init?.headers as Record<string, string>) }, body: new URLSearchParams(String(init?.body)) };
    sent.push(request);
    return answer(request);
  }) as typeof fetch;
  return { fetch: fake, sent };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const options = (fake: typeof fetch, env: Record<string, string> = {}): ClientOptions => ({ baseUrl: 'http://prom:9090/prefix', auth: { kind: 'default' }, timeoutMs: 5000, env, fetch: fake });

describe('requests', () => {
  it('POSTs a range query as a form, under the base URL\'s path, with a bearer token from the environment', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'pe' }, values: [[100, '0.5'], [100.5, '0.25']] }] } }));
    const client = createPrometheusClient(options(fetch, { PROMETHEUS_TOKEN: 's3cret' }));
    const result = await client.queryRange('sum(rate(x[4s]))', { startEpochSeconds: 100, endEpochSeconds: 100.5, stepSeconds: 0.5 });
    expect(result).toEqual([{ labels: { job: 'pe' }, samples: [{ atEpochSeconds: 100, value: 0.5 }, { atEpochSeconds: 100.5, value: 0.25 }] }]);
    expect(sent[0]!.url).toBe('http://prom:9090/prefix/api/v1/query_range');
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(sent[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(sent[0]!.body)).toEqual({ query: 'sum(rate(x[4s]))', start: '100.000', end: '100.500', step: '0.5', timeout: '5s' });
  });

  it('sends basic auth from PROMETHEUS_USER and PROMETHEUS_PASSWORD, and reads vectors and scalars', async () => {
    const answers = [
      { resultType: 'vector', result: [{ metric: { mode: 'user' }, value: [200, '1e3'] }, { metric: { mode: 'system' }, value: [200, 'NaN'] }] },
      { resultType: 'scalar', result: [300.25, '300.25'] },
    ];
    const { fetch, sent } = fakeFetch(() => json(200, { status: 'success', data: answers.shift() }));
    const client = createPrometheusClient(options(fetch, { PROMETHEUS_USER: 'bench', PROMETHEUS_PASSWORD: 'pw' }));
    const vector = await client.queryInstant('timestamp(x)', 200);
    expect(vector[0]!.samples).toEqual([{ atEpochSeconds: 200, value: 1000 }]);
    expect(Number.isNaN(vector[1]!.samples[0]!.value)).toBe(true);
    expect(await client.queryInstant('time()')).toEqual([{ labels: {}, samples: [{ atEpochSeconds: 300.25, value: 300.25 }] }]);
    expect(sent[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bench:pw').toString('base64')}`);
    expect(sent[0]!.body.get('time')).toBe('200.000');
    expect(sent[1]!.body.has('time')).toBe(false);
    expect(sent[1]!.url).toBe('http://prom:9090/prefix/api/v1/query');
  });

  it('sends no Authorization header without credentials', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { status: 'success', data: { resultType: 'vector', result: [] } }));
    await createPrometheusClient(options(fetch)).queryInstant('up');
    expect(sent[0]!.headers.authorization).toBeUndefined();
  });
});

describe('errors', () => {
  const fails = async (answer: () => Response | Promise<Response>, env: Record<string, string> = {}): Promise<Error> => {
    const { fetch } = fakeFetch(answer);
    try {
      await createPrometheusClient(options(fetch, env)).queryInstant('sum(x)');
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the query to fail');
  };

  it('passes on a rejected query as a configuration error naming it', async () => {
    const error = await fails(() => json(400, { status: 'error', errorType: 'bad_data', error: '1:6: parse error: unclosed left parenthesis' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('Prometheus at http://prom:9090/prefix rejected the query `sum(x)`: bad_data: 1:6: parse error: unclosed left parenthesis. Fix the query in `metrics` (try it in Prometheus\' graph page).');
  });

  it('reports a server-side timeout as an infrastructure failure', async () => {
    const error = await fails(() => json(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.message).toContain('failed on the query `sum(x)` (HTTP 503): timeout: query timed out');
  });

  it('says which variables to set on 401, without showing the token', async () => {
    const error = await fails(() => new Response('unauthorized', { status: 401 }), { PROMETHEUS_TOKEN: 'tok-123' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('Prometheus at http://prom:9090/prefix refused the query `sum(x)` with HTTP 401 (sent a bearer token from PROMETHEUS_TOKEN). Set `PROMETHEUS_TOKEN` (bearer) or `PROMETHEUS_USER` and `PROMETHEUS_PASSWORD` (basic auth) in the environment, or name other variables in `metrics.auth`.');
  });

  it('masks a credential a proxy echoes back', async () => {
    const error = await fails(() => new Response('<html>bad header Authorization: Bearer tok-123</html>', { status: 502, headers: { 'content-type': 'text/html' } }), { PROMETHEUS_TOKEN: 'tok-123' });
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.message).not.toContain('tok-123');
    expect(error.message).toContain('HTTP 502 and no JSON (text/html: "<html>bad header Authorization: Bearer ***</html>")');
  });

  it('explains an answer that is not the API (a UI page)', async () => {
    const error = await fails(() => json(200, { hello: 'world' }));
    expect(error.message).toContain('JSON that is not a Prometheus API response');
  });

  it('names the server and the query when it cannot be reached', async () => {
    const error = await fails(() => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9090') });
    });
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.message).toBe('Prometheus at http://prom:9090/prefix could not be reached for the query `sum(x)`: fetch failed: connect ECONNREFUSED 127.0.0.1:9090. Check `metrics.prometheus` (the server\'s base URL, e.g. http://prometheus:9090) and that Prometheus is up.');
  });

  it('names the timeout when the request takes too long', async () => {
    const error = await fails(() => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    expect(error.message).toBe('Prometheus at http://prom:9090/prefix did not answer the query `sum(x)` within 5000 ms. Raise `metrics.timeoutMs`, or check that the server is not overloaded.');
  });
});

describe('credentials', () => {
  it('uses named variables, and says which one is missing', () => {
    expect(readCredentials({ kind: 'bearer', tokenEnv: 'MY_TOKEN' }, { MY_TOKEN: 'x' }).header).toBe('Bearer x');
    expect(() => readCredentials({ kind: 'bearer', tokenEnv: 'MY_TOKEN' }, {})).toThrow('The Prometheus token is missing: `MY_TOKEN` is not set in the environment.');
    expect(() => readCredentials({ kind: 'basic', userEnv: 'U', passwordEnv: 'P' }, { U: 'me' })).toThrow('`P` is not set in the environment. Export both `U` and `P`.');
  });
  it('refuses both default kinds at once', () => {
    expect(() => readCredentials({ kind: 'default' }, { PROMETHEUS_TOKEN: 'a', PROMETHEUS_USER: 'b' })).toThrow(ConfigError);
  });
  it('lists the password and its encodings as secrets', () => {
    const credentials = readCredentials({ kind: 'default' }, { PROMETHEUS_USER: 'me', PROMETHEUS_PASSWORD: 'p@ss' });
    expect(credentials.secrets).toEqual(['p@ss', Buffer.from('me:p@ss').toString('base64'), 'p%40ss']);
    expect(maskSecrets('user me:p@ss and p%40ss', credentials.secrets)).toBe('user me:*** and ***');
  });
});
