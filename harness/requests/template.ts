/**
 * Templated requests for a user's own endpoints: `{{name}}` placeholders in the path, header
 * values and body, filled from seeded variables, expanded once into a list of concrete requests
 * (same seed, same list). Pure: the randomness is mulberry32 (harness/random.ts).
 *
 * ```yaml
 * - method: GET
 *   path: /quote?sku={{sku}}&qty={{qty}}
 *   headers: {x-tenant: "{{tenant}}"}
 *   body: '{"sku": {{sku}}, "note": "{{word}}"}'
 *   vars:
 *     sku: {int: [1, 10000]}          # an integer in the inclusive range
 *     tenant: {list: [acme, globex]}   # one of these, as written
 *     word: {string: {length: [3, 8]}} # [a-z0-9] characters, a length in the inclusive range
 *   variants: 256                     # distinct requests to prepare (default 256, at most 100000)
 * ```
 *
 * Insertion: a variable has one value per request, wherever it appears. In the path (query
 * included) the value is URI-encoded (`encodeURIComponent`: `a b&c` → `a%20b%26c`). In header
 * values and the body it goes in as is, so the template decides the syntax: `{{sku}}` for a JSON
 * number, `"{{word}}"` for a JSON string. Integers and generated strings ([a-z0-9]) are always safe
 * inside JSON quotes; a list value that lands inside a JSON string in the body (an odd number of
 * unescaped `"` before the placeholder) must be valid there, so `"` and `\` must be written
 * escaped (`a\"b`), and is refused otherwise. Outside JSON strings list values are not checked:
 * `{{flag}}` with `list: [true, false]` gives JSON booleans. No value may hold a control character.
 * A literal `{{` cannot be written.
 *
 * `{{seq}}` is built in (no `vars` entry): a unique increasing integer per send, numbered by the
 * engine when the request is sent (not here), in the path or the body only. The expanded requests
 * keep the token `{{seq}}` and prepare.ts marks them as sequenced.
 */
import { z } from 'zod';
import { nearest } from '../config/nearest.js';
import { formatZodIssue } from '../config/zod-message.js';
import { ConfigError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { HTTP_METHODS, SEQUENCE_TOKEN, SEQUENCE_VARIABLE, type ConcreteRequest } from './request.js';

/** Most requests one template may prepare. */
export const MAX_VARIANTS = 100_000;
export const DEFAULT_VARIANTS = 256;
const MAX_STRING_CHARS = 10_000;
/** Draws per variant before a repeat of an earlier request is accepted (the variables' space is then nearly used up). */
const DRAWS_PER_VARIANT = 20;
const STRING_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const rangeOf = (item: z.ZodNumber) => z.tuple([item, item]);

/**
 * One variable: exactly one of `int: [min, max]` (inclusive, safe integers), `list: [values…]`
 * (strings, numbers or booleans, one chosen uniformly) or `string: {length: [min, max]}`
 * (inclusive, 0 to 10000). Refuses an empty range (min > max).
 */
export const varSchema = z
  .strictObject({
    int: rangeOf(z.number().int()).optional(),
    list: z
      .array(z.union([z.string().refine((value) => !CONTROL.test(value), { message: 'list values cannot contain control characters (line breaks, tabs): they would break a header or a request line' }), z.number(), z.boolean()]))
      .min(1)
      .optional(),
    string: z.strictObject({ length: rangeOf(z.number().int().min(0).max(MAX_STRING_CHARS)) }).optional(),
  })
  .superRefine((spec, context) => {
    const given = (['int', 'list', 'string'] as const).filter((kind) => spec[kind] !== undefined);
    if (given.length !== 1) {
      const found = given.length === 0 ? 'none' : given.map((kind) => `\`${kind}\``).join(' and ');
      context.addIssue({ code: 'custom', message: `expected exactly one of \`int: [min, max]\`, \`list: [values]\` or \`string: {length: [min, max]}\`, found ${found}.` });
      return;
    }
    const range = spec.int ?? spec.string?.length;
    if (range !== undefined && range[0] > range[1]) {
      context.addIssue({
        code: 'custom',
        path: spec.int !== undefined ? ['int'] : ['string', 'length'],
        message: `the range [${range[0]}, ${range[1]}] is empty: the first number is the smallest value, the second the largest. Write [${range[1]}, ${range[0]}].`,
      });
    }
  });

/** The template's fields, for a scenario schema to extend (zod cannot extend a refined object). */
export const templateShape = {
  method: z.enum(HTTP_METHODS).default('GET'),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  vars: z.record(z.string().regex(VAR_NAME), varSchema).default({}),
  variants: z.number().int().min(1).max(MAX_VARIANTS).default(DEFAULT_VARIANTS),
};

type TemplateFields = z.output<z.ZodObject<typeof templateShape>>;

/** One text of a template split into literal text and placeholders. */
export type Part = { readonly literal: string } | { readonly name: string; readonly isInJsonString: boolean };

/**
 * A text split into literal text and `{{name}}` placeholders; with `trackJsonStrings`, each
 * placeholder says whether it stands inside a JSON string (an odd number of unescaped `"` before it).
 */
export function splitParts(text: string, trackJsonStrings: boolean): Part[] {
  const parts: Part[] = [];
  let isInString = false;
  const scan = (literal: string): void => {
    if (!trackJsonStrings) return;
    for (let index = 0; index < literal.length; index += 1) {
      if (isInString && literal[index] === '\\') index += 1;
      else if (literal[index] === '"') isInString = !isInString;
    }
  };
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const literal = text.slice(last, match.index);
    scan(literal);
    parts.push({ literal }, { name: match[1]!, isInJsonString: isInString });
    last = match.index + match[0].length;
  }
  parts.push({ literal: text.slice(last) });
  return parts;
}

