/**
 * A difference found by json-compare.ts as one line for people. Pure.
 */
import type { Difference } from './json-compare.js';

/**
 * One line for a report:
 * - ``$.items[3].price_cents: expected `1299`, found `1300` ``
 * - ``$.total: expected `12` (number), found `"12"` (string)`` for a type difference
 * - ``$.items[2]: missing, expected `{"id":3}` `` and ``$.debug: extra, found `true` ``
 * - ``status: expected `200`, found `500` ``; ``content type: expected `application/json`, found `text/html` ``
 * - ``body differs at byte 12: expected `"…"`, found `"…"` `` (excerpts as JSON strings)
 */
export function describeDifference(difference: Difference): string {
  const { kind, path, expected, found } = difference;
  switch (kind) {
    case 'status':
      return `status: expected \`${expected}\`, found \`${found}\``;
    case 'content-type':
      return `content type: expected \`${expected}\`, found \`${found}\``;
    case 'type':
      return `${path}: expected \`${expected}\` (${typeName(expected)}), found \`${found}\` (${typeName(found)})`;
    case 'missing':
      return `${path}: missing, expected \`${expected}\``;
    case 'extra':
      return `${path}: extra, found \`${found}\``;
    case 'bytes':
      return `body differs at byte ${difference.offsetBytes ?? 0}: expected ${expected}, found ${found}`;
    case 'value':
      return `${path}: expected \`${expected}\`, found \`${found}\``;
  }
}

/** The JSON type of a shown value, from its first character (shown values are compact JSON). */
function typeName(shown: string): string {
  const first = shown[0];
  if (first === '{') return 'object';
  if (first === '[') return 'array';
  if (first === '"') return 'string';
  if (first === 't' || first === 'f') return 'boolean';
  if (first === 'n') return 'null';
  return 'number';
}
