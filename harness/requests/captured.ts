/**
 * Values a scenario's `setup` captured on one started instance (config/setup.ts), and the
 * requests they fill in. Requests are prepared once per scenario with `{{name}}` kept as written
 * (requests/template.ts); each service start — each instance of the equivalence check too — has
 * its own values (a token per login), filled in here when its job is built. Pure.
 *
 * Insertion follows the templates' rules: in the path the value is URI-encoded, in header values
 * it goes in as is, in the body as is outside a JSON string and JSON-escaped inside one (a token
 * with a `"` cannot break the body).
 */
import type { CaptureSpec, SetupStep } from '../config/setup.js';
import type { PreparedRequest, PreparedSource } from '../load/requests.js';
import { parsePathPattern } from '../verify/json-path.js';
import type { ConcreteRequest } from './request.js';
import { splitParts } from './template.js';

/** Captured values by name, as text. */
export type CapturedValues = Readonly<Record<string, string>>;

const CONTROL = /[\u0000-\u001f\u007f]/;

/** `text` with every `{{name}}` of `values` filled in (other placeholders, `{{seq}}` among them, kept). */
function fillText(text: string, values: CapturedValues, where: 'path' | 'header' | 'body'): string {
  if (!text.includes('{{')) return text;
  let filled = '';
  for (const part of splitParts(text, where === 'body')) {
    if ('literal' in part) filled += part.literal;
    else if (!Object.hasOwn(values, part.name)) filled += `{{${part.name}}}`;
    else {
      const value = values[part.name]!;
      filled += where === 'path' ? encodeURIComponent(value) : where === 'body' && part.isInJsonString ? JSON.stringify(value).slice(1, -1) : value;
    }
  }
  return filled;
}

/** A request with the captured values filled in; the same object when it uses none. */
export function fillRequest<T extends { readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string | undefined }>(request: T, values: CapturedValues): T {
  const headers = Object.entries(request.headers);
  const hasPlaceholder = request.path.includes('{{') || (request.body?.includes('{{') ?? false) || headers.some(([, value]) => value.includes('{{'));
  if (!hasPlaceholder) return request;
  return {
    ...request,
    path: fillText(request.path, values, 'path'),
    headers: Object.fromEntries(headers.map(([name, value]) => [name, fillText(value, values, 'header')])),
    ...(request.body === undefined ? {} : { body: fillText(request.body, values, 'body') }),
  };
}

/** The prepared sources of a scenario with one instance's captured values filled in (unchanged without any). */
export function fillSources(sources: readonly PreparedSource[], values: CapturedValues): readonly PreparedSource[] {
  if (Object.keys(values).length === 0) return sources;
  return sources.map((source) => ({ weight: source.weight, list: source.list.map((request): PreparedRequest => fillRequest(request, values)) }));
}

/** A setup step as it is sent, with what the steps before it captured. */
export function setupRequest(step: SetupStep, values: CapturedValues): ConcreteRequest & { readonly method: SetupStep['method'] } {
  const headers = Object.fromEntries(Object.entries(step.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const hasType = Object.keys(headers).includes('content-type');
  const request = { method: step.method, path: step.path, headers: step.body === undefined || hasType ? headers : { ...headers, 'content-type': 'application/json' }, ...(step.body === undefined ? {} : { body: step.body }) };
  return fillRequest(request, values);
}

/** What a setup step got back. */
export interface SetupAnswer {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The value at a concrete JSON path of a parsed body, or undefined when there is none. */
function valueAt(body: unknown, path: string): unknown {
  let value = body;
  for (const step of parsePathPattern(path).steps) {
    if (step.type === 'key' && value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step.name)) value = (value as Record<string, unknown>)[step.name];
    else if (step.type === 'index' && Array.isArray(value) && step.index < value.length) value = value[step.index];
    // config/setup.ts refuses `*` and `..` in a capture.
    else return undefined;
  }
  return value;
}

/**
 * The value `spec` names in `answer`: a string, number or boolean at a JSON path of the body (as
 * text), or a header's value. A problem (what was found instead) when there is none, when it is
 * an object, an array or null, or when it holds a control character (it could not go in a header).
 */
export function captureValue(answer: SetupAnswer, spec: CaptureSpec): { readonly value: string } | { readonly problem: string } {
  let value: unknown;
  if (typeof spec === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return { problem: `found nothing at \`${spec}\`: the answer's body is not JSON` };
    }
    value = valueAt(parsed, spec);
    if (value === undefined) return { problem: `found nothing at \`${spec}\`` };
    if (value === null || typeof value === 'object') return { problem: `found ${value === null ? '`null`' : Array.isArray(value) ? 'an array' : 'an object'} at \`${spec}\`, not a string or number: name a value inside it` };
    value = String(value);
  } else {
    value = answer.headers[spec.header.toLowerCase()];
    if (value === undefined) return { problem: `found no header \`${spec.header}\` in the answer` };
  }
  const text = value as string;
  if (text === '') return { problem: `found an empty value at ${typeof spec === 'string' ? `\`${spec}\`` : `header \`${spec.header}\``}` };
  if (CONTROL.test(text)) return { problem: `found a value with a control character (a line break?) at ${typeof spec === 'string' ? `\`${spec}\`` : `header \`${spec.header}\``}: it could not go in a header` };
  return { value: text };
}

/** Where a capture looks, for messages: `` `$.user.token` `` or `` header `x-token` ``. */
export function describeCapture(spec: CaptureSpec): string {
  return typeof spec === 'string' ? `\`${spec}\`` : `header \`${spec.header}\``;
}
