/**
 * Turns a scenario's request mix into prepared requests: seeded bodies and paths, each with the
 * status (and, where the answer is fixed, the exact body from the reference) that sampled
 * verification expects. Pure; the per-request path (`next`) does no I/O and little allocation.
 */
import type { GeneratorSpec, RequestSpec } from '../config/scenario.js';
import { referenceAlloc } from '../reference/alloc.js';
import { referenceGateway } from '../reference/gateway.js';
import { referenceProcess } from '../reference/process.js';
import { mulberry32 } from '../random.js';
import { makeProcessRequest, Random } from '../verify/random-inputs.js';

/** One request ready to send. */
export interface PreparedRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly expectStatus: number;
  /** Exact expected body, when the answer does not depend on state. */
  readonly expectBody?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const ITEMS = 100_000;
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** A finite list of requests (cycled through), or a generator of new ones (items writes). */
type Source = { readonly kind: 'list'; readonly requests: readonly PreparedRequest[]; next(): PreparedRequest } | { readonly kind: 'dynamic'; next(): PreparedRequest };

function cycle(requests: readonly PreparedRequest[]): Source {
  let index = 0;
  return {
    kind: 'list',
    requests,
    next: () => {
      const request = requests[index]!;
      index = index + 1 === requests.length ? 0 : index + 1;
      return request;
    },
  };
}

const dynamic = (next: () => PreparedRequest): Source => ({ kind: 'dynamic', next });

function generatorSource(spec: GeneratorSpec, seed: number, random: () => number): Source {
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  switch (spec.name) {
    case 'process': {
      const variants = Array.from({ length: spec.variants }, (_, index): PreparedRequest => {
        const request = makeProcessRequest(new Random(seed * 1000 + index), {
          records: spec.records,
          categories: spec.categories,
          users: spec.users,
          hashRounds: spec.hashRounds,
          percentiles: spec.percentiles,
        });
        return { method: 'POST', path: '/process', body: JSON.stringify(request), headers: JSON_HEADERS, expectStatus: 200, expectBody: referenceProcess(request) };
      });
      return cycle(variants);
    }
    case 'alloc': {
      const values = new Random(seed);
      return cycle(
        Array.from({ length: spec.variants }, (): PreparedRequest => {
          const allocSeed = values.int(0, 4_294_967_295);
          return { method: 'GET', path: `/alloc?nodes=${spec.nodes}&seed=${allocSeed}`, headers: {}, expectStatus: 200, expectBody: referenceAlloc(spec.nodes, allocSeed) };
        }),
      );
    }
    case 'gateway': {
      const values = new Random(seed);
      return cycle(
        Array.from({ length: spec.variants }, (): PreparedRequest => {
          const key = values.token(4, 16);
          return { method: 'GET', path: `/gateway?key=${key}&n=${spec.calls}`, headers: {}, expectStatus: 200, expectBody: referenceGateway(key, spec.calls) };
        }),
      );
    }
    case 'items-get':
      return dynamic(() => ({ method: 'GET', path: `/items/${int(1, ITEMS)}`, headers: {}, expectStatus: 200 }));
    case 'items-list':
      return dynamic(() => ({ method: 'GET', path: `/items?category=c${pad(int(0, 19), 2)}&after_id=${int(0, ITEMS - 2000)}&limit=${spec.limit}`, headers: {}, expectStatus: 200 }));
    case 'items-put':
      return dynamic(() => {
        const id = int(1, ITEMS);
        const body = `{"sku":"SKU-${pad(id, 6)}","name":"Item ${id} v${int(0, 999)}","category":"c${pad(id % 20, 2)}","price_cents":${int(0, 100_000)},"qty":${int(0, 999)}}`;
        return { method: 'PUT', path: `/items/${id}`, body, headers: { ...JSON_HEADERS, 'x-now': String(Date.now()) }, expectStatus: 200 };
      });
    case 'items-post': {
      let counter = 0;
      return dynamic(() => {
        counter += 1;
        const body = `{"sku":"LOAD-${seed}-${counter}","name":"Load item ${counter}","category":"c${pad(counter % 20, 2)}","price_cents":${int(0, 100_000)},"qty":${int(0, 999)}}`;
        return { method: 'POST', path: '/items', body, headers: { ...JSON_HEADERS, 'x-now': String(Date.now()) }, expectStatus: 201 };
      });
    }
  }
}

/**
 * One entry of a mix, ready to cross IPC: a finite list of prepared requests (bodies and expected
 * answers computed once by the harness, which the reference makes costly), or a generator that
 * the load process runs per request.
 */
export type PreparedSource =
  | { readonly weight: number; readonly list: readonly PreparedRequest[] }
  | { readonly weight: number; readonly dynamic: GeneratorSpec; readonly seed: number };

/** Prepares the sources of a scenario's request mix (seeded; the same for every run of it). */
export function prepareSources(specs: readonly RequestSpec[], seed: number): PreparedSource[] {
  return specs.map((spec, index): PreparedSource => {
    if ('generator' in spec) {
      const source = generatorSource(spec.generator, seed + index, mulberry32(seed + index));
      return source.kind === 'list' ? { weight: spec.weight, list: source.requests } : { weight: spec.weight, dynamic: spec.generator, seed: seed + index };
    }
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

/** A weighted mix of request sources. */
export class RequestMix {
  readonly #sources: Source[];
  readonly #cumulative: number[];
  readonly #total: number;
  readonly #random: () => number;

  /**
   * @param sources from prepareSources (or the scenario's request specs, prepared here)
   * @param seed this run's seed: the order of the mix and the dynamic generators' values
   */
  constructor(sources: readonly PreparedSource[] | readonly RequestSpec[], seed: number) {
    this.#random = mulberry32(seed);
    const prepared = sources.length > 0 && ('list' in sources[0]! || 'dynamic' in sources[0]!) ? (sources as readonly PreparedSource[]) : prepareSources(sources as readonly RequestSpec[], seed);
    this.#sources = prepared.map((source, index) =>
      'list' in source ? cycle(source.list) : generatorSource(source.dynamic, source.seed + seed + index, this.#random),
    );
    let sum = 0;
    this.#cumulative = prepared.map((source) => (sum += source.weight));
    this.#total = sum;
  }

  /** The next request of the mix. */
  next(): PreparedRequest {
    if (this.#sources.length === 1) return this.#sources[0]!.next();
    const target = this.#random() * this.#total;
    let index = 0;
    while (this.#cumulative[index]! <= target) index += 1;
    return this.#sources[index]!.next();
  }

  /**
   * When every source is a finite list: `length` requests drawn from the mix, to be sent in a
   * fixed cycle (lets autocannon prebuild each request, twice as fast as a per-request setup).
   * Undefined when some source makes new requests each time.
   */
  staticSequence(length: number): PreparedRequest[] | undefined {
    if (this.#sources.some((source) => source.kind === 'dynamic')) return undefined;
    const all = this.#sources.length === 1 ? (this.#sources[0] as { requests: readonly PreparedRequest[] }).requests : undefined;
    if (all !== undefined && all.length <= length) return [...all];
    return Array.from({ length }, () => this.next());
  }
}
