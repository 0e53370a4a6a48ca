/**
 * Each instance of the equivalence check logs in on its own (the scenario's `setup`), so each has
 * its own token, and an answer that echoes it (`GET /api/user` → `{"user": {"token": …}}`) differs
 * between any two instances. Learnt as noise, that would excuse a candidate echoing anything at
 * all there. Instead, before answers are compared, each instance's own captured values are written
 * back as their placeholder (`{{token}}`): instances that each echo their own token then agree, and
 * a candidate that echoes something else still differs. Pure.
 *
 * Only values of at least MIN_MASKED_CHARS characters are masked (tokens, UUIDs, session ids): a
 * short value such as a user id `7` would also match unrelated numbers and text. The value is
 * replaced where it appears in the body's text, JSON-escaped as a JSON string holds it.
 */
import type { CapturedValues } from '../requests/captured.js';
import type { Answer } from './json-compare.js';

/** Shortest captured value that is masked in answers. */
export const MIN_MASKED_CHARS = 8;

/** `answer` with every long enough captured value of its instance replaced by `{{name}}`. */
export function maskCaptured(answer: Answer, values: CapturedValues): Answer {
  if (typeof answer.body !== 'string') return answer;
  let body = answer.body;
  // Longest first: a value that contains another is replaced whole.
  const masked = Object.entries(values)
    .filter(([, value]) => value.length >= MIN_MASKED_CHARS)
    .sort(([, a], [, b]) => b.length - a.length);
  for (const [name, value] of masked) {
    const escaped = JSON.stringify(value).slice(1, -1);
    body = body.replaceAll(escaped, `{{${name}}}`);
    if (escaped !== value) body = body.replaceAll(value, `{{${name}}}`);
  }
  return body === answer.body ? answer : { ...answer, body };
}
