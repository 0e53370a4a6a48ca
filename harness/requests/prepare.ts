/**
 * Prepares a scenario's request mix before any job is sent: literal requests as written,
 * templates expanded into seeded variants, replayed requests as read, and generated ones (the
 * built-in suite's generators) with their bodies and expected answers computed once here — so
 * that no engine's hot path grows and none runs the oracle. Pure.
 */
import type { RequestSpec } from '../config/scenario.js';
import type { PreparedRequest, PreparedSource } from '../load/requests.js';
import { mulberry32 } from '../random.js';
import { SEQUENCE_PLACEHOLDER, SEQUENCE_TOKEN } from './request.js';
import { expandTemplate } from './template.js';
import { generatorRequests } from '../suite/generators.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Prepares the sources of a scenario's request mix (seeded; the same for every run of it).
 * @param captured names the scenario's `setup` captures: kept as `{{name}}`, filled in per service start (requests/captured.ts)
 */
export function prepareSources(specs: readonly RequestSpec[], seed: number, captured: readonly string[] = []): PreparedSource[] {
  return specs.map((spec, index): PreparedSource => {
    if ('generator' in spec) return { weight: spec.weight, list: generatorRequests(spec.generator, seed + index, mulberry32(seed + index)) };
    if ('replay' in spec) {
      // loadScenarios read the file and checked the methods before anything started.
      return { weight: spec.weight, list: (spec.replayed ?? []).map((request) => prepared(request, spec.expectStatus, undefined)) };
    }
    if (spec.vars !== undefined && Object.keys(spec.vars).length > 0) {
      const template = { method: spec.method, path: spec.path, headers: spec.headers, vars: spec.vars, ...(spec.body === undefined ? {} : { body: spec.body }), ...(spec.variants === undefined ? {} : { variants: spec.variants }) };
      return { weight: spec.weight, list: expandTemplate(template, seed + index, spec.variants, `requests[${index}]`, captured).map((request) => prepared(request, spec.expectStatus, undefined)) };
    }
    return { weight: spec.weight, list: [prepared(spec, spec.expectStatus, spec.expectBody)] };
  });
}

/**
 * One request ready to send: a JSON content type added to a body that names none; a `{{seq}}` in
 * its path or body (written with or without spaces inside the braces) marks it as sequenced.
 */
function prepared(request: { readonly method: string; readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string | undefined }, expectStatus: number, expectBody: string | undefined): PreparedRequest {
  const hasType = Object.keys(request.headers).some((name) => name.toLowerCase() === 'content-type');
  const path = request.path.replace(SEQUENCE_PLACEHOLDER, SEQUENCE_TOKEN);
  const body = request.body?.replace(SEQUENCE_PLACEHOLDER, SEQUENCE_TOKEN);
  const isSequenced = path.includes(SEQUENCE_TOKEN) || body?.includes(SEQUENCE_TOKEN) === true;
  return {
    method: request.method as PreparedRequest['method'],
    path,
    headers: body === undefined || hasType ? request.headers : { ...JSON_HEADERS, ...request.headers },
    expectStatus,
    ...(body === undefined ? {} : { body }),
    ...(expectBody === undefined ? {} : { expectBody }),
    ...(isSequenced ? { sequence: SEQUENCE_TOKEN } : {}),
  };
}