interface Field {
  readonly path: readonly (string | number)[];
  readonly parts: readonly Part[];
}

function fieldsOf(template: TemplateFields): Field[] {
  const fields: Field[] = [{ path: ['path'], parts: splitParts(template.path, false) }];
  for (const [name, value] of Object.entries(template.headers)) fields.push({ path: ['headers', name], parts: splitParts(value, false) });
  if (template.body !== undefined) fields.push({ path: ['body'], parts: splitParts(template.body, true) });
  return fields;
}

/**
 * A problem with a template: the field it concerns (relative to the template) and what is wrong,
 * phrased to follow "Invalid `path` in FILE: " (formatZodIssue's form for custom issues).
 */
export interface TemplateIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * What is wrong with a template beyond its shape: malformed or unknown placeholders (with a
 * "Did you mean"), variables never used, header names that clash or hold placeholders, a path
 * with spaces, list values that cannot go where they are placed. [] when it can be expanded.
 * @param captured names the scenario's `setup` captures: placeholders of theirs are known (kept
 *   as `{{name}}` until a service start fills them in); a `vars` entry may not take one.
 */
export function templateIssues(template: TemplateFields, captured: readonly string[] = []): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const names = Object.keys(template.vars);
  const used = new Set<string>();
  const seenHeaders = new Map<string, string>();
  for (const name of Object.keys(template.headers)) {
    const lower = name.toLowerCase();
    if (name.includes('{{')) issues.push({ path: ['headers', name], message: 'a placeholder in a header name: placeholders go in header values only.' });
    else if (!HEADER_NAME.test(name)) issues.push({ path: ['headers', name], message: `\`${name}\` is not a header name: use letters, digits and - (no spaces or colons).` });
    const earlier = seenHeaders.get(lower);
    if (earlier !== undefined) issues.push({ path: ['headers', name], message: `\`${name}\` repeats the header \`${earlier}\` (header names ignore case): keep one.` });
    seenHeaders.set(lower, name);
  }
  if (/\s/.test(template.path)) issues.push({ path: ['path'], message: 'white space in the path: write a space as `%20` (values of placeholders are encoded for you).' });
  for (const field of fieldsOf(template)) {
    const literals = field.parts.map((part) => ('literal' in part ? part.literal : '')).join('\u0000');
    const stray = /\{\{[^}]*\}?\}?/.exec(literals);
    if (stray !== null) issues.push({ path: field.path, message: `malformed placeholder \`${stray[0].replaceAll('\u0000', '')}\`: write \`{{name}}\` with a name of letters, digits and _ declared under \`vars\`.` });
    for (const part of field.parts) {
      if ('literal' in part) continue;
      if (part.name === SEQUENCE_VARIABLE) {
        if (field.path[0] === 'headers') issues.push({ path: field.path, message: '`{{seq}}` in a header value: the engines number it in the path and the body only. Move it there.' });
        continue;
      }
      const spec = template.vars[part.name];
      if (spec === undefined) {
        if (captured.includes(part.name)) continue;
        const suggestion = nearest(part.name, [...names, SEQUENCE_VARIABLE, ...captured]);
        const declared = [...names.map((name) => `\`${name}\``), ...captured.map((name) => `\`${name}\` (captured by \`setup\`)`)];
        const hint = suggestion === undefined ? `Declare it under \`vars\`, or capture it in the scenario's \`setup\`${declared.length > 0 ? ` (${captured.length === 0 ? 'declared' : 'known'}: ${declared.join(', ')})` : ''}.` : `Did you mean \`${suggestion}\`?`;
        const where = captured.length === 0 ? 'under `vars`' : 'under `vars` or captured by `setup`';
        issues.push({ path: field.path, message: `unknown variable \`{{${part.name}}}\`: nothing named \`${part.name}\` ${where}. ${hint}` });
        continue;
      }
      used.add(part.name);
      for (const value of spec.list ?? []) {
        const text = String(value);
        if (part.isInJsonString && !isJsonStringContent(text)) {
          issues.push({ path: ['vars', part.name, 'list'], message: `the value \`${text}\` goes inside a JSON string in \`body\` but is not valid there: write \`"\` as \`\\"\` and \`\\\` as \`\\\\\`.` });
        }
        if (field.path[0] === 'path' && !isUriEncodable(text)) issues.push({ path: ['vars', part.name, 'list'], message: 'a value placed in `path` holds a lone surrogate and cannot be URI-encoded: fix the escape in the file.' });
      }
    }
  }
  for (const name of names) {
    if (captured.includes(name)) issues.push({ path: ['vars', name], message: `\`${name}\` is captured by the scenario's \`setup\`: a \`vars\` entry of the same name would hide it. Rename one of them.` });
  }
  if (names.includes(SEQUENCE_VARIABLE)) issues.push({ path: ['vars', SEQUENCE_VARIABLE], message: '`seq` is built in: `{{seq}}` is a unique increasing integer per send, with no `vars` entry. Remove this entry, or give your variable another name.' });
  for (const name of names) {
    if (name === SEQUENCE_VARIABLE) continue;
    if (!used.has(name)) issues.push({ path: ['vars', name], message: `variable never used: no \`{{${name}}}\` in \`path\`, header values or \`body\`. Use it or remove it.` });
  }
  return issues;
}

