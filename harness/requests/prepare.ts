/**
 * Prepares a scenario's request mix before any job is sent: literal requests as written, and
 * generated ones (the built-in suite's generators) with their bodies and expected answers
 * computed once here, so that no engine runs the oracle. Pure.
 */
import type { RequestSpec } from '../config/scenario.js';
import type { PreparedRequest, PreparedSource } from '../load/requests.js';
import { mulberry32 } from '../random.js';
import { generatorRequests } from '../suite/generators.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Prepares the sources of a scenario's request mix (seeded; the same for every run of it). */
export function prepareSources(specs: readonly RequestSpec[], seed: number): PreparedSource[] {
  return specs.map((spec, index): PreparedSource => {
    if ('generator' in spec) return { weight: spec.weight, list: generatorRequests(spec.generator, seed + index, mulberry32(seed + index)) };
    const request: PreparedRequest = {
      method: spec.method,
      path: spec.path,
      headers: spec.body === undefined ? spec.headers : { ...JSON_HEADERS, ...spec.headers },
      expectStatus: spec.expectStatus,
      ...(spec.body === undefined ? {} : { body: spec.body }),
      ...(spec.expectBody === undefined ? {} : { expectBody: spec.expectBody }),
    };
    return { weight: spec.weight, list: [request] };
  });
}

