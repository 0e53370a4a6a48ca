/**
 * `${NAME}` in a service's `env` values, `start` and `seed` arguments, and a scenario's
 * `service.env`: the values the harness gives a service (`PORT`, `HOST`, `WORKERS` and the
 * variables its fixtures fill, such as `DB_PATH`), so that a service keeps its own configuration
 * names (`DATABASE_URL: "sqlite:///${DB_PATH}"`, `start: [./server, "--port=${PORT}"]`).
 *
 * Syntax: `${NAME}` with NAME of letters, digits and `_` (not starting with a digit); `$$` is one
 * literal `$`; any other `$` is an error, so a value never half-expands the way a shell would
 * (`$PORT` is refused with a hint). No other expansion (no defaults, no nesting). Pure.
 */

import { z } from 'zod';

/** A string that may hold `${NAME}` references (checked for syntax here, for names where the scenario is known). */
export const templatedString = z.string().superRefine((text, context) => {
  const parsed = parseEnvTemplate(text);
  if ('problem' in parsed) context.addIssue({ code: 'custom', message: parsed.problem });
});

/** An environment: variable names to values that may hold `${NAME}`. */
export const templatedEnv = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), templatedString);

/** What every started service is given, whatever its scenario declares. */
export const HARNESS_VARIABLES = ['HOST', 'PORT', 'WORKERS'] as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Part = { readonly literal: string } | { readonly name: string };

/** A template split into literal text and references, or the first syntax problem. */
export function parseEnvTemplate(text: string): { readonly parts: readonly Part[] } | { readonly problem: string } {
  const parts: Part[] = [];
  let literal = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char !== '$') {
      literal += char;
      continue;
    }
    const next = text[index + 1];
    if (next === '$') {
      literal += '$';
      index += 1;
      continue;
    }
    if (next === '{') {
      const close = text.indexOf('}', index + 2);
      const name = close === -1 ? undefined : text.slice(index + 2, close);
      if (name === undefined || !NAME.test(name)) {
        const shown = close === -1 ? text.slice(index) : text.slice(index, close + 1);
        return { problem: `\`${shown}\` is not a reference: write \`\${NAME}\` with a name of letters, digits and _ (or \`$$\` for a literal \`$\`)` };
      }
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ name });
      index = close;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(index + 1))?.[0];
    return { problem: bare === undefined ? 'a lone `$`: write `$$` for a literal `$`, or `${NAME}` for a value the harness gives' : `\`$${bare}\` is not expanded: write \`\${${bare}}\` for the value the harness gives, or \`$$${bare}\` for the literal text` };
  }
  if (literal !== '') parts.push({ literal });
  return { parts };
}

/** The names a template refers to, in order (empty when it has a syntax problem). */
export function referencedNames(text: string): string[] {
  const parsed = parseEnvTemplate(text);
  return 'parts' in parsed ? parsed.parts.flatMap((part) => ('name' in part ? [part.name] : [])) : [];
}

/**
 * The template with every reference replaced.
 * @returns undefined when it refers to a name `values` lacks (the caller decides: leave the entry out, or fail)
 * @throws Error on a syntax problem (validation refuses those before anything starts)
 */
export function substituteEnvTemplate(text: string, values: Readonly<Record<string, string>>): string | undefined {
  const parsed = parseEnvTemplate(text);
  if ('problem' in parsed) throw new Error(`substituteEnvTemplate: ${parsed.problem} (in \`${text}\`)`);
  let result = '';
  for (const part of parsed.parts) {
    if ('literal' in part) result += part.literal;
    else {
      const value = values[part.name];
      if (value === undefined) return undefined;
      result += value;
    }
  }
  return result;
}

/** One templated field of a file: its place (`env.DATABASE_URL`, `start[1]`) and text. */
export interface TemplatedField {
  readonly field: string;
  readonly text: string;
}

/** The `${…}` fields of an env record, as `env.NAME` (or `<prefix>.NAME`). */
export function envFields(env: Readonly<Record<string, string>>, prefix = 'env'): TemplatedField[] {
  return Object.entries(env).map(([name, text]) => ({ field: `${prefix}.${name}`, text }));
}

/** The fields of an argv (`start[1]`) or of a list of steps (`seed[0][2]`). */
export function argvFields(argv: readonly string[] | undefined, prefix: string): TemplatedField[] {
  return (argv ?? []).map((text, index) => ({ field: `${prefix}[${index}]`, text }));
}
