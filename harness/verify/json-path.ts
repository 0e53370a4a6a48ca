/**
 * JSON paths as the comparison reports them (`$.items[3].price_cents`) and the patterns that
 * ignore parts of a body (`$.items[*].id`, `$..updated_at`, `$.meta.*`). A subset of JSONPath
 * (RFC 9535) for naming locations, not for querying. Pure.
 *
 * Pattern syntax, after the root `$`:
 * - `.name` or `['name']` (also `["name"]`): that key of an object. Shorthand names are letters,
 *   digits, `_` and `-`, not starting with a digit; anything else goes in brackets, with `\'` and
 *   `\\` escaping a quote and a backslash.
 * - `[3]`: that index of an array (no negative indices).
 * - `*` (as `.*` or `[*]`): any one key or index.
 * - `..` before a selector (`$..updated_at`, `$..[*]`): at any depth below, including directly.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** One step of a concrete path: an object key or an array index. */
export type PathSegment = string | number;

/** One step of a pattern. */
export type PatternStep =
  | { readonly type: 'key'; readonly name: string }
  | { readonly type: 'index'; readonly index: number }
  | { readonly type: 'any' }
  /** Zero or more segments; always followed by another step. */
  | { readonly type: 'descendant' };

/** A parsed pattern with the text it came from. */
export interface PathPattern {
  readonly text: string;
  readonly steps: readonly PatternStep[];
}

const SHORTHAND = /[A-Za-z0-9_-]+/y;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const SYNTAX_HINT = 'Write paths like `$.items[*].id`, `$..updated_at`, `$.meta.*` or `$[\'key with spaces\']`.';

function formatKey(name: string): string {
  return PLAIN_KEY.test(name) ? `.${name}` : `['${name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
}

/** `$.items[3].price_cents` from `['items', 3, 'price_cents']`; `$` for the root. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '$';
  for (const segment of segments) text += typeof segment === 'number' ? `[${segment}]` : formatKey(segment);
  return text;
}

/** A pattern's steps back as text, in the form formatPath uses (`[*]` for any index or key). */
export function formatPattern(steps: readonly PatternStep[]): string {
  let text = '$';
  for (const [position, step] of steps.entries()) {
    const isAfterDescendant = steps[position - 1]?.type === 'descendant';
    switch (step.type) {
      case 'key':
        text += isAfterDescendant && PLAIN_KEY.test(step.name) ? step.name : formatKey(step.name);
        break;
      case 'index':
        text += `[${step.index}]`;
        break;
      case 'any':
        text += '[*]';
        break;
      case 'descendant':
        text += '..';
        break;
    }
  }
  return text;
}

/**
 * Parses a path or pattern.
 * @throws ConfigError naming the pattern, the position and what was expected there
 */
export function parsePathPattern(pattern: string): PathPattern {
  const fail = (at: number, expected: string): never => {
    const found = at >= pattern.length ? 'the end' : `\`${pattern.slice(at, at + 1)}\``;
    throw new ConfigError(`Invalid JSON path \`${pattern}\`: expected ${expected} at character ${at + 1}, found ${found}. ${SYNTAX_HINT}`);
  };
  if (!pattern.startsWith('$')) fail(0, '`$` (the root)');
  const steps: PatternStep[] = [];
  let at = 1;
  const shorthand = (): void => {
    if (pattern[at] === '*') {
      steps.push({ type: 'any' });
      at += 1;
      return;
    }
    SHORTHAND.lastIndex = at;
    const match = SHORTHAND.exec(pattern);
    if (match === null) return fail(at, 'a key name, `*` or `[`');
    if (/^[0-9]/.test(match[0])) return fail(at, `a key name not starting with a digit (\`[${match[0]}]\` for an index, \`['${match[0]}']\` for a key)`);
    steps.push({ type: 'key', name: match[0] });
    at += match[0].length;
  };
  const bracket = (): void => {
    at += 1;
    const char = pattern[at];
    if (char === '*') {
      steps.push({ type: 'any' });
      at += 1;
    } else if (char === "'" || char === '"') {
      let name = '';
      at += 1;
      for (;;) {
        const next = pattern[at];
        if (next === undefined) return fail(at, `a closing ${char}`);
        if (next === char) break;
        if (next === '\\') {
          at += 1;
          if (pattern[at] === undefined) return fail(at, 'a character after `\\`');
        }
        name += pattern[at]!;
        at += 1;
      }
      at += 1;
      steps.push({ type: 'key', name });
    } else {
      const digits = /[0-9]+/y;
      digits.lastIndex = at;
      const match = digits.exec(pattern);
      if (match === null) return fail(at, 'an index, `*` or a quoted key');
      if (match[0].length > 1 && match[0].startsWith('0')) return fail(at, 'an index without leading zeros');
      steps.push({ type: 'index', index: Number(match[0]) });
      at += match[0].length;
    }
    if (pattern[at] !== ']') fail(at, '`]`');
    at += 1;
  };
  while (at < pattern.length) {
    if (pattern.startsWith('..', at)) {
      steps.push({ type: 'descendant' });
      at += 2;
      if (pattern[at] === '[') bracket();
      else shorthand();
    } else if (pattern[at] === '.') {
      at += 1;
      shorthand();
    } else if (pattern[at] === '[') {
      bracket();
    } else {
      fail(at, '`.`, `..` or `[`');
    }
  }
  return { text: pattern, steps };
}

