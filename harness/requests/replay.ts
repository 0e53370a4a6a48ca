/**
 * Requests replayed from files users already have: JSON Lines (one request object per line) and
 * HAR 1.2 (what browsers' developer tools and proxies such as mitmproxy or Charles export).
 * Only parsing: the harness decides weights and the mix. Pure: callers pass the text.
 *
 * JSONL, one object per line; blank lines and lines starting with `#` are skipped; keys other
 * than these are ignored, so logs with extra fields (`status`, `time`) can be used as they are:
 * ```
 * {"method": "GET", "path": "/quote?sku=1", "headers": {"x-tenant": "acme"}}
 * {"method": "POST", "url": "https://api.example.com/orders", "body": {"sku": 1}}
 * ```
 * `method` defaults to GET and any letter case is accepted; `path` or `url` (of which only path
 * and query are kept); `headers` a mapping of strings; `body` a string, or an object or array sent
 * as compact JSON.
 *
 * HAR: `log.entries[].request` with `method`, `url`, `headers: [{name, value}]` and
 * `postData.text`. Repeated headers (HTTP/2 splits `cookie`) are joined with `, ` (`; ` for cookie).
 *
 * Both: header names in lower case; hop-by-hop and per-connection headers are dropped (see
 * DROPPED_HEADERS); an empty body is no body; spaces and non-ASCII characters in the path are
 * percent-encoded (browsers' exports already are).
 */
import { describeValue } from '../config/zod-message.js';
import { ConfigError } from '../errors.js';
import { HTTP_METHODS, isHttpMethod, type ConcreteRequest } from './request.js';

export type ReplayFormat = 'jsonl' | 'har';

/** One replayed request. */
export type ReplayedRequest = ConcreteRequest;

/** Which requests to keep; both conditions must hold. */
export interface ReplayFilter {
  /** Tested against the path with its query (`/quote?sku=1`); a `g` or `y` flag is ignored. */
  readonly include?: RegExp;
  /** Methods to keep, any letter case. */
  readonly methods?: readonly string[];
}

/**
 * Headers never replayed. Hop-by-hop and per-connection ones (RFC 9110 §7.6.1, RFC 9113
 * §8.2.2) belong to the recorded connection, not the request; `host` and `content-length` are set
 * by the engine for the service it sends to and the body it sends; `expect: 100-continue` would
 * wait for an interim answer the engines do not handle. `accept-encoding` is dropped because the
 * engines do not decompress: a service honouring it would answer gzip bytes that neither compare
 * with the reference nor measure the same work. Also dropped: `proxy-*`, HTTP/2 pseudo-headers
 * (`:authority`, `:path`…), and any header the `connection` header names.
 */
export const DROPPED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
  'expect',
  'accept-encoding',
]);

