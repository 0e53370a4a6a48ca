/**
 * Turns a zod issue into the house message: "Expected `field` in FILE to be WHAT, got `VALUE` (type)."
 * Pure.
 */
import type { z } from 'zod';
import { nearest } from './nearest.js';

type Issue = z.core.$ZodIssue;

/** Dotted path of an issue, e.g. `build[0]` or `load.rate`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? String(part) : `.${String(part)}`;
  return text === '' ? '(top level)' : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** `"5" (string)`, `undefined`, `[…] (array)`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return '`null`';
  const type = Array.isArray(value) ? 'array' : typeof value;
  let shown = JSON.stringify(value) ?? String(value);
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `\`${shown}\` (${type})`;
}

function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`;
    case 'too_small':
      if (issue.origin === 'array') return `a list of at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return `a string of at least ${String(issue.minimum)} character(s)`;
      return `a number ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `a list of at most ${String(issue.maximum)} item(s)`;
      if (issue.origin === 'string') return `a string of at most ${String(issue.maximum)} character(s)`;
      return `a number ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'regex' && 'pattern' in issue) return `a string matching ${String(issue.pattern)}`;
      if (issue.format === 'starts_with' && 'prefix' in issue) return `a string starting with ${JSON.stringify(issue.prefix)}`;
      return `a ${issue.format} string`;
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      // A union that says what its forms are (`error:` in the schema) says so; zod's default is "Invalid input".
      return issue.message !== '' && issue.message !== 'Invalid input' ? issue.message : 'one of the allowed forms';
    default:
      return issue.message;
  }
}

/**
 * One issue as a sentence naming the file, the field, what was expected and what was found.
 * @param input the parsed document the issue refers to (to show the found value)
 */
export function formatZodIssue(file: string, issue: Issue, input: unknown, jsonSchema?: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length === 0 ? '' : ` under \`${formatPath(issue.path)}\``;
    const allowed = jsonSchema === undefined ? [] : allowedKeys(jsonSchema, issue.path);
    const guesses = issue.keys.map((key) => nearest(key, allowed)).filter((guess): guess is string => guess !== undefined);
    const advice =
      guesses.length > 0
        ? `Did you mean ${guesses.map((guess) => `\`${guess}\``).join(', ')}?`
        : allowed.length > 0
          ? `Allowed keys here: ${allowed.map((key) => `\`${key}\``).join(', ')}.`
          : 'Check the spelling; the allowed keys are documented in the schema.';
    return `Unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `\`${key}\``).join(', ')} in ${file}${where}. ${advice}`;
  }
  if (issue.code === 'custom') return `${valueAt(input, issue.path) === undefined ? 'Missing' : 'Invalid'} \`${formatPath(issue.path)}\` in ${file}: ${issue.message}`;
  if (issue.code === 'invalid_type' && issue.input === undefined && valueAt(input, issue.path) === undefined) {
    return `Missing \`${formatPath(issue.path)}\` in ${file}: expected ${expectation(issue)}.`;
  }
  return `Expected \`${formatPath(issue.path)}\` in ${file} to be ${expectation(issue)}, got ${describeValue(valueAt(input, issue.path))}.`;
}

/**
 * Every issue of a document, one sentence each (unknown keys first: a typo often also makes a
 * required key "missing"), under a line naming the file and the count.
 * @param jsonSchema the schema as JSON Schema, to suggest the nearest known key for an unknown one
 */
export function formatZodIssues(file: string, issues: readonly Issue[], input: unknown, jsonSchema?: unknown): string {
  const ordered = [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const lines = [...new Set(ordered.map((issue) => formatZodIssue(file, issue, input, jsonSchema)))];
  if (lines.length === 1) return lines[0]!;
  return `${file} has ${lines.length} problems:\n${lines.map((line) => `  - ${line}`).join('\n')}`;
}

type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; items?: JsonSchemaNode; anyOf?: JsonSchemaNode[]; oneOf?: JsonSchemaNode[]; allOf?: JsonSchemaNode[]; additionalProperties?: JsonSchemaNode | boolean };

/** The property names a JSON Schema allows at `path` (through unions and arrays); empty when unknown. */
export function allowedKeys(schema: unknown, path: readonly PropertyKey[]): string[] {
  let nodes: JsonSchemaNode[] = [schema as JsonSchemaNode];
  const expand = (list: JsonSchemaNode[]): JsonSchemaNode[] => list.flatMap((node) => [node, ...expand([...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])])]);
  for (const part of path) {
    nodes = expand(nodes).flatMap((node) => {
      if (typeof part === 'number') return node.items === undefined ? [] : [node.items];
      const child = node.properties?.[String(part)] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      return child === undefined ? [] : [child];
    });
  }
  return [...new Set(expand(nodes).flatMap((node) => Object.keys(node.properties ?? {})))];
}
