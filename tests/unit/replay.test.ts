import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../harness/errors.js';
import { guessReplayFormat, parseReplay, type ReplayFilter, type ReplayFormat } from '../../harness/requests/replay.js';

function replayError(text: string, fileName: string, format?: ReplayFormat, filter?: ReplayFilter): string {
  try {
    parseReplay(text, fileName, format, filter);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const har = (entries: unknown[]): string => JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } });
const harEntry = (request: Record<string, unknown>): unknown => ({ startedDateTime: '2026-01-01T00:00:00Z', time: 1, request: { httpVersion: 'HTTP/2', headers: [], ...request }, response: {} });

describe('JSON Lines', () => {
  it('reads one request per line, skipping blank lines and # comments', () => {
    const text = [
      '# captured from the access log',
      '{"method": "GET", "path": "/quote?sku=1", "headers": {"X-Tenant": "acme"}}',
      '',
      '   ',
      '{"method": "post", "url": "https://api.example.com:8443/orders?x=1#top", "body": {"sku": 1}, "status": 201, "time_ms": 12}',
      '{"path": "/health"}\r',
      '{"method": "PUT", "path": "/items/1", "body": "{\\"a\\": 1}", "headers": {"Content-Type": "application/json", "Content-Length": "8", "Accept-Encoding": "gzip"}}',
    ].join('\n');
    expect(parseReplay(text, 'traffic.jsonl')).toEqual([
      { method: 'GET', path: '/quote?sku=1', headers: { 'x-tenant': 'acme' } },
      { method: 'POST', path: '/orders?x=1', headers: {}, body: '{"sku":1}' },
      { method: 'GET', path: '/health', headers: {} },
      { method: 'PUT', path: '/items/1', headers: { 'content-type': 'application/json' }, body: '{"a": 1}' },
    ]);
  });
  it('keeps path and query of a URL, encodes spaces and non-ASCII, treats an empty body as none', () => {
    const text = ['{"url": "http://h"}', '{"url": "http://h?q=1"}', '{"url": "/a b/é?q=x y"}', '{"method": "POST", "path": "/p", "body": ""}', '{"path": "/p", "body": null}'].join('\n');
    expect(parseReplay(text, 't.jsonl').map((request) => [request.path, request.body])).toEqual([
      ['/', undefined],
      ['/?q=1', undefined],
      ['/a%20b/%C3%A9?q=x%20y', undefined],
      ['/p', undefined],
      ['/p', undefined],
    ]);
  });
  it('names the line and the field of a bad request', () => {
    const lines = (third: string): string => ['{"path": "/a"}', '# note', third].join('\n');
    expect(replayError(lines('{"method": "FETCH", "path": "/a"}'), 'traffic.jsonl')).toBe(
      'Expected `method` on line 3 of traffic.jsonl to be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, got `"FETCH"` (string).',
    );
    expect(replayError(lines('{"method": 7, "path": "/a"}'), 'traffic.jsonl')).toBe('Expected `method` on line 3 of traffic.jsonl to be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, got `7` (number).');
    expect(replayError(lines('{"method": "GET"}'), 'traffic.jsonl')).toBe('Missing `path` on line 3 of traffic.jsonl: expected a path starting with `/`, such as `/quote?sku=1`.');
    expect(replayError(lines('{"path": "quote"}'), 'traffic.jsonl')).toBe('Expected `path` on line 3 of traffic.jsonl to be a path starting with `/`, such as `/quote?sku=1`, got `"quote"` (string).');
    expect(replayError(lines('{"url": "ftp://h/x"}'), 'traffic.jsonl')).toContain('Expected `url` on line 3 of traffic.jsonl to be an http(s) URL or a path');
    expect(replayError(lines('{"path": "/a", "url": "/b"}'), 'traffic.jsonl')).toBe('Both `path` and `url` on line 3 of traffic.jsonl: keep one.');
    expect(replayError(lines('{"path": "/a", "headers": ["x"]}'), 'traffic.jsonl')).toBe('Expected `headers` on line 3 of traffic.jsonl to be a mapping of header names to strings, got `["x"]` (array).');
    expect(replayError(lines('{"path": "/a", "headers": {"x-n": 3}}'), 'traffic.jsonl')).toBe('Expected `headers.x-n` on line 3 of traffic.jsonl to be a string, got `3` (number).');
    expect(replayError(lines('{"path": "/a", "headers": {"x-n": "a\\r\\nb: c"}}'), 'traffic.jsonl')).toContain('a header value without line breaks');
    expect(replayError(lines('{"path": "/a", "body": 5}'), 'traffic.jsonl')).toBe('Expected `body` on line 3 of traffic.jsonl to be a string, or an object or array to send as JSON, got `5` (number).');
    expect(replayError(lines('{"path": "/a\\u0000"}'), 'traffic.jsonl')).toContain('without control characters');
    expect(replayError(lines('{"path": "/a",'), 'traffic.jsonl')).toMatch(/^Line 3 of traffic\.jsonl is not JSON \(.+\): write one JSON object per line, or start the line with # to skip it\.$/);
    expect(replayError(lines('[1]'), 'traffic.jsonl')).toBe('Expected line 3 of traffic.jsonl to be a JSON object with `method` and `path` (or `url`), got `[1]` (array).');
  });
  it('refuses a file with no request', () => {
    expect(replayError('# nothing\n\n', 'empty.jsonl')).toBe(
      'No request in empty.jsonl: the file has no request lines (blank lines and lines starting with # are skipped). Write one JSON object per line, such as {"method": "GET", "path": "/quote"}.',
    );
    expect(replayError('', 'empty.jsonl')).toContain('No request in empty.jsonl');
  });
});

describe('HAR', () => {
  const recorded = har([
    harEntry({
      method: 'GET',
      url: 'https://shop.example.com/api/quote?sku=12&qty=2',
      headers: [
        { name: ':authority', value: 'shop.example.com' },
        { name: ':method', value: 'GET' },
        { name: ':path', value: '/api/quote?sku=12&qty=2' },
        { name: ':scheme', value: 'https' },
        { name: 'Accept', value: 'application/json' },
        { name: 'accept-encoding', value: 'gzip, deflate, br' },
        { name: 'cookie', value: 'a=1' },
        { name: 'cookie', value: 'b=2' },
        { name: 'X-Trace', value: 'one' },
        { name: 'x-trace', value: 'two' },
        { name: 'Host', value: 'shop.example.com' },
        { name: 'Connection', value: 'keep-alive, X-Hop' },
        { name: 'X-Hop', value: 'yes' },
        { name: 'Keep-Alive', value: 'timeout=5' },
        { name: 'Proxy-Authorization', value: 'Basic x' },
        { name: 'TE', value: 'trailers' },
        { name: 'Upgrade', value: 'h2c' },
        { name: 'Transfer-Encoding', value: 'chunked' },
        { name: 'Trailer', value: 'x' },
        { name: 'Content-Length', value: '0' },
      ],
    }),
    harEntry({ method: 'POST', url: 'https://shop.example.com/api/orders', headers: [{ name: 'Content-Type', value: 'application/json' }], postData: { mimeType: 'application/json', text: '{"sku":12}' } }),
    harEntry({ method: 'GET', url: 'https://cdn.example.com/app.js' }),
  ]);
  it('reads method, path and query, headers and body, dropping per-connection headers', () => {
    expect(parseReplay(recorded, 'session.har')).toEqual([
      { method: 'GET', path: '/api/quote?sku=12&qty=2', headers: { accept: 'application/json', cookie: 'a=1; b=2', 'x-trace': 'one, two' } },
      { method: 'POST', path: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"sku":12}' },
      { method: 'GET', path: '/app.js', headers: {} },
    ]);
  });
  it('names the entry and the field of a bad request', () => {
    expect(replayError(har([harEntry({ method: 'GET', url: '/a' }), harEntry({ method: 'PROPFIND', url: '/b' })]), 'session.har')).toBe(
      'Expected `log.entries[1].request.method` in session.har to be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, got `"PROPFIND"` (string).',
    );
    expect(replayError(har([harEntry({ method: 'GET' })]), 'session.har')).toBe('Missing `log.entries[0].request.url` in session.har: expected an http(s) URL or a path, such as `https://api.example.com/quote?sku=1`.');
    expect(replayError(har([harEntry({ method: 'GET', url: 'wss://h/socket' })]), 'session.har')).toContain('Expected `log.entries[0].request.url` in session.har to be an http(s) URL');
    expect(replayError(har([{ response: {} }]), 'session.har')).toBe('Missing `log.entries[0].request` in session.har: expected a mapping with `method`, `url` and `headers`.');
    expect(replayError(har([harEntry({ method: 'GET', url: '/a', headers: [{ value: 'x' }] })]), 'session.har')).toBe(
      'Expected `log.entries[0].request.headers[0]` in session.har to be a mapping with a string `name` and `value`, got `{"value":"x"}` (object).',
    );
    expect(replayError(har([harEntry({ method: 'GET', url: '/a', headers: [{ name: 'x a', value: 'x' }] })]), 'session.har')).toContain('`log.entries[0].request.headers` in session.har to be header names');
    expect(replayError(har([harEntry({ method: 'POST', url: '/a', postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'a', value: '1' }] } })]), 'session.har')).toContain(
      'Missing `log.entries[0].request.postData.text` in session.har: expected the body as a string (exports with only `postData.params` are not supported',
    );
    expect(replayError('{"log": {}}', 'session.har')).toBe('Expected `log.entries` in session.har to be a list (HAR 1.2), got nothing.');
    expect(replayError('{"log": ', 'session.har')).toMatch(/^session\.har is not JSON \(.+\): export the HAR again, or name the format if the file is JSON Lines\.$/);
    expect(replayError(har([]), 'session.har')).toBe('No request in session.har: `log.entries` is empty. Record the traffic again and export it with its requests.');
  });
  it('treats an empty postData.text as no body and skips a byte-order mark', () => {
    expect(parseReplay(`\uFEFF${har([harEntry({ method: 'POST', url: '/a', postData: { mimeType: 'text/plain', text: '' } })])}`, 'x.har')).toEqual([{ method: 'POST', path: '/a', headers: {} }]);
  });
  it('keeps a header named __proto__ as a header', () => {
    const [request] = parseReplay(har([harEntry({ method: 'GET', url: '/a', headers: [{ name: '__proto__', value: 'x' }] })]), 'x.har');
    expect(Object.keys(request!.headers)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(request!.headers)).toBe(Object.prototype);
  });
});

