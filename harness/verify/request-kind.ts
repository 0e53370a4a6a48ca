/**
 * The kind of a compared request: what shares its noise and its difference counts. Method and
 * path without the query (`GET /quote`); a request made from a template is of its template's kind
 * (`GET /items/{{id}}`), so that 300 requests for 300 ids are one kind with 300 requests, not 300
 * kinds of one, and rates can be compared. Pure.
 */
import type { RequestSpec } from '../config/scenario.js';
import type { PreparedRequest } from '../load/requests.js';

const PLACEHOLDER = /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g;

const pathOnly = (path: string): string => path.split('?', 1)[0]!;

/** A regular expression matching the paths a template's path part (before `?`) expands to. */
function templatePattern(template: string): RegExp {
  const parts = template.split(PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Values are URI-encoded in paths (template.ts), so a value never holds a `/`.
  return new RegExp(`^${parts.join('[^/]*')}$`);
}

/**
 * The kind function of a scenario's requests.
 * @returns for each request `METHOD path-template` when a templated entry of `specs` (same method,
 *   a path with a placeholder) made it, else `METHOD path` without the query
 */
export function requestKinds(specs: readonly RequestSpec[]): (request: PreparedRequest) => string {
  const templates = specs.flatMap((spec) => {
    if (!('path' in spec) || spec.vars === undefined || Object.keys(spec.vars).length === 0) return [];
    const template = pathOnly(spec.path);
    if (template.search(PLACEHOLDER) < 0) return [];
    return [{ method: spec.method, pattern: templatePattern(template), kind: `${spec.method} ${template}` }];
  });
  return (request) => {
    const path = pathOnly(request.path);
    return templates.find((template) => template.method === request.method && template.pattern.test(path))?.kind ?? `${request.method} ${path}`;
  };
}
