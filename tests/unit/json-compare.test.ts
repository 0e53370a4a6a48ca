import { describe, expect, it } from 'vitest';
import { compareAnswers, describeDifference, listDifferences, matchesPath, mediaType, normalizePath, type Answer } from '../../harness/verify/json-compare.js';
import { formatPath, parsePathPattern, pathPatternSchema } from '../../harness/verify/json-path.js';
import { MAX_JSON_DEPTH, numbersEqual, parseJson, showJson, truncate } from '../../harness/verify/json-tree.js';
import { ConfigError } from '../../harness/errors.js';

const json = (body: string | Uint8Array, status = 200, contentType: string | null = 'application/json'): Answer => ({ status, contentType, body });
const compare = (expected: string, found: string, ignore: string[] = []) => compareAnswers(json(expected), json(found), ignore);

describe('number-preserving JSON parse', () => {
  it('keeps number tokens as written and parses every JSON value', () => {
    expect(parseJson(' {"a": [1.50, -0, 1e2, true, false, null, "x\\u00e9"]} ')).toEqual({
      kind: 'object',
      entries: new Map([
        [
          'a',
          {
            kind: 'array',
            items: [
              { kind: 'number', text: '1.50' },
              { kind: 'number', text: '-0' },
              { kind: 'number', text: '1e2' },
              { kind: 'boolean', value: true },
              { kind: 'boolean', value: false },
              { kind: 'null' },
              { kind: 'string', value: 'xé' },
            ],
          },
        ],
      ]),
    });
    expect(parseJson('9007199254740993')).toEqual({ kind: 'number', text: '9007199254740993' });
    expect(parseJson('"a"')).toEqual({ kind: 'string', value: 'a' });
    expect(parseJson('[]')).toEqual({ kind: 'array', items: [] });
    expect(parseJson('{}')).toEqual({ kind: 'object', entries: new Map() });
  });
  it('keeps the first position and the last value of a repeated key, as JSON.parse does', () => {
    const node = parseJson('{"a":1,"b":2,"a":3}');
    expect(node?.kind === 'object' && [...node.entries]).toEqual([
      ['a', { kind: 'number', text: '3' }],
      ['b', { kind: 'number', text: '2' }],
    ]);
  });
  it('rejects what JSON.parse rejects', () => {
    for (const text of ['', ' ', '{', '[1,]', '{"a":1,}', '01', '1.', '.5', '+1', '1e', 'tru', 'nul', '"a', '"\\x"', '"\u0001"', "{'a':1}", '{a:1}', '[1 2]', '{"a" 1}', '1 2', 'NaN', '\uFEFF1']) {
      expect(parseJson(text), text).toBeUndefined();
    }
  });
  it('gives up beyond the depth limit (the body is then compared as bytes)', () => {
    expect(parseJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeDefined();
    expect(parseJson('['.repeat(MAX_JSON_DEPTH + 2) + ']'.repeat(MAX_JSON_DEPTH + 2))).toBeUndefined();
  });
});

describe('number equality', () => {
  it('compares by decimal value', () => {
    expect(numbersEqual('1', '1.0')).toBe(true);
    expect(numbersEqual('1e2', '100')).toBe(true);
    expect(numbersEqual('100', '1E+2')).toBe(true);
    expect(numbersEqual('0.5', '5e-1')).toBe(true);
    expect(numbersEqual('-0', '0')).toBe(true);
    expect(numbersEqual('0.0', '-0e10')).toBe(true);
    expect(numbersEqual('1', '2')).toBe(false);
    expect(numbersEqual('-1', '1')).toBe(false);
    expect(numbersEqual('1.5', '1.25')).toBe(false);
  });
  it('tells integers beyond 2^53 apart although they are the same double', () => {
    expect(numbersEqual('9007199254740993', '9007199254740992')).toBe(false);
    expect(numbersEqual('9007199254740993', '9.007199254740993e15')).toBe(true);
    expect(numbersEqual('12345678901234567890', '12345678901234567891')).toBe(false);
  });
  it('takes equal doubles for equal when a fraction is involved, but not overflow or underflow', () => {
    expect(numbersEqual('0.1', '0.10000000000000001')).toBe(true);
    expect(numbersEqual('0.1', '0.2')).toBe(false);
    expect(numbersEqual('1e400', '2e400')).toBe(false);
    expect(numbersEqual('1e-400', '2e-400')).toBe(false);
    expect(numbersEqual('1e-400', '0')).toBe(false);
    expect(numbersEqual('1e99999999999999999999', '10e99999999999999999998')).toBe(true);
    expect(numbersEqual('1e99999999999999999999', '2e99999999999999999999')).toBe(false);
    expect(numbersEqual('1e99999999999999999999', '0.1e100000000000000000000')).toBe(true);
  });
});

describe('compact display', () => {
  it('shows compact JSON with numbers as written, cut with … at the limit', () => {
    expect(showJson(parseJson('{ "a" : [ 1.50 , "x" ] , "b" : null }')!)).toBe('{"a":[1.50,"x"],"b":null}');
    expect(showJson(parseJson(`[${'1,'.repeat(100)}1]`)!, 20)).toBe('[1,1,1,1,1,1,1,1,1,…');
    expect(showJson(parseJson(`[${'1,'.repeat(100)}1]`)!, 20)).toHaveLength(20);
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    // Never half a surrogate pair.
    expect(truncate('a😀bc', 3)).toBe('a…');
  });
});

describe('JSON paths', () => {
  it('formats locations, quoting keys that are not plain names', () => {
    expect(formatPath([])).toBe('$');
    expect(formatPath(['items', 3, 'price_cents'])).toBe('$.items[3].price_cents');
    expect(formatPath(['x-tenant', 'a b', "it's", '', '0'])).toBe("$.x-tenant['a b']['it\\'s']['']['0']");
  });
  it('matches at or under a pattern', () => {
    expect(matchesPath('$.a.b', '$.a.b')).toBe(true);
    expect(matchesPath('$.a.b.c', '$.a.b')).toBe(true);
    expect(matchesPath('$.a', '$.a.b')).toBe(false);
    expect(matchesPath('$.a.bc', '$.a.b')).toBe(false);
    expect(matchesPath('$.items[3].id', '$.items[*].id')).toBe(true);
    expect(matchesPath('$.items[3].name', '$.items[*].id')).toBe(false);
    expect(matchesPath('$.items[3].id', '$.items[3].id')).toBe(true);
    expect(matchesPath('$.items[2].id', '$.items[3].id')).toBe(false);
    expect(matchesPath('$.updated_at', '$..updated_at')).toBe(true);
    expect(matchesPath('$.a[0].b.updated_at', '$..updated_at')).toBe(true);
    expect(matchesPath('$.a[0].updated_at.x', '$..updated_at')).toBe(true);
    expect(matchesPath('$.a.updated', '$..updated_at')).toBe(false);
    expect(matchesPath('$.a.x', '$.a.*')).toBe(true);
    expect(matchesPath('$.a[4]', '$.a.*')).toBe(true);
    expect(matchesPath('$.a', '$.a.*')).toBe(false);
    expect(matchesPath('$.a.b.c', '$..b..c')).toBe(true);
    expect(matchesPath('$', '$')).toBe(true);
    expect(matchesPath('$.anything[1]', '$')).toBe(true);
    expect(matchesPath("$['a b']", '$["a b"]')).toBe(true);
    expect(matchesPath('$.x-tenant', "$['x-tenant']")).toBe(true);
    // An index is not a key of the same spelling.
    expect(matchesPath('$.a[0]', "$.a['0']")).toBe(false);
  });
  it('normalises indices to [*]', () => {
    expect(normalizePath('$.items[3].id')).toBe('$.items[*].id');
    expect(normalizePath('$[0][12]')).toBe('$[*][*]');
    expect(normalizePath('$.a')).toBe('$.a');
    expect(normalizePath("$['a b'][2]")).toBe("$['a b'][*]");
    expect(normalizePath('$..updated_at')).toBe('$..updated_at');
  });
  it('explains a malformed pattern: where, what was expected, how to write one', () => {
    expect(() => parsePathPattern('items[*]')).toThrow(ConfigError);
    expect(() => parsePathPattern('items[*]')).toThrow('Invalid JSON path `items[*]`: expected `$` (the root) at character 1, found `i`. Write paths like');
    expect(() => parsePathPattern('$.items[')).toThrow('expected an index, `*` or a quoted key at character 9, found the end.');
    expect(() => parsePathPattern('$.items.0')).toThrow('a key name not starting with a digit (`[0]` for an index, `[\'0\']` for a key)');
    expect(() => parsePathPattern('$..')).toThrow('expected a key name, `*` or `[` at character 4, found the end.');
    expect(() => parsePathPattern('$.a[01]')).toThrow('an index without leading zeros');
    expect(() => parsePathPattern("$['a")).toThrow("a closing '");
    expect(() => parsePathPattern('$a')).toThrow('expected `.`, `..` or `[` at character 2, found `a`.');
    expect(() => parsePathPattern('$.a[-1]')).toThrow('at character 5');
    expect(() => matchesPath('$.a[*]', '$.a')).toThrow('Expected a concrete JSON path such as `$.items[3].id`, got the pattern `$.a[*]`');
  });
  it('offers a zod schema for ignore lists', () => {
    expect(pathPatternSchema.safeParse('$.a[*].b').success).toBe(true);
    const result = pathPatternSchema.safeParse('a.b');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('Invalid JSON path `a.b`');
  });
});

describe('comparing answers', () => {
  it('finds equal what differs only in key order, number spelling and white space', () => {
    expect(compare('{"a":1,"b":[1,2,{"c":"x"}]}', '{ "b" : [1.0, 2e0, {"c":"x"}], "a" : 1 }\n')).toBeUndefined();
    expect(compare('{"id":9007199254740993}', '{"id":9007199254740993}')).toBeUndefined();
  });
  it('reports the first difference in the reference document order', () => {
    expect(compare('{"items":[{"price_cents":1299},{"price_cents":5}],"z":1}', '{"z":2,"items":[{"price_cents":1300},{"price_cents":6}]}')).toEqual({
      kind: 'value',
      path: '$.items[0].price_cents',
      expected: '1299',
      found: '1300',
    });
    expect(compare('{"id":9007199254740993}', '{"id":9007199254740992}')).toEqual({ kind: 'value', path: '$.id', expected: '9007199254740993', found: '9007199254740992' });
  });
  it('tells null from missing, and types apart', () => {
    expect(compare('{"a":null}', '{}')).toEqual({ kind: 'missing', path: '$.a', expected: 'null', found: '' });
    expect(compare('{}', '{"a":null}')).toEqual({ kind: 'extra', path: '$.a', expected: '', found: 'null' });
    expect(compare('{"a":null}', '{"a":0}')).toEqual({ kind: 'type', path: '$.a', expected: 'null', found: '0' });
    expect(compare('{"a":"1"}', '{"a":1}')).toEqual({ kind: 'type', path: '$.a', expected: '"1"', found: '1' });
    expect(compare('[1]', '{"0":1}')).toEqual({ kind: 'type', path: '$', expected: '[1]', found: '{"0":1}' });
    expect(compare('{"a":true}', '{"a":false}')).toEqual({ kind: 'value', path: '$.a', expected: 'true', found: 'false' });
  });
  it('compares arrays by position', () => {
    expect(compare('[1,2]', '[2,1]')).toEqual({ kind: 'value', path: '$[0]', expected: '1', found: '2' });
    expect(compare('[1,2,3]', '[1,2]')).toEqual({ kind: 'missing', path: '$[2]', expected: '3', found: '' });
    expect(compare('[1]', '[1,{"x":1}]')).toEqual({ kind: 'extra', path: '$[1]', expected: '', found: '{"x":1}' });
  });
  it('lists every difference in order, up to the limit', () => {
    const expected = '{"a":1,"b":{"c":2,"d":3},"e":[1,2]}';
    const found = '{"x":0,"b":{"d":4},"a":2,"e":[1]}';
    expect(listDifferences(json(expected), json(found)).map((difference) => `${difference.kind} ${difference.path}`)).toEqual(['value $.a', 'missing $.b.c', 'value $.b.d', 'missing $.e[1]', 'extra $.x']);
    expect(listDifferences(json(expected), json(found), [], 2)).toHaveLength(2);
    expect(listDifferences(json(expected), json(found), [], 0)).toEqual([]);
    expect(listDifferences(json(`[${'1,'.repeat(99)}1]`), json(`[${'2,'.repeat(99)}2]`))).toHaveLength(50);
    expect(listDifferences(json('{}'), json('{}'))).toEqual([]);
  });
  it('skips differences at or under ignored paths', () => {
    const expected = '{"generated_at":"t1","items":[{"id":1,"sku":"a","meta":{"updated_at":1}}],"a":{"x":1,"y":2}}';
    const found = '{"generated_at":"t2","items":[{"id":9,"sku":"a","meta":{"updated_at":2}}],"a":{"x":3,"y":4}}';
    expect(compare(expected, found, ['$.generated_at', '$.items[*].id', '$..updated_at', '$.a.*'])).toBeUndefined();
    expect(compare(expected, found, ['$.generated_at', '$.items[*].id', '$..updated_at'])?.path).toBe('$.a.x');
    expect(compare(expected, found, ['$.generated_at', '$.items[*].id'])?.path).toBe('$.items[0].meta.updated_at');
    expect(compare(expected, found, ['$'])).toBeUndefined();
    // A missing key counts unless the key itself is ignored, not only a field under it.
    expect(compare('{"a":{"b":1}}', '{}', ['$.a.b'])?.kind).toBe('missing');
    expect(compare('{"a":{"b":1}}', '{}', ['$.a'])).toBeUndefined();
    expect(() => compare('{}', '{}', ['a'])).toThrow(ConfigError);
  });
  it('compares status first, then the media type only', () => {
    expect(compareAnswers(json('{}', 200), json('{}', 500))).toEqual({ kind: 'status', path: 'status', expected: '200', found: '500' });
    expect(compareAnswers(json('{}', 200, 'application/json'), json('{}', 200, 'Application/JSON; charset=utf-8'))).toBeUndefined();
    expect(compareAnswers(json('{}', 200, 'application/json'), json('{}', 200, 'text/html'))).toEqual({ kind: 'content-type', path: 'content-type', expected: 'application/json', found: 'text/html' });
    expect(compareAnswers(json('', 204, null), json('', 204, 'text/plain'))).toEqual({ kind: 'content-type', path: 'content-type', expected: '(none)', found: 'text/plain' });
    expect(compareAnswers(json('', 204, null), json('', 204, null))).toBeUndefined();
    expect(listDifferences(json('{"a":1}', 200), json('{"a":2}', 404, 'text/plain')).map((difference) => difference.kind)).toEqual(['status', 'content-type', 'value']);
    expect(mediaType(' Application/Problem+JSON ; charset=utf-8')).toBe('application/problem+json');
    expect(mediaType(null)).toBe('');
  });
  it('compares JSON structurally when the media type is JSON or both bodies are objects or arrays', () => {
    expect(compareAnswers(json('{"a":1}', 200, 'application/problem+json'), json('{"a":1.0}', 200, 'application/problem+json'))).toBeUndefined();
    expect(compareAnswers(json('1', 200, 'application/json'), json('1.0', 200, 'application/json'))).toBeUndefined();
    expect(compareAnswers(json('{"a":1}', 200, 'text/plain'), json('{ "a": 1 }', 200, 'text/plain'))).toBeUndefined();
    // A plain-text scalar is text to its clients.
    expect(compareAnswers(json('1', 200, 'text/plain'), json('1.0', 200, 'text/plain'))).toMatchObject({ kind: 'bytes', offsetBytes: 1 });
  });
  it('compares other bodies byte for byte, with the first differing byte offset', () => {
    expect(compareAnswers(json('hello world', 200, 'text/plain'), json('hello there', 200, 'text/plain'))).toEqual({ kind: 'bytes', path: '$', expected: '"hello world"', found: '"hello there"', offsetBytes: 6 });
    expect(compareAnswers(json('abc', 200, 'text/plain'), json('abc', 200, 'text/plain'))).toBeUndefined();
    expect(compareAnswers(json('abc', 200, 'text/plain'), json('abcd', 200, 'text/plain'))).toMatchObject({ kind: 'bytes', offsetBytes: 3 });
    // Offsets count UTF-8 bytes: é is two.
    expect(compareAnswers(json('éa', 200, 'text/plain'), json('éb', 200, 'text/plain'))).toMatchObject({ offsetBytes: 2 });
    // JSON declared but not parseable: bytes.
    expect(compareAnswers(json('{"a":1}'), json('{"a":1'))).toMatchObject({ kind: 'bytes', offsetBytes: 6 });
    expect(compareAnswers(json(new Uint8Array([1, 2, 3]), 200, 'image/png'), json(new Uint8Array([1, 2, 4]), 200, 'image/png'))).toMatchObject({ kind: 'bytes', offsetBytes: 2 });
    expect(compareAnswers(json(new TextEncoder().encode('{"a":1}')), json('{"a":1.0}'))).toBeUndefined();
    expect(compareAnswers(json('x'.repeat(100), 200, 'text/plain'), json(`${'x'.repeat(50)}y${'x'.repeat(49)}`, 200, 'text/plain'))).toEqual({
      kind: 'bytes',
      path: '$',
      expected: `…"${'x'.repeat(60)}"…`,
      found: `…"${'x'.repeat(20)}y${'x'.repeat(39)}"…`,
      offsetBytes: 50,
    });
  });
  it('truncates long values to about 80 characters', () => {
    const difference = compare(`{"a":"${'x'.repeat(200)}"}`, '{"a":"y"}');
    expect(difference?.expected).toBe(`"${'x'.repeat(78)}…`);
    expect(difference?.expected).toHaveLength(80);
  });
});

describe('describing a difference', () => {
  it('gives one line per kind', () => {
    expect(describeDifference({ kind: 'value', path: '$.items[3].price_cents', expected: '1299', found: '1300' })).toBe('$.items[3].price_cents: expected `1299`, found `1300`');
    expect(describeDifference({ kind: 'type', path: '$.total', expected: '12', found: '"12"' })).toBe('$.total: expected `12` (number), found `"12"` (string)');
    expect(describeDifference({ kind: 'type', path: '$.a', expected: '{"x":1}', found: 'null' })).toBe('$.a: expected `{"x":1}` (object), found `null` (null)');
    expect(describeDifference({ kind: 'missing', path: '$.items[2]', expected: '{"id":3}', found: '' })).toBe('$.items[2]: missing, expected `{"id":3}`');
    expect(describeDifference({ kind: 'extra', path: '$.debug', expected: '', found: 'true' })).toBe('$.debug: extra, found `true`');
    expect(describeDifference({ kind: 'status', path: 'status', expected: '200', found: '500' })).toBe('status: expected `200`, found `500`');
    expect(describeDifference({ kind: 'content-type', path: 'content-type', expected: 'application/json', found: 'text/html' })).toBe('content type: expected `application/json`, found `text/html`');
    expect(describeDifference({ kind: 'bytes', path: '$', expected: '"ab"', found: '"ac"', offsetBytes: 1 })).toBe('body differs at byte 1: expected "ab", found "ac"');
  });
});
