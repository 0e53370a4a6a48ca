import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../harness/errors.js';
import { expandTemplate, templateIssues, templateSchema, varSchema, type TemplateInput } from '../../harness/requests/template.js';

const quote: TemplateInput = parse(`
method: GET
path: /quote?sku={{sku}}&qty={{qty}}
headers: {X-Tenant: "{{tenant}}"}
body: '{"sku": {{sku}}, "note": "{{word}}"}'
vars:
  sku: {int: [1, 10000]}
  qty: {int: [1, 5]}
  tenant: {list: [acme, globex]}
  word: {string: {length: [3, 8]}}
variants: 256
`);

function templateError(template: TemplateInput): string {
  try {
    expandTemplate(template, 1, 1);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('expanding templates', () => {
  it('fills every placeholder, the same value wherever a variable appears', () => {
    const requests = expandTemplate(quote, 1, 3);
    expect(requests).toEqual([
      { method: 'GET', path: '/quote?sku=6271&qty=1', headers: { 'x-tenant': 'globex' }, body: '{"sku": 6271, "note": "8kwzp9qr"}' },
      { method: 'GET', path: '/quote?sku=1390&qty=3', headers: { 'x-tenant': 'acme' }, body: '{"sku": 1390, "note": "rco"}' },
      { method: 'GET', path: '/quote?sku=7672&qty=2', headers: { 'x-tenant': 'acme' }, body: '{"sku": 7672, "note": "pv2"}' },
    ]);
    for (const request of expandTemplate(quote, 7, 256)) {
      const sku = /sku=(\d+)/.exec(request.path)![1]!;
      expect(request.body).toContain(`{"sku": ${sku},`);
      expect(Number(sku)).toBeGreaterThanOrEqual(1);
      expect(Number(sku)).toBeLessThanOrEqual(10000);
      expect(['acme', 'globex']).toContain(request.headers['x-tenant']);
      expect(JSON.parse(request.body!).note).toMatch(/^[a-z0-9]{3,8}$/);
    }
  });
  it('is seeded: the same seed gives the same requests, another seed others', () => {
    expect(expandTemplate(quote, 42, 50)).toEqual(expandTemplate(quote, 42, 50));
    expect(expandTemplate(quote, 43, 50)).not.toEqual(expandTemplate(quote, 42, 50));
    expect(expandTemplate(quote, 42, 10)).toEqual(expandTemplate(quote, 42, 50).slice(0, 10));
  });
  it('prepares `variants` requests by default, distinct while the variables allow', () => {
    const requests = expandTemplate(quote, 1);
    expect(requests).toHaveLength(256);
    expect(new Set(requests.map((request) => request.path + request.body)).size).toBe(256);
    // Only 3 combinations: all appear, then repeats.
    const small = expandTemplate({ path: '/x/{{v}}', vars: { v: { int: [1, 3] } } }, 3, 5).map((request) => request.path);
    expect(small).toEqual(['/x/3', '/x/1', '/x/2', '/x/2', '/x/1']);
  });
  it('draws every integer of an inclusive range, wide ranges too', () => {
    const values = new Set(expandTemplate({ path: '/{{v}}', vars: { v: { int: [-1, 1] } } }, 5, 60).map((request) => request.path));
    expect([...values].sort()).toEqual(['/-1', '/0', '/1']);
    expect(expandTemplate({ path: '/{{v}}', vars: { v: { int: [7, 7] } } }, 5, 1)).toEqual([{ method: 'GET', path: '/7', headers: {} }]);
    const wide = expandTemplate({ path: '/{{v}}', vars: { v: { int: [-9007199254740991, 9007199254740991] } } }, 3, 100).map((request) => Number(request.path.slice(1)));
    for (const value of wide) expect(Number.isSafeInteger(value)).toBe(true);
    expect(wide.slice(0, 2)).toEqual([1625408762694428, -3286950465486116]);
    expect(wide.some((value) => value < 0) && wide.some((value) => value > 0)).toBe(true);
  });
  it('generates strings of [a-z0-9] with a length in the range, empty allowed', () => {
    const lengths = new Set(expandTemplate({ path: '/{{s}}', vars: { s: { string: { length: [0, 2] } } } }, 9, 200).map((request) => request.path.length - 1));
    expect([...lengths].sort()).toEqual([0, 1, 2]);
  });
  it('URI-encodes values in the path, inserts them as is in headers and the body', () => {
    const [request] = expandTemplate({ path: '/q/{{v}}?x={{v}}', headers: { 'x-v': '<{{v}}>' }, body: 'v={{v}}', vars: { v: { list: ['a b&c/é'] } } }, 1, 1);
    expect(request).toEqual({ method: 'GET', path: '/q/a%20b%26c%2F%C3%A9?x=a%20b%26c%2F%C3%A9', headers: { 'x-v': '<a b&c/é>' }, body: 'v=a b&c/é' });
  });
  it('inserts list values as written: numbers and booleans as JSON, escaped strings inside JSON strings', () => {
    const requests = expandTemplate({ method: 'POST', path: '/p', body: '{"n": {{n}}, "ok": {{ok}}, "s": "{{s}}"}', vars: { n: { list: [1.5] }, ok: { list: [true] }, s: { list: ['say \\"hi\\"'] } } }, 1, 1);
    expect(requests[0]!.body).toBe('{"n": 1.5, "ok": true, "s": "say \\"hi\\""}');
    expect(JSON.parse(requests[0]!.body!)).toEqual({ n: 1.5, ok: true, s: 'say "hi"' });
    // Outside a JSON string (after an escaped quote and a closed string) a quote is the template's business.
    expect(expandTemplate({ path: '/p', body: '{"a\\"": "x", "b": {{v}}}', vars: { v: { list: ['"raw"'] } } }, 1, 1)[0]!.body).toBe('{"a\\"": "x", "b": "raw"}');
    expect(expandTemplate({ path: '/p', body: '{{{v}}}', vars: { v: { list: ['"a":1'] } } }, 1, 1)[0]!.body).toBe('{"a":1}');
    expect(expandTemplate({ path: '/p', body: '{"a": {{ v }}}', vars: { v: { int: [2, 2] } } }, 1, 1)[0]!.body).toBe('{"a": 2}');
  });
  it('accepts a template without variables', () => {
    expect(expandTemplate({ method: 'DELETE', path: '/items/1' }, 1, 2)).toEqual([
      { method: 'DELETE', path: '/items/1', headers: {} },
      { method: 'DELETE', path: '/items/1', headers: {} },
    ]);
  });
});

describe('template errors', () => {
  it('names an unknown variable and suggests the nearest', () => {
    expect(templateError({ ...quote, path: '/quote?sku={{skus}}&qty={{qty}}' })).toBe('Invalid `path` in the request template: unknown variable `{{skus}}`: nothing named `skus` under `vars`. Did you mean `sku`?');
    expect(templateError({ path: '/{{zzz}}', vars: {} })).toBe("Invalid `path` in the request template: unknown variable `{{zzz}}`: nothing named `zzz` under `vars`. Declare it under `vars`, or capture it in the scenario's `setup`.");
    expect(templateError({ path: '/', headers: { 'x-a': '{{b}}' }, vars: { a: { int: [1, 2] } } })).toContain("Invalid `headers.x-a` in the request template: unknown variable `{{b}}`: nothing named `b` under `vars`. Declare it under `vars`, or capture it in the scenario's `setup` (declared: `a`).");
  });
  it('names a variable never used', () => {
    expect(templateError({ ...quote, vars: { ...quote.vars, extra: { int: [1, 2] } } })).toBe('Invalid `vars.extra` in the request template: variable never used: no `{{extra}}` in `path`, header values or `body`. Use it or remove it.');
  });
  it('refuses empty ranges and lists', () => {
    expect(templateError({ path: '/{{q}}', vars: { q: { int: [5, 1] } } })).toBe('Invalid `vars.q.int` in the request template: the range [5, 1] is empty: the first number is the smallest value, the second the largest. Write [1, 5].');
    expect(templateError({ path: '/{{q}}', vars: { q: { string: { length: [5, 1] } } } })).toContain('Invalid `vars.q.string.length`');
    expect(templateError({ path: '/{{q}}', vars: { q: { list: [] } } })).toBe('Expected `vars.q.list` in the request template to be a list of at least 1 item(s), got `[]` (array).');
    expect(templateError({ path: '/{{q}}', vars: { q: { int: [1.5, 2] } } })).toContain('Expected `vars.q.int[0]` in the request template to be a int');
    expect(templateError({ path: '/{{q}}', vars: { q: { string: { length: [-1, 2] } } } })).toContain('`vars.q.string.length[0]`');
  });
  it('wants exactly one kind per variable', () => {
    expect(templateError({ path: '/{{q}}', vars: { q: {} } })).toBe(
      'Invalid `vars.q` in the request template: expected exactly one of `int: [min, max]`, `list: [values]` or `string: {length: [min, max]}`, found none.',
    );
    expect(templateError({ path: '/{{q}}', vars: { q: { int: [1, 2], list: [1] } } })).toContain('found `int` and `list`.');
    expect(templateError({ path: '/{{q}}', vars: { q: { range: [1, 2] } } } as never)).toContain('Unknown key `range`');
  });
  it('refuses a list value that would break the JSON string it goes in', () => {
    expect(templateError({ path: '/', body: '{"note": "{{w}}"}', vars: { w: { list: ['ok', 'a"b'] } } })).toBe(
      'Invalid `vars.w.list` in the request template: the value `a"b` goes inside a JSON string in `body` but is not valid there: write `"` as `\\"` and `\\` as `\\\\`.',
    );
    expect(templateError({ path: '/', body: '{"note": "{{w}}"}', vars: { w: { list: ['back\\slash'] } } })).toContain('the value `back\\slash`');
    expect(templateError({ path: '/', headers: { 'x-w': '{{w}}' }, vars: { w: { list: ['a\nb'] } } })).toContain('control characters');
  });
  it('refuses malformed placeholders, bad header names and white space in the path', () => {
    expect(templateError({ path: '/', body: '{{ word', vars: {} })).toBe('Invalid `body` in the request template: malformed placeholder `{{ word`: write `{{name}}` with a name of letters, digits and _ declared under `vars`.');
    expect(templateError({ path: '/{{1x}}', vars: {} })).toContain('malformed placeholder `{{1x}}`');
    expect(templateError({ path: '/a b' })).toBe('Invalid `path` in the request template: white space in the path: write a space as `%20` (values of placeholders are encoded for you).');
    expect(templateError({ path: '/', headers: { 'x-{{a}}': '1' }, vars: {} })).toContain('placeholders go in header values only');
    expect(templateError({ path: '/', headers: { 'x y': '1' } })).toContain('`x y` is not a header name');
    expect(templateError({ path: '/', headers: { 'X-A': '1', 'x-a': '2' } })).toContain('`x-a` repeats the header `X-A`');
    expect(templateError({ path: 'quote' })).toBe('Expected `path` in the request template to be a string starting with "/", got `"quote"` (string).');
    expect(templateError({ method: 'FETCH', path: '/' } as never)).toContain('Expected `method` in the request template to be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"');
  });
  it('refuses a count or seed out of range, naming where the template is', () => {
    expect(() => expandTemplate(quote, 1, 0, 'requests[2] of scenarios/quote.yaml')).toThrow('Expected the count of requests to expand from requests[2] of scenarios/quote.yaml to be an integer from 1 to 100000, got `0` (number).');
    expect(() => expandTemplate(quote, 1, 100_001)).toThrow('from 1 to 100000');
    expect(() => expandTemplate(quote, -1, 1)).toThrow('Expected the seed for the request template to be an integer from 0 to 4294967295, got `-1` (number).');
    expect(() => expandTemplate({ ...quote, variants: 100_001 }, 1)).toThrow('Expected `variants` in the request template to be a number <= 100000');
    expect(() => expandTemplate({ ...quote, path: '/{{skus}}' }, 1, 1, 'scenarios/q.yaml')).toThrow('Invalid `path` in scenarios/q.yaml');
  });
});

describe('schemas for the scenario file', () => {
  it('validates a template and reports every issue with its path', () => {
    expect(templateSchema.parse(quote)).toMatchObject({ method: 'GET', variants: 256 });
    expect(templateSchema.parse({ path: '/' })).toEqual({ method: 'GET', path: '/', headers: {}, vars: {}, variants: 256 });
    const result = templateSchema.safeParse({ path: '/{{a}}', vars: { b: { int: [1, 2] } } });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['path', 'vars.b']);
    expect(varSchema.safeParse({ int: [3, 2] }).success).toBe(false);
    expect(varSchema.safeParse({ list: ['a', 1, true] }).success).toBe(true);
  });
  it('finds no issue in a valid template', () => {
    expect(templateIssues(templateSchema.parse(quote))).toEqual([]);
  });
});
