/**
 * Compares a candidate service's HTTP answer with a reference answer the way Diffy does:
 * status, then media type, then the body structurally, field by field, so key order, number
 * spelling and whitespace do not count but every value does. Bodies that are not JSON are
 * compared byte for byte. Pure.
 *
 * When a body is compared as JSON: both bodies parse, and either side's media type is JSON
 * (`application/json`, `*+json`) or both bodies are an object or an array. A `text/plain` body
 * `1.0` is text to its clients, so it differs from `1`.
 */
import { formatPath, matchesExactly, parsePathPattern, type PathPattern, type PathSegment } from './json-path.js';
import { numbersEqual, parseJson, showJson, type JsonNode } from './json-tree.js';

export { matchesPath, normalizePath } from './json-path.js';

/** One HTTP answer. */
export interface Answer {
  readonly status: number;
  /** The Content-Type header as received; null when absent. */
  readonly contentType: string | null;
  /** The body; text is compared as its UTF-8 bytes. */
  readonly body: string | Uint8Array;
}

export type DifferenceKind = 'status' | 'content-type' | 'value' | 'type' | 'missing' | 'extra' | 'bytes';

/** What differs between the reference (expected) and the candidate (found), and where. */
export interface Difference {
  readonly kind: DifferenceKind;
  /**
   * Where: a JSON path (`$.items[3].price_cents`; `$` for the whole body, as for `bytes`), or
   * `status` or `content-type` for those kinds.
   */
  readonly path: string;
  /**
   * The reference's value as compact JSON (numbers as written), cut to ~80 characters with `…`;
   * the status as digits; the media type (`(none)` when absent); for `bytes` an excerpt around
   * the first differing byte. '' for `extra` (the reference has nothing there).
   */
  readonly expected: string;
  /** The candidate's, likewise; '' for `missing`. */
  readonly found: string;
  /** For `bytes`: offset of the first differing byte of the bodies' UTF-8. */
  readonly offsetBytes?: number;
}

/** All-differences lists stop at this many unless told otherwise. */
export const DEFAULT_DIFFERENCE_LIMIT = 50;

const SHOWN_CHARS = 80;
const encoder = new TextEncoder();
const lenientDecoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The media type of a Content-Type header, lower case, without parameters (`; charset=utf-8`); '' when absent. */
export function mediaType(contentType: string | null): string {
  if (contentType === null) return '';
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** Whether a media type is JSON: `application/json` or any `+json` suffix (`application/problem+json`). */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

function textOf(body: string | Uint8Array): string | undefined {
  if (typeof body === 'string') return body;
  try {
    return strictDecoder.decode(body);
  } catch {
    return undefined; // not UTF-8, so not JSON
  }
}

function excerptBytes(bytes: Uint8Array, offset: number): string {
  const start = Math.max(0, offset - 20);
  const end = Math.min(bytes.length, offset + 40);
  const shown = JSON.stringify(lenientDecoder.decode(bytes.subarray(start, end)));
  return `${start > 0 ? '…' : ''}${shown}${end < bytes.length ? '…' : ''}`;
}

function firstDifferingByte(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) if (a[index] !== b[index]) return index;
  return a.length === b.length ? -1 : length;
}

/** Called with each difference in document order; return false to stop. */
export type DifferenceVisitor = (difference: Difference) => boolean | void;

class Walker {
  isStopped = false;
  readonly ignore: readonly PathPattern[];
  readonly visit: DifferenceVisitor;
  constructor(ignore: readonly PathPattern[], visit: DifferenceVisitor) {
    this.ignore = ignore;
    this.visit = visit;
  }

  isIgnored(path: readonly PathSegment[]): boolean {
    return this.ignore.some((pattern) => matchesExactly(path, pattern));
  }

  emit(difference: Difference): void {
    if (this.visit(difference) === false) this.isStopped = true;
  }

