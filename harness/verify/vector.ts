/**
 * The conformance vector format of services/vectors/*.json and the byte comparison of a
 * response against it. Pure.
 */
import { z } from 'zod';

export const vectorSchema = z.strictObject({
  name: z.string().min(1),
  /** What the vector checks and why, for people reading a failure. */
  note: z.string().optional(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Exact request body. */
  body: z.string().optional(),
  /** Instead of `body`: a body of this many bytes (for the size limit). */
  body_bytes: z.number().int().positive().optional(),
  /** Pad `body` with trailing spaces (valid JSON whitespace) to this many bytes. */
  pad_to_bytes: z.number().int().positive().optional(),
  /** Send the body with chunked transfer encoding instead of Content-Length. */
  chunked: z.boolean().optional(),
  expect: z.strictObject({
    status: z.number().int().min(100).max(599),
    /** Exact Content-Type, or null when not compared (204). */
    content_type: z.string().nullable(),
    /** Exact body, or null when not compared. */
    body: z.string().nullable(),
  }),
});

/** One conformance vector: a request and the exact response expected. */
export type Vector = z.infer<typeof vectorSchema>;

/** What a service answered. */
export interface Observed {
  status: number;
  contentType: string | null;
  body: string;
}

/** Index of the first differing character of `a` and `b`, or -1 when equal. */
export function firstDifference(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) if (a[index] !== b[index]) return index;
  return a.length === b.length ? -1 : length;
}

function excerpt(text: string, at: number): string {
  const start = Math.max(0, at - 40);
  const shown = JSON.stringify(text.slice(start, at + 40));
  return `${start > 0 ? '…' : ''}${shown}${at + 40 < text.length ? '…' : ''}`;
}

/**
 * Compares an observed response with a vector's expectation.
 * @returns undefined when it conforms, else a message naming what differs and where.
 */
export function compareResponse(expect: Vector['expect'], observed: Observed): string | undefined {
  const problems: string[] = [];
  if (observed.status !== expect.status) problems.push(`status ${observed.status}, expected ${expect.status}`);
  if (expect.content_type !== null && observed.contentType !== expect.content_type) {
    problems.push(`Content-Type ${JSON.stringify(observed.contentType)}, expected ${JSON.stringify(expect.content_type)}`);
  }
  if (expect.body !== null) {
    const at = firstDifference(observed.body, expect.body);
    if (at >= 0) {
      problems.push(
        `body differs at byte ${at} (got ${observed.body.length} bytes, expected ${expect.body.length})\n` +
          `      got:      ${excerpt(observed.body, at)}\n` +
          `      expected: ${excerpt(expect.body, at)}`,
      );
    }
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}
