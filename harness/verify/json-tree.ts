/**
 * A JSON parser that keeps every number's source text, number equality by exact decimal value,
 * and compact, length-bounded display of parsed values. Pure.
 *
 * Why not JSON.parse: it turns every number into a double before any reviver sees it, so
 * `9007199254740993` (an int64 id a Go or Python service prints exactly) arrives as
 * 9007199254740992 and two different ids compare equal. Node 20's reviver has no
 * `context.source` (that arrives with V8 11.4+ in Node 21), so this small recursive-descent
 * parser keeps the number token instead; strings are still unescaped by JSON.parse.
 */

/** A parsed JSON value; objects keep their first key order (a later duplicate key replaces the value, as JSON.parse does). */
export type JsonNode =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'object'; readonly entries: ReadonlyMap<string, JsonNode> };

/** Nesting deeper than this is not parsed (the body is then compared as bytes): recursion stays far from the stack limit. */
export const MAX_JSON_DEPTH = 1000;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const NULL_NODE: JsonNode = { kind: 'null' };
const TRUE_NODE: JsonNode = { kind: 'boolean', value: true };
const FALSE_NODE: JsonNode = { kind: 'boolean', value: false };

class Malformed extends Error {}

class Parser {
  at = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  skipSpace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.at);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.at += 1;
    }
  }

  expectLiteral(literal: string, node: JsonNode): JsonNode {
    if (!this.text.startsWith(literal, this.at)) throw new Malformed();
    this.at += literal.length;
    return node;
  }

  value(depth: number): JsonNode {
    if (depth > MAX_JSON_DEPTH) throw new Malformed();
    this.skipSpace();
    const char = this.text[this.at];
    switch (char) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return { kind: 'string', value: this.string() };
      case 't':
        return this.expectLiteral('true', TRUE_NODE);
      case 'f':
        return this.expectLiteral('false', FALSE_NODE);
      case 'n':
        return this.expectLiteral('null', NULL_NODE);
      default: {
        NUMBER.lastIndex = this.at;
        const match = NUMBER.exec(this.text);
        if (match === null) throw new Malformed();
        this.at += match[0].length;
        return { kind: 'number', text: match[0] };
      }
    }
  }

  string(): string {
    const start = this.at;
    let index = start + 1;
    for (;;) {
      const char = this.text[index];
      if (char === undefined) throw new Malformed();
      if (char === '"') break;
      index += char === '\\' ? 2 : 1;
    }
    this.at = index + 1;
    // JSON.parse of the quoted token checks escapes and control characters and unescapes.
    try {
      return JSON.parse(this.text.slice(start, this.at)) as string;
    } catch {
      throw new Malformed();
    }
  }

  array(depth: number): JsonNode {
    this.at += 1;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at += 1;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      const char = this.text[this.at];
      this.at += 1;
      if (char === ']') return { kind: 'array', items };
      if (char !== ',') throw new Malformed();
    }
  }

  object(depth: number): JsonNode {
    this.at += 1;
    const entries = new Map<string, JsonNode>();
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at += 1;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') throw new Malformed();
      const key = this.string();
      this.skipSpace();
      if (this.text[this.at] !== ':') throw new Malformed();
      this.at += 1;
      entries.set(key, this.value(depth + 1));
      this.skipSpace();
      const char = this.text[this.at];
      this.at += 1;
      if (char === '}') return { kind: 'object', entries };
      if (char !== ',') throw new Malformed();
    }
  }
}

/**
 * Parses JSON text (RFC 8259: any value at the top, surrounding whitespace allowed), keeping
 * number tokens as written.
 * @returns undefined when the text is not JSON or nests deeper than MAX_JSON_DEPTH
 */
export function parseJson(text: string): JsonNode | undefined {
  const parser = new Parser(text);
  try {
    const node = parser.value(0);
    parser.skipSpace();
    return parser.at === text.length ? node : undefined;
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

/** A JSON number token as sign, significant digits (no leading or trailing zeros) and a power of ten. */
interface Decimal {
  readonly isNegative: boolean;
  /** '' for zero. */
  readonly digits: string;
  readonly exponent: bigint;
}

function toDecimal(text: string): Decimal {
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (match === null) throw new Error(`Not a JSON number token: ${JSON.stringify(text)}. This is a bug in json-tree.ts; report it.`);
  const fraction = match[3] ?? '';
  let digits = `${match[2]!}${fraction}`.replace(/^0+/, '');
  // BigInt: an exponent such as 1e99999999999999999999 is valid JSON.
  let exponent = BigInt(match[4] ?? '0') - BigInt(fraction.length);
  const trimmed = digits.replace(/0+$/, '');
  exponent += BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return { isNegative: match[1] === '-' && digits !== '', digits, exponent: digits === '' ? 0n : exponent };
}

/**
 * Whether two JSON number tokens denote the same number. Exact decimal value first (`1.0` = `1`,
 * `1e2` = `100`, `-0` = `0`); two integers are equal only then, so `9007199254740993` ≠
 * `9007199254740992` although both are the same double. When either has a fractional part,
 * equal doubles also count as equal (`0.1` = `0.10000000000000001`): a serialiser printing 17
 * significant digits and one printing the shortest round trip give clients the same value.
 * Values that overflow or underflow a double (`1e-400`) are compared exactly.
 */
export function numbersEqual(aText: string, bText: string): boolean {
  if (aText === bText) return true;
  const a = toDecimal(aText);
  const b = toDecimal(bText);
  if (a.isNegative === b.isNegative && a.digits === b.digits && a.exponent === b.exponent) return true;
  if (a.exponent >= 0n && b.exponent >= 0n) return false;
  const aValue = Number(aText);
  return aValue === Number(bText) && Number.isFinite(aValue) && aValue !== 0;
}

/**
 * A value as compact JSON (numbers as written), cut to at most `maxChars` characters with a
 * trailing `…` when longer. Stops serialising once past the limit, so a huge subtree costs little.
 */
export function showJson(node: JsonNode, maxChars = 80): string {
  let text = '';
  const write = (part: string): boolean => {
    text += part;
    return text.length <= maxChars;
  };
  const visit = (value: JsonNode): boolean => {
    switch (value.kind) {
      case 'null':
        return write('null');
      case 'boolean':
        return write(String(value.value));
      case 'number':
        return write(value.text);
      case 'string':
        return write(JSON.stringify(value.value));
      case 'array': {
        if (!write('[')) return false;
        let isFirst = true;
        for (const item of value.items) {
          if (!isFirst && !write(',')) return false;
          isFirst = false;
          if (!visit(item)) return false;
        }
        return write(']');
      }
      case 'object': {
        if (!write('{')) return false;
        let isFirst = true;
        for (const [key, item] of value.entries) {
          if (!write(`${isFirst ? '' : ','}${JSON.stringify(key)}:`)) return false;
          isFirst = false;
          if (!visit(item)) return false;
        }
        return write('}');
      }
    }
  };
  visit(node);
  return truncate(text, maxChars);
}

/** `text` cut to at most `maxChars` characters, the last being `…` when cut; never splits a surrogate pair. */
export function truncate(text: string, maxChars = 80): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