describe('filters', () => {
  const text = ['{"method": "GET", "path": "/api/a"}', '{"method": "POST", "path": "/api/b"}', '{"method": "GET", "path": "/static/c.js"}', '{"method": "PROPFIND", "path": "/dav"}'].join('\n');
  it('keeps the requests whose path matches and whose method is listed; unknown methods filtered out are no error', () => {
    expect(parseReplay(text, 't.jsonl', undefined, { include: /^\/api\//, methods: ['get'] }).map((request) => request.path)).toEqual(['/api/a']);
    expect(parseReplay(text, 't.jsonl', undefined, { methods: ['GET', 'POST'] }).map((request) => request.path)).toEqual(['/api/a', '/api/b', '/static/c.js']);
    expect(parseReplay(text, 't.jsonl', undefined, { include: /^\/(api|static)/ })).toHaveLength(3);
  });
  it('is not fooled by a global regular expression', () => {
    const lines = ['{"path": "/api/1"}', '{"path": "/api/2"}', '{"path": "/api/3"}'].join('\n');
    expect(parseReplay(lines, 't.jsonl', undefined, { include: /api/g })).toHaveLength(3);
  });
  it('refuses a filter that keeps nothing, or an unknown method in it', () => {
    expect(replayError(text, 't.jsonl', undefined, { include: /^\/nothing/, methods: ['GET'] })).toBe('No request in t.jsonl matches the filter (include /^\\/nothing/, methods GET): 4 read. Loosen the filter.');
    expect(replayError(text, 't.jsonl', undefined, { methods: ['FETCH'] })).toBe('Expected the `methods` filter for t.jsonl to list methods among GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, got `"FETCH"` (string).');
  });
});

describe('format', () => {
  it('comes from the extension, else the content', () => {
    expect(guessReplayFormat('', 'a.jsonl')).toBe('jsonl');
    expect(guessReplayFormat('', 'a.NDJSON')).toBe('jsonl');
    expect(guessReplayFormat('', 'dir.v2/a.HAR')).toBe('har');
    expect(guessReplayFormat('{"log": {"entries": []}}', 'capture.json')).toBe('har');
    expect(guessReplayFormat('{"path": "/a"}\n{"path": "/b"}', 'capture.json')).toBe('jsonl');
    expect(guessReplayFormat('{"path": "/a"}', 'capture')).toBe('jsonl');
    expect(guessReplayFormat('# x', 'capture.txt')).toBe('jsonl');
  });
  it('can be forced', () => {
    expect(parseReplay(har([harEntry({ method: 'GET', url: '/a' })]), 'capture.txt', 'har')).toEqual([{ method: 'GET', path: '/a', headers: {} }]);
    expect(replayError(har([harEntry({ method: 'GET', url: '/a' })]), 'capture.txt', 'jsonl')).toContain('Missing `path` on line 1 of capture.txt');
  });
});