const METHOD_LIST = HTTP_METHODS.join(', ');
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Names a field of one request in messages. */
interface Location {
  /** "`method` on line 3 of traffic.jsonl" or "`log.entries[3].request.method` in session.har". */
  field(name: string): string;
  /** "line 3 of traffic.jsonl" or "`log.entries[3]` in session.har". */
  readonly where: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function expected(location: Location, field: string, what: string, value: unknown): ConfigError {
  if (value === undefined) return new ConfigError(`Missing ${location.field(field)}: expected ${what}.`);
  return new ConfigError(`Expected ${location.field(field)} to be ${what}, got ${describeValue(value)}.`);
}

/** Path and query of an absolute http(s) URL or of a path, fragment dropped; undefined when it is neither. */
function pathOfUrl(url: string): string | undefined {
  let rest: string;
  if (url.startsWith('/')) rest = url;
  else {
    const match = /^https?:\/\/[^/?#]*/i.exec(url);
    if (match === null) return undefined;
    rest = url.slice(match[0].length);
  }
  rest = rest.split('#', 1)[0]!;
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  return rest;
}

function checkedPath(location: Location, field: string, raw: unknown, kind: 'path' | 'url'): string {
  const what = kind === 'path' ? 'a path starting with `/`, such as `/quote?sku=1`' : 'an http(s) URL or a path, such as `https://api.example.com/quote?sku=1`';
  if (typeof raw !== 'string') throw expected(location, field, what, raw);
  const path = kind === 'path' ? (raw.startsWith('/') ? raw.split('#', 1)[0]! : undefined) : pathOfUrl(raw);
  if (path === undefined) throw expected(location, field, what, raw);
  if (CONTROL.test(path)) throw expected(location, field, `${what} without control characters`, raw);
  try {
    return path.replace(/[^\u0021-\u007e]+/g, (text) => encodeURIComponent(text));
  } catch (error) {
    throw new ConfigError(`Expected ${location.field(field)} to be ${what}, got ${describeValue(raw)}: it holds a lone surrogate that cannot be percent-encoded.`, { cause: error });
  }
}

function methodOf(location: Location, field: string, raw: unknown, fallback: string | undefined): string {
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'string') throw expected(location, field, `one of ${METHOD_LIST}`, raw);
  return raw.toUpperCase();
}

/** Lower-cased, joined, without the dropped headers. */
function cleanHeaders(location: Location, field: string, pairs: ReadonlyArray<readonly [string, unknown]>): Record<string, string> {
  const values = new Map<string, string[]>();
  for (const [rawName, value] of pairs) {
    if (!HEADER_NAME.test(rawName) && !rawName.startsWith(':')) throw expected(location, `${field}`, 'header names of letters, digits and `-`', rawName);
    if (typeof value !== 'string') throw expected(location, `${field}.${rawName}`, 'a string', value);
    if (/[\r\n\u0000]/.test(value)) throw expected(location, `${field}.${rawName}`, 'a header value without line breaks', value);
    const name = rawName.toLowerCase();
    values.set(name, [...(values.get(name) ?? []), value.trim()]);
  }
  // Headers the connection header names are per-connection too (RFC 9110 §7.6.1).
  const named = new Set((values.get('connection') ?? []).flatMap((value) => value.split(',').map((token) => token.trim().toLowerCase())));
  const headers = new Map<string, string>();
  for (const [name, list] of values) {
    if (DROPPED_HEADERS.has(name) || name.startsWith('proxy-') || name.startsWith(':') || named.has(name)) continue;
    headers.set(name, list.join(name === 'cookie' ? '; ' : ', '));
  }
  // fromEntries defines own properties, so a header named `__proto__` stays a header.
  return Object.fromEntries(headers);
}

interface Raw {
  /** Upper case; checked against HTTP_METHODS only if the filter keeps the request. */
  readonly method: string;
  readonly path: string;
  /** Reports a method that is not one of HTTP_METHODS. */
  readonly badMethod: () => ConfigError;
  /** Validates the rest once the request passes the filter. */
  readonly finish: (method: ConcreteRequest['method']) => ReplayedRequest;
}

function jsonlRequest(location: Location, data: Record<string, unknown>): Raw {
  const method = methodOf(location, 'method', data.method, 'GET');
  if (data.path !== undefined && data.url !== undefined) throw new ConfigError(`Both \`path\` and \`url\` on ${location.where}: keep one.`);
  const path = data.url !== undefined ? checkedPath(location, 'url', data.url, 'url') : checkedPath(location, 'path', data.path, 'path');
  return {
    method,
    path,
    badMethod: () => expected(location, 'method', `one of ${METHOD_LIST}`, data.method),
    finish: (checkedMethod) => {
      if (data.headers !== undefined && !isRecord(data.headers)) throw expected(location, 'headers', 'a mapping of header names to strings', data.headers);
      const headers = cleanHeaders(location, 'headers', Object.entries(data.headers ?? {}));
      const body = data.body;
      let text: string | undefined;
      if (typeof body === 'string') text = body;
      else if (typeof body === 'object' && body !== null) text = JSON.stringify(body);
      else if (body !== undefined && body !== null) throw expected(location, 'body', 'a string, or an object or array to send as JSON', body);
      return { method: checkedMethod, path, headers, ...(text === undefined || text === '' ? {} : { body: text }) };
    },
  };
}

function harRequest(location: Location, entry: unknown): Raw {
  if (!isRecord(entry) || !isRecord(entry.request)) throw expected(location, 'request', 'a mapping with `method`, `url` and `headers`', isRecord(entry) ? entry.request : entry);
  const request = entry.request;
  const method = methodOf(location, 'request.method', request.method, undefined);
  const path = checkedPath(location, 'request.url', request.url, 'url');
  return {
    method,
    path,
    badMethod: () => expected(location, 'request.method', `one of ${METHOD_LIST}`, request.method),
    finish: (checkedMethod) => {
      const list = request.headers ?? [];
      if (!Array.isArray(list)) throw expected(location, 'request.headers', 'a list of {name, value}', list);
      const pairs = list.map((header: unknown, index): [string, unknown] => {
        if (!isRecord(header) || typeof header.name !== 'string') throw expected(location, `request.headers[${index}]`, 'a mapping with a string `name` and `value`', header);
        return [header.name, header.value];
      });
      const headers = cleanHeaders(location, 'request.headers', pairs);
      const postData = request.postData;
      let text: string | undefined;
      if (isRecord(postData)) {
        if (typeof postData.text === 'string') text = postData.text;
        else if (postData.text !== undefined || postData.params !== undefined) {
          throw expected(location, 'request.postData.text', 'the body as a string (exports with only `postData.params` are not supported: export again with bodies)', postData.text);
        }
      } else if (postData !== undefined) throw expected(location, 'request.postData', 'a mapping with `text`', postData);
      return { method: checkedMethod, path, headers, ...(text === undefined || text === '' ? {} : { body: text }) };
    },
  };
}

function jsonlRequests(text: string, fileName: string): Raw[] {
  const raws: Raw[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const lineNumber = index + 1;
    const location: Location = { field: (name) => `\`${name}\` on line ${lineNumber} of ${fileName}`, where: `line ${lineNumber} of ${fileName}` };
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      throw new ConfigError(`Line ${lineNumber} of ${fileName} is not JSON (${(error as Error).message}): write one JSON object per line, or start the line with # to skip it.`, { cause: error });
    }
    if (!isRecord(data)) throw new ConfigError(`Expected line ${lineNumber} of ${fileName} to be a JSON object with \`method\` and \`path\` (or \`url\`), got ${describeValue(data)}.`);
    raws.push(jsonlRequest(location, data));
  }
  return raws;
}

