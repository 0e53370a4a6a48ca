/**
 * Compares a candidate service's HTTP answer with a reference answer the way Diffy does:
 * status, then media type, then the body structurally, field by field, so key order, number
 * spelling and whitespace do not count but every value does. Bodies that are not JSON are
 * compared byte for byte. Pure.
 *
 * The rules of a scenario's `compare:` (compare-rules.ts) apply here: ignored paths, strings
 * compared as instants, arrays as sets, numbers within a tolerance (a status mapping is
 * judge-candidate.ts's).
 *
 * When a body is compared as JSON: both bodies parse, and either side's media type is JSON
 * (`application/json`, `*+json`) or both bodies are an object or an array. A `text/plain` body
 * `1.0` is text to its clients, so it differs from `1`.
 */
import { ignoreRules, type ComparisonRules } from './compare-rules.js';
import { formatPath, matchesExactly, type PathPattern, type PathSegment } from './json-path.js';
import { numbersEqual, parseJson, showJson, type JsonNode } from './json-tree.js';
import { sameInstant } from './rfc3339.js';

const isPatternList = (rules: readonly string[] | ComparisonRules): rules is readonly string[] => Array.isArray(rules);

export { matchesPath, normalizePath } from './json-path.js';
export { describeDifference } from './describe-difference.js';

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

const matchesAny = (path: readonly PathSegment[], patterns: readonly PathPattern[]): boolean => patterns.some((pattern) => matchesExactly(path, pattern));

/** Whether two numbers (JSON tokens) are within `relative` × the larger magnitude, as doubles. */
function isWithin(expected: string, found: string, relative: number): boolean {
  const a = Number(expected);
  const b = Number(found);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b));
}

class Walker {
  isStopped = false;
  readonly rules: ComparisonRules;
  readonly visit: DifferenceVisitor;
  constructor(rules: ComparisonRules, visit: DifferenceVisitor) {
    this.rules = rules;
    this.visit = visit;
  }

  isIgnored(path: readonly PathSegment[]): boolean {
    return matchesAny(path, this.rules.ignore);
  }

  /** Whether two different strings at `path` are one instant spelled twice, where `times` applies. */
  isSameInstant(expected: string, found: string, path: readonly PathSegment[]): boolean {
    const { times } = this.rules;
    return (times === 'all' || matchesAny(path, times)) && sameInstant(expected, found);
  }

  /** Whether two different numbers at `path` are within a tolerance that applies there. */
  isTolerated(expected: string, found: string, path: readonly PathSegment[]): boolean {
    return this.rules.tolerance.some(({ pattern, relative }) => matchesExactly(path, pattern) && isWithin(expected, found, relative));
  }

  /** Whether two nodes at `path` have no difference under the rules (for matching set elements). */
  isEqual(expected: JsonNode, found: JsonNode, path: PathSegment[]): boolean {
    let isEqual = true;
    new Walker(this.rules, () => {
      isEqual = false;
      return false;
    }).node(expected, found, path);
    return isEqual;
  }

  /**
   * Arrays compared as multisets: each reference element matched with the first unmatched equal
   * candidate element (greedy: with a tolerance, which is not transitive, a different pairing
   * could match more). What is left is paired in order and walked, so a changed element shows
   * its differing fields; the surplus is missing or extra.
   */
  set(expected: readonly JsonNode[], found: readonly JsonNode[], path: PathSegment[]): void {
    const unmatched = found.map((_, index) => index);
    const left: number[] = [];
    for (const [index, item] of expected.entries()) {
      const match = unmatched.findIndex((candidate) => this.isEqual(item, found[candidate]!, [...path, index]));
      if (match < 0) left.push(index);
      else unmatched.splice(match, 1);
    }
    for (let at = 0; at < Math.max(left.length, unmatched.length) && !this.isStopped; at += 1) {
      const expectedIndex = left[at];
      const foundIndex = unmatched[at];
      this.child(expectedIndex === undefined ? undefined : expected[expectedIndex], foundIndex === undefined ? undefined : found[foundIndex], [...path, expectedIndex ?? foundIndex!]);
    }
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
        if (expected.value !== (found as typeof expected).value) this.value(expected, found, path);
        return;
      case 'string': {
        const foundValue = (found as typeof expected).value;
        if (expected.value !== foundValue && !this.isSameInstant(expected.value, foundValue, path)) this.value(expected, found, path);
        return;
      }
      case 'number': {
        const foundText = (found as typeof expected).text;
        if (!numbersEqual(expected.text, foundText) && !this.isTolerated(expected.text, foundText, path)) this.value(expected, found, path);
        return;
      }
      case 'array': {
        const foundItems = (found as typeof expected).items;
        if (matchesAny(path, this.rules.sets)) return this.set(expected.items, foundItems, path);
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
 * @param rules `ignore` patterns (json-path.ts), or rules compiled by compare-rules.ts
 * @throws ConfigError when an ignore pattern does not parse
 */
export function forEachDifference(reference: Answer, candidate: Answer, rules: readonly string[] | ComparisonRules, visit: DifferenceVisitor): void {
  if (reference.status !== candidate.status && visit({ kind: 'status', path: 'status', expected: String(reference.status), found: String(candidate.status) }) === false) return;
  forEachBodyDifference(reference, candidate, rules, visit);
}

/**
 * Like forEachDifference without the status: the content type, then the body. For answers whose
 * statuses are equal, or whose bodies are compared although they are not (noise.ts).
 * @throws ConfigError when an ignore pattern does not parse
 */
export function forEachBodyDifference(reference: Answer, candidate: Answer, rules: readonly string[] | ComparisonRules, visit: DifferenceVisitor): void {
  const walker = new Walker(isPatternList(rules) ? ignoreRules(rules) : rules, visit);
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
export function compareAnswers(reference: Answer, candidate: Answer, rules: readonly string[] | ComparisonRules = []): Difference | undefined {
  let first: Difference | undefined;
  forEachDifference(reference, candidate, rules, (difference) => {
    first = difference;
    return false;
  });
  return first;
}

/**
 * Every difference in document order, at most `limit` (default 50); [] when equal.
 * @throws ConfigError when an ignore pattern does not parse
 */
export function listDifferences(reference: Answer, candidate: Answer, rules: readonly string[] | ComparisonRules = [], limit = DEFAULT_DIFFERENCE_LIMIT): Difference[] {
  const differences: Difference[] = [];
  if (limit <= 0) return differences;
  forEachDifference(reference, candidate, rules, (difference) => differences.push(difference) < limit);
  return differences;
}