function stepMatches(step: PatternStep, segment: PathSegment): boolean {
  switch (step.type) {
    case 'key':
      return typeof segment === 'string' && segment === step.name;
    case 'index':
      return typeof segment === 'number' && segment === step.index;
    case 'any':
      return true;
    case 'descendant':
      return false;
  }
}

function matchFrom(steps: readonly PatternStep[], stepAt: number, segments: readonly PathSegment[], segmentAt: number, isUnderAllowed: boolean): boolean {
  if (stepAt === steps.length) return isUnderAllowed || segmentAt === segments.length;
  const step = steps[stepAt]!;
  if (step.type === 'descendant') {
    for (let skip = segmentAt; skip < segments.length; skip += 1) if (matchFrom(steps, stepAt + 1, segments, skip, isUnderAllowed)) return true;
    return false;
  }
  const segment = segments[segmentAt];
  return segment !== undefined && stepMatches(step, segment) && matchFrom(steps, stepAt + 1, segments, segmentAt + 1, isUnderAllowed);
}

/** Whether the location `segments` is exactly what `pattern` names (not a location under it). */
export function matchesExactly(segments: readonly PathSegment[], pattern: PathPattern): boolean {
  return matchFrom(pattern.steps, 0, segments, 0, false);
}

/** Whether the location `segments` is at or under what `pattern` names. */
export function isAtOrUnder(segments: readonly PathSegment[], pattern: PathPattern): boolean {
  return matchFrom(pattern.steps, 0, segments, 0, true);
}

function concreteSegments(path: string): PathSegment[] {
  const { steps } = parsePathPattern(path);
  return steps.map((step) => {
    if (step.type === 'key') return step.name;
    if (step.type === 'index') return step.index;
    throw new ConfigError(`Expected a concrete JSON path such as \`$.items[3].id\`, got the pattern \`${path}\`: \`*\` and \`..\` belong in patterns, not in locations.`);
  });
}

/**
 * Whether the location `path` (concrete, e.g. `$.items[3].id`) is at or under `pattern`:
 * `$.items[*]` covers `$.items[3]` and `$.items[3].id`; `$..updated_at` covers `$.a.updated_at`.
 * @throws ConfigError when either does not parse, or `path` contains `*` or `..`
 */
export function matchesPath(path: string, pattern: string): boolean {
  return isAtOrUnder(concreteSegments(path), parsePathPattern(pattern));
}

/**
 * The path with every array index replaced by `[*]`: `$.items[3].id` → `$.items[*].id`, so one
 * pattern stands for the same field in every element. Keys stay; the result is a valid pattern.
 * @throws ConfigError when `path` does not parse
 */
export function normalizePath(path: string): string {
  return formatPattern(parsePathPattern(path).steps.map((step) => (step.type === 'index' ? { type: 'any' } : step)));
}

/** A zod schema for one ignore pattern in a configuration file (the message says what is wrong and how to write one). */
export const pathPatternSchema = z
  .string()
  .superRefine((pattern, context) => {
    try {
      parsePathPattern(pattern);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      context.addIssue({ code: 'custom', message: error.message });
    }
  })
  // For editors: the JSON Schema cannot express the grammar, only the root.
  .meta({ pattern: '^\\$' });