  /** The reference's document order: its keys and elements in order, then the candidate's extra keys. */
  node(expected: JsonNode, found: JsonNode, path: PathSegment[]): void {
    if (this.isStopped || this.isIgnored(path)) return;
    if (expected.kind !== found.kind) {
      this.emit({ kind: 'type', path: formatPath(path), expected: showJson(expected, SHOWN_CHARS), found: showJson(found, SHOWN_CHARS) });
      return;
    }
    switch (expected.kind) {
      case 'null':
        return;
      case 'boolean':
      case 'string':
        if (expected.value !== (found as typeof expected).value) this.value(expected, found, path);
        return;
      case 'number':
        if (!numbersEqual(expected.text, (found as typeof expected).text)) this.value(expected, found, path);
        return;
      case 'array': {
        const foundItems = (found as typeof expected).items;
        const length = Math.max(expected.items.length, foundItems.length);
        for (let index = 0; index < length && !this.isStopped; index += 1) this.child(expected.items[index], foundItems[index], [...path, index]);
        return;
      }
      case 'object': {
        const foundEntries = (found as typeof expected).entries;
        for (const [key, item] of expected.entries) {
          if (this.isStopped) return;
          this.child(item, foundEntries.get(key), [...path, key]);
        }
        for (const [key, item] of foundEntries) {
          if (this.isStopped) return;
          if (!expected.entries.has(key)) this.child(undefined, item, [...path, key]);
        }
        return;
      }
    }
  }

  value(expected: JsonNode, found: JsonNode, path: readonly PathSegment[]): void {
    this.emit({ kind: 'value', path: formatPath(path), expected: showJson(expected, SHOWN_CHARS), found: showJson(found, SHOWN_CHARS) });
  }

  child(expected: JsonNode | undefined, found: JsonNode | undefined, path: PathSegment[]): void {
    if (expected !== undefined && found !== undefined) return this.node(expected, found, path);
    if (this.isIgnored(path)) return;
    if (expected !== undefined) this.emit({ kind: 'missing', path: formatPath(path), expected: showJson(expected, SHOWN_CHARS), found: '' });
    else if (found !== undefined) this.emit({ kind: 'extra', path: formatPath(path), expected: '', found: showJson(found, SHOWN_CHARS) });
  }
}

function parseBodies(reference: Answer, candidate: Answer): [JsonNode, JsonNode] | undefined {
  const isDeclaredJson = isJsonMediaType(mediaType(reference.contentType)) || isJsonMediaType(mediaType(candidate.contentType));
  const referenceText = textOf(reference.body);
  const candidateText = textOf(candidate.body);
  if (referenceText === undefined || candidateText === undefined) return undefined;
  const expected = parseJson(referenceText);
  const found = parseJson(candidateText);
  if (expected === undefined || found === undefined) return undefined;
  if (isDeclaredJson) return [expected, found];
  const isContainer = (node: JsonNode): boolean => node.kind === 'object' || node.kind === 'array';
  return isContainer(expected) && isContainer(found) ? [expected, found] : undefined;
}

/**
 * Calls `visit` with every difference in document order: status, content type, then the body
 * (JSON differences, or one `bytes` difference). A difference at or under an `ignore` pattern is
 * skipped (a subtree under an ignored path is not even walked); `$` ignores the whole body.
 * Status and content type are never ignored here (noise.ts decides about those).
 * @param ignore patterns, see json-path.ts
 * @throws ConfigError when an ignore pattern does not parse
 */
export function forEachDifference(reference: Answer, candidate: Answer, ignore: readonly string[], visit: DifferenceVisitor): void {
  if (reference.status !== candidate.status && visit({ kind: 'status', path: 'status', expected: String(reference.status), found: String(candidate.status) }) === false) return;
  forEachBodyDifference(reference, candidate, ignore, visit);
}

/**
 * Like forEachDifference without the status: the content type, then the body. For answers whose
 * statuses are equal, or whose bodies are compared although they are not (noise.ts).
 * @throws ConfigError when an ignore pattern does not parse
 */
