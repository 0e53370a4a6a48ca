/**
 * A scenario's `setup:` (issue 22 item 5): requests run once on every started instance of every
 * service after it is ready — register, log in — each with values captured from its answer (a
 * JSON path in the body, or a header) that later setup steps and every request of the scenario
 * use as `{{name}}`. Schema and the checks that need the whole scenario (names captured, used,
 * known). Pure.
 *
 * ```yaml
 * setup:
 *   - {method: POST, path: /api/users, body: '{"user": {"username": "bench", "password": "secret-pass"}}', expectStatus: 201}
 *   - method: POST
 *     path: /api/users/login
 *     body: '{"user": {"username": "bench", "password": "secret-pass"}}'
 *     capture: {token: "$.user.token", session: {header: x-session}}
 * requests:
 *   - {path: /api/user, headers: {Authorization: "Token {{token}}"}}
 * ```
 */
import { z } from 'zod';
import { SEQUENCE_VARIABLE } from '../requests/request.js';
import { splitParts } from '../requests/template.js';
import { parsePathPattern } from '../verify/json-path.js';
import { ConfigError } from '../errors.js';
import { nearest } from './nearest.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the request sender writes itself. */
const RESERVED_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection'];
/** Methods a setup step may use (those the load engines send). */
const SETUP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Most setup steps a scenario may have (they run on every service start). */
export const MAX_SETUP_STEPS = 20;

/** A JSON path naming one value (`$.user.token`, `$.items[0].id`): no `*`, no `..`. */
const concretePathSchema = z.string().superRefine((text, context) => {
  try {
    const { steps } = parsePathPattern(text);
    if (steps.some((step) => step.type === 'any' || step.type === 'descendant')) {
      context.addIssue({ code: 'custom', message: `\`${text}\` may match several values: a capture names one, such as \`$.user.token\` or \`$.items[0].id\` (no \`*\`, no \`..\`)` });
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    context.addIssue({ code: 'custom', message: error.message });
  }
})
  // For editors: the JSON Schema cannot express the grammar, only the root.
  .meta({ pattern: '^\\$' });

/** Where a captured value comes from: a JSON path in the answer's body, or one of its headers. */
const captureSchema = z.union([concretePathSchema, z.strictObject({ header: z.string().regex(HEADER_NAME) })], {
  error: 'a JSON path such as "$.user.token", or {header: "x-auth-token"}',
});

/** One setup request: as a literal request is written, plus `capture`. */
export const setupStepSchema = z
  .strictObject({
    method: z.enum(SETUP_METHODS).default('GET'),
    path: z.string().startsWith('/'),
    headers: z.record(z.string().regex(HEADER_NAME), z.string()).default({}),
    body: z.string().optional(),
    /** The status it must answer (default: any 2xx). */
    expectStatus: z.number().int().min(100).max(599).optional(),
    /** Values taken from the answer, by the name requests use them under (`{{token}}`). */
    capture: z.record(z.string().regex(NAME), captureSchema).default({}),
  })
  .superRefine((step, context) => {
    for (const name of Object.keys(step.headers)) {
      if (RESERVED_HEADERS.includes(name.toLowerCase())) context.addIssue({ code: 'custom', path: ['headers', name], message: `\`${name}\` is written by the harness itself: remove it` });
    }
  });

export const setupSchema = z.array(setupStepSchema).max(MAX_SETUP_STEPS);

/** A validated setup step. */
export type SetupStep = z.output<typeof setupStepSchema>;
/** Where a value is captured from. */
export type CaptureSpec = z.output<typeof captureSchema>;

/** Every name the setup captures, in order. */
export function capturedNames(setup: readonly SetupStep[]): string[] {
  return setup.flatMap((step) => Object.keys(step.capture));
}

/** A problem of a scenario's setup, at a path relative to `setup`. */
export interface SetupIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The texts of a step that may hold placeholders, with their field paths. */
function placeholderFields(step: SetupStep): Array<{ readonly path: readonly (string | number)[]; readonly text: string }> {
  return [{ path: ['path'], text: step.path }, ...Object.entries(step.headers).map(([name, text]) => ({ path: ['headers', name], text })), ...(step.body === undefined ? [] : [{ path: ['body'], text: step.body }])];
}

/**
 * What is wrong with a setup as a whole: a name captured twice or named `seq`, a placeholder in a
 * step that no earlier step captures (setup runs once per start, so `{{seq}}` has no place in it).
 */
export function setupIssues(setup: readonly SetupStep[]): SetupIssue[] {
  const issues: SetupIssue[] = [];
  const known: string[] = [];
  for (const [index, step] of setup.entries()) {
    for (const field of placeholderFields(step)) {
      for (const part of splitParts(field.text, false)) {
        if ('literal' in part) continue;
        if (part.name === SEQUENCE_VARIABLE) {
          issues.push({ path: [index, ...field.path], message: '`{{seq}}` in a setup step: setup runs once per service start, against a fresh database, so a fixed value does (`"username": "bench"`).' });
        } else if (!known.includes(part.name)) {
          const later = setup.slice(index).some((other) => Object.keys(other.capture).includes(part.name));
          const suggestion = nearest(part.name, known);
          const hint = later ? 'it is captured by this step or a later one: a step can use only what the steps before it captured.' : suggestion === undefined ? `no earlier step captures it${known.length === 0 ? '' : ` (captured before: ${known.map((name) => `\`${name}\``).join(', ')})`}.` : `Did you mean \`${suggestion}\`?`;
          issues.push({ path: [index, ...field.path], message: `unknown variable \`{{${part.name}}}\`: ${hint}` });
        }
      }
    }
    for (const name of Object.keys(step.capture)) {
      if (name === SEQUENCE_VARIABLE) issues.push({ path: [index, 'capture', name], message: '`seq` is built in (`{{seq}}`, a number per send): capture the value under another name.' });
      else if (known.includes(name)) issues.push({ path: [index, 'capture', name], message: `\`${name}\` is captured by an earlier step already: give each captured value its own name.` });
      known.push(name);
    }
  }
  return issues;
}