function isJsonStringContent(text: string): boolean {
  try {
    JSON.parse(`"${text}"`);
    return true;
  } catch {
    return false;
  }
}

function isUriEncodable(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** A template: shape (templateShape) and meaning (templateIssues) checked. */
export const templateSchema = z.strictObject(templateShape).superRefine((template, context) => {
  for (const issue of templateIssues(template)) context.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
});

/** A validated template, defaults applied. */
export type Template = z.output<typeof templateSchema>;
/** A template as written in a file (defaults optional). */
export type TemplateInput = z.input<typeof templateSchema>;
export type VarSpec = z.output<typeof varSchema>;

/** Draws one value of a variable; integers need up to three 32-bit draws for ranges wider than 2^32. */
function drawValue(spec: VarSpec, random: () => number): string {
  if (spec.int !== undefined) {
    const [min, max] = spec.int;
    const span = max - min + 1;
    if (span <= 0x1_0000_0000) return String(min + Math.floor(random() * span));
    const word = (): bigint => BigInt(Math.floor(random() * 0x1_0000_0000));
    // 96 random bits modulo a span of at most 2^54: the bias is below 2^-42.
    const bits = (word() << 64n) | (word() << 32n) | word();
    return String(BigInt(min) + (bits % (BigInt(max) - BigInt(min) + 1n)));
  }
  if (spec.list !== undefined) return String(spec.list[Math.floor(random() * spec.list.length)]);
  const [minLength, maxLength] = spec.string!.length;
  const length = minLength + Math.floor(random() * (maxLength - minLength + 1));
  let text = '';
  for (let index = 0; index < length; index += 1) text += STRING_ALPHABET[Math.floor(random() * STRING_ALPHABET.length)];
  return text;
}

function fill(parts: readonly Part[], values: ReadonlyMap<string, string>, encode: (value: string) => string): string {
  let text = '';
  // `{{seq}}` stays a token, never encoded: the engine puts the number in per send. A captured
  // name stays `{{name}}` too: its value is known only once a service has started (requests/captured.ts).
  for (const part of parts) {
    if ('literal' in part) text += part.literal;
    else if (part.name === SEQUENCE_VARIABLE) text += SEQUENCE_TOKEN;
    else {
      const value = values.get(part.name);
      text += value === undefined ? `{{${part.name}}}` : encode(value);
    }
  }
  return text;
}

/**
 * `count` concrete requests from a template (default: its `variants`), seeded: the same
 * template, seed and count give the same list. Each draws every variable once, in the order of
 * `vars`; a request equal to an earlier one is drawn again (up to 20 times), so the list repeats
 * only when the variables offer fewer combinations than `count`. Header names come out in lower case.
 * @param seed an integer in [0, 2^32)
 * @param where how messages name the template, e.g. `requests[2] of scenarios/quote.yaml`
 * @param captured names the scenario's `setup` captures: their placeholders stay `{{name}}`
 * @throws ConfigError naming the field: a shape error, an unknown variable (with "Did you mean"),
 *   a variable never used, an empty range; or a count or seed out of range
 */
export function expandTemplate(template: TemplateInput, seed: number, count?: number, where = 'the request template', captured: readonly string[] = []): ConcreteRequest[] {
  const parsed = z.strictObject(templateShape).safeParse(template);
  if (!parsed.success) throw new ConfigError(formatZodIssue(where, parsed.error.issues[0]!, template));
  const [problem] = templateIssues(parsed.data, captured);
  if (problem !== undefined) throw new ConfigError(formatZodIssue(where, { code: 'custom', path: [...problem.path], message: problem.message, input: template }, template));
  const resolved = parsed.data;
  const variants = count ?? resolved.variants;
  if (!Number.isInteger(variants) || variants < 1 || variants > MAX_VARIANTS) {
    throw new ConfigError(`Expected the count of requests to expand from ${where} to be an integer from 1 to ${MAX_VARIANTS}, got \`${variants}\` (number).`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new ConfigError(`Expected the seed for ${where} to be an integer from 0 to 4294967295, got \`${seed}\` (number).`);
  const random = mulberry32(seed);
  const specs = Object.entries(resolved.vars);
  const pathParts = splitParts(resolved.path, false);
  const headerParts = Object.entries(resolved.headers).map(([name, value]) => [name.toLowerCase(), splitParts(value, false)] as const);
  const bodyParts = resolved.body === undefined ? undefined : splitParts(resolved.body, true);
  const seen = new Set<string>();
  const requests: ConcreteRequest[] = [];
  while (requests.length < variants) {
    let values = new Map<string, string>();
    for (let draw = 0; draw < DRAWS_PER_VARIANT; draw += 1) {
      values = new Map(specs.map(([name, spec]) => [name, drawValue(spec, random)]));
      const identity = JSON.stringify([...values.values()]);
      if (!seen.has(identity)) {
        seen.add(identity);
        break;
      }
    }
    const asIs = (value: string): string => value;
    const request: ConcreteRequest = {
      method: resolved.method,
      path: fill(pathParts, values, encodeURIComponent),
      headers: Object.fromEntries(headerParts.map(([name, parts]) => [name, fill(parts, values, asIs)])),
      ...(bodyParts === undefined ? {} : { body: fill(bodyParts, values, asIs) }),
    };
    requests.push(request);
  }
  return requests;
}