export function forEachBodyDifference(reference: Answer, candidate: Answer, ignore: readonly string[], visit: DifferenceVisitor): void {
  const walker = new Walker(
    ignore.map((pattern) => parsePathPattern(pattern)),
    visit,
  );
  const expectedType = mediaType(reference.contentType);
  const foundType = mediaType(candidate.contentType);
  if (expectedType !== foundType) {
    walker.emit({ kind: 'content-type', path: 'content-type', expected: expectedType === '' ? '(none)' : expectedType, found: foundType === '' ? '(none)' : foundType });
  }
  if (walker.isStopped) return;
  const trees = parseBodies(reference, candidate);
  if (trees !== undefined) return walker.node(trees[0], trees[1], []);
  if (walker.isIgnored([])) return;
  const expectedBytes = bytesOf(reference.body);
  const foundBytes = bytesOf(candidate.body);
  const offsetBytes = firstDifferingByte(expectedBytes, foundBytes);
  if (offsetBytes < 0) return;
  walker.emit({ kind: 'bytes', path: '$', expected: excerptBytes(expectedBytes, offsetBytes), found: excerptBytes(foundBytes, offsetBytes), offsetBytes });
}

/**
 * The first difference in document order (see forEachDifference), or undefined when the
 * candidate answers the same as the reference, ignoring what `ignore` covers.
 * @throws ConfigError when an ignore pattern does not parse
 */
export function compareAnswers(reference: Answer, candidate: Answer, ignore: readonly string[] = []): Difference | undefined {
  let first: Difference | undefined;
  forEachDifference(reference, candidate, ignore, (difference) => {
    first = difference;
    return false;
  });
  return first;
}

/**
 * Every difference in document order, at most `limit` (default 50); [] when equal.
 * @throws ConfigError when an ignore pattern does not parse
 */
export function listDifferences(reference: Answer, candidate: Answer, ignore: readonly string[] = [], limit = DEFAULT_DIFFERENCE_LIMIT): Difference[] {
  const differences: Difference[] = [];
  if (limit <= 0) return differences;
  forEachDifference(reference, candidate, ignore, (difference) => differences.push(difference) < limit);
  return differences;
}

/**
 * One line for a report:
 * - ``$.items[3].price_cents: expected `1299`, found `1300` ``
 * - ``$.total: expected `12` (number), found `"12"` (string)`` for a type difference
 * - ``$.items[2]: missing, expected `{"id":3}` `` and ``$.debug: extra, found `true` ``
 * - ``status: expected `200`, found `500` ``; ``content type: expected `application/json`, found `text/html` ``
 * - ``body differs at byte 12: expected `"…"`, found `"…"` `` (excerpts as JSON strings)
 */
export function describeDifference(difference: Difference): string {
  const { kind, path, expected, found } = difference;
  switch (kind) {
    case 'status':
      return `status: expected \`${expected}\`, found \`${found}\``;
    case 'content-type':
      return `content type: expected \`${expected}\`, found \`${found}\``;
    case 'type':
      return `${path}: expected \`${expected}\` (${typeName(expected)}), found \`${found}\` (${typeName(found)})`;
    case 'missing':
      return `${path}: missing, expected \`${expected}\``;
    case 'extra':
      return `${path}: extra, found \`${found}\``;
    case 'bytes':
      return `body differs at byte ${difference.offsetBytes ?? 0}: expected ${expected}, found ${found}`;
    case 'value':
      return `${path}: expected \`${expected}\`, found \`${found}\``;
  }
}

/** The JSON type of a shown value, from its first character (shown values are compact JSON). */
function typeName(shown: string): string {
  const first = shown[0];
  if (first === '{') return 'object';
  if (first === '[') return 'array';
  if (first === '"') return 'string';
  if (first === 't' || first === 'f') return 'boolean';
  if (first === 'n') return 'null';
  return 'number';
}