function harRequests(text: string, fileName: string): Raw[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${fileName} is not JSON (${(error as Error).message}): export the HAR again, or name the format if the file is JSON Lines.`, { cause: error });
  }
  const log = isRecord(data) ? data.log : undefined;
  const entries = isRecord(log) ? log.entries : undefined;
  if (!Array.isArray(entries)) throw new ConfigError(`Expected \`log.entries\` in ${fileName} to be a list (HAR 1.2), got ${describeValue(entries)}.`);
  return entries.map((entry: unknown, index) => harRequest({ field: (name) => `\`log.entries[${index}].${name}\` in ${fileName}`, where: `\`log.entries[${index}]\` in ${fileName}` }, entry));
}

/**
 * The format of a replay file: from the extension (`.jsonl`, `.ndjson`, `.har`, any case), else
 * from the content (a JSON document with a `log` mapping is HAR; anything else is taken for JSONL).
 */
export function guessReplayFormat(text: string, fileName: string): ReplayFormat {
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl';
  if (extension === 'har') return 'har';
  if (!text.trimStart().startsWith('{')) return 'jsonl';
  try {
    const data: unknown = JSON.parse(text);
    return isRecord(data) && isRecord(data.log) ? 'har' : 'jsonl';
  } catch {
    return 'jsonl'; // several lines of objects are not one JSON document
  }
}

function describeFilter(filter: ReplayFilter): string {
  const parts: string[] = [];
  if (filter.include !== undefined) parts.push(`include ${String(filter.include)}`);
  if (filter.methods !== undefined) parts.push(`methods ${filter.methods.join(', ')}`);
  return parts.join(', ');
}

/**
 * The requests of a replay file, in file order, after the filter. Entries the filter drops are
 * not checked beyond their method and path (so a HAR's WebDAV or CONNECT entries can be
 * filtered out); every kept one must be valid.
 * @param fileName for messages and for guessing the format
 * @param format `jsonl` or `har`; guessed when absent (guessReplayFormat)
 * @throws ConfigError naming the file, the line (JSONL) or entry (HAR) and the field; also when no request remains
 */
export function parseReplay(text: string, fileName: string, format?: ReplayFormat, filter: ReplayFilter = {}): ReplayedRequest[] {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const chosen = format ?? guessReplayFormat(content, fileName);
  const methods = filter.methods?.map((method) => {
    const upper = method.toUpperCase();
    if (!isHttpMethod(upper)) throw new ConfigError(`Expected the \`methods\` filter for ${fileName} to list methods among ${METHOD_LIST}, got ${describeValue(method)}.`);
    return upper;
  });
  // A copy without g or y: RegExp#test on those moves lastIndex and would skip alternate matches.
  const include = filter.include === undefined ? undefined : new RegExp(filter.include.source, filter.include.flags.replace(/[gy]/g, ''));
  const raws = chosen === 'har' ? harRequests(content, fileName) : jsonlRequests(content, fileName);
  if (raws.length === 0) {
    const hint = chosen === 'har' ? '`log.entries` is empty. Record the traffic again and export it with its requests' : 'the file has no request lines (blank lines and lines starting with # are skipped). Write one JSON object per line, such as {"method": "GET", "path": "/quote"}';
    throw new ConfigError(`No request in ${fileName}: ${hint}.`);
  }
  const requests: ReplayedRequest[] = [];
  for (const raw of raws) {
    if (methods !== undefined && !(methods as readonly string[]).includes(raw.method)) continue;
    if (include !== undefined && !include.test(raw.path)) continue;
    if (!isHttpMethod(raw.method)) throw raw.badMethod();
    requests.push(raw.finish(raw.method));
  }
  if (requests.length === 0) throw new ConfigError(`No request in ${fileName} matches the filter (${describeFilter(filter)}): ${raws.length} read. Loosen the filter.`);
  return requests;
}
