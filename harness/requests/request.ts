/**
 * The plain request that templates and replay files turn into: a method, a path with its query,
 * headers and an optional body, before the harness attaches expectations and weights. Pure.
 */

/**
 * Methods a templated or replayed request may use. Others (CONNECT, TRACE, WebDAV's) are refused:
 * they are per-connection or have no place in a comparison of two services.
 */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One concrete request, ready for the harness to prepare. */
export interface ConcreteRequest {
  readonly method: HttpMethod;
  /** Path and query as sent on the request line, e.g. `/quote?sku=12`; always starts with `/`. */
  readonly path: string;
  /** Header names in lower case, one value each. */
  readonly headers: Readonly<Record<string, string>>;
  /** Exact body; absent for none. */
  readonly body?: string;
}

/** Whether `value` is one of HTTP_METHODS (exact, upper case). */
export function isHttpMethod(value: string): value is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(value);
}

/**
 * The built-in template variable: `{{seq}}` in a path or body becomes a unique increasing integer
 * per send (the engines number it; inserts that need unique keys carry it). It needs no `vars`
 * entry, and a `vars` entry may not take its name.
 */
export const SEQUENCE_VARIABLE = 'seq';
/** The token the engines replace per send (PreparedRequest.sequence). */
export const SEQUENCE_TOKEN = '{{seq}}';
/** `{{seq}}` as a placeholder may be written (spaces inside the braces allowed). */
export const SEQUENCE_PLACEHOLDER = /\{\{\s*seq\s*\}\}/g;
