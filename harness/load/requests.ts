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
  /**
   * A token in the path and/or body that each send replaces with a unique increasing integer
   * (inserts need unique keys; everything else is prepared once). Only such requests pay for it.
   */
  readonly sequence?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const ITEMS = 100_000;
/** Variants prepared for the items reads and updates: enough that no run repeats a pattern a cache could learn. */
const ITEM_VARIANTS = 4096;
/** The token the items inserts carry (see PreparedRequest.sequence). */
export const SEQUENCE_TOKEN = '{{seq}}';
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * The requests of one generator, prepared once by the harness: bodies and expected answers are
 * computed here (the reference is costly), so no engine's hot path runs the oracle.
 */
function generatorRequests(spec: GeneratorSpec, seed: number, random: () => number): PreparedRequest[] {
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const many = (count: number, make: () => PreparedRequest): PreparedRequest[] => Array.from({ length: count }, make);
  switch (spec.name) {
    case 'process':
      return Array.from({ length: spec.variants }, (_, index): PreparedRequest => {
        const request = makeProcessRequest(new Random(seed * 1000 + index), {
          records: spec.records,
          categories: spec.categories,
          users: spec.users,
          hashRounds: spec.hashRounds,
          percentiles: spec.percentiles,
        });
        return { method: 'POST', path: '/process', body: JSON.stringify(request), headers: JSON_HEADERS, expectStatus: 200, expectBody: referenceProcess(request) };
      });
    case 'alloc': {
      const values = new Random(seed);
      return many(spec.variants, () => {
        const allocSeed = values.int(0, 4_294_967_295);
        return { method: 'GET', path: `/alloc?nodes=${spec.nodes}&seed=${allocSeed}`, headers: {}, expectStatus: 200, expectBody: referenceAlloc(spec.nodes, allocSeed) };
      });
    }
    case 'gateway': {
      const values = new Random(seed);
      return many(spec.variants, () => {
        const key = values.token(4, 16);
        return { method: 'GET', path: `/gateway?key=${key}&n=${spec.calls}`, headers: {}, expectStatus: 200, expectBody: referenceGateway(key, spec.calls) };
      });
    }
    case 'items-get':
      return many(ITEM_VARIANTS, () => ({ method: 'GET', path: `/items/${int(1, ITEMS)}`, headers: {}, expectStatus: 200 }));
    case 'items-list':
      return many(ITEM_VARIANTS, () => ({ method: 'GET', path: `/items?category=c${pad(int(0, 19), 2)}&after_id=${int(0, ITEMS - 2000)}&limit=${spec.limit}`, headers: {}, expectStatus: 200 }));
    case 'items-put': {
      const now = String(Date.now());
      return many(ITEM_VARIANTS, () => {
        const id = int(1, ITEMS);
        const body = `{"sku":"SKU-${pad(id, 6)}","name":"Item ${id} v${int(0, 999)}","category":"c${pad(id % 20, 2)}","price_cents":${int(0, 100_000)},"qty":${int(0, 999)}}`;
        return { method: 'PUT', path: `/items/${id}`, body, headers: { ...JSON_HEADERS, 'x-now': now }, expectStatus: 200 };
      });
    }
    case 'items-post': {
      const now = String(Date.now());
      // Every insert needs its own sku: the engine numbers each send (PreparedRequest.sequence).
      return many(64, () => {
        const body = `{"sku":"LOAD-${seed}-${SEQUENCE_TOKEN}","name":"Load item","category":"c${pad(int(0, 19), 2)}","price_cents":${int(0, 100_000)},"qty":${int(0, 999)}}`;
        return { method: 'POST', path: '/items', body, headers: { ...JSON_HEADERS, 'x-now': now }, expectStatus: 201, sequence: SEQUENCE_TOKEN };
      });
    }
  }
}

/** One entry of a mix, ready to cross to the engine: a weight and a finite list of prepared requests (cycled through). */
export interface PreparedSource {
  readonly weight: number;
  readonly list: readonly PreparedRequest[];
}

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

/** A weighted mix of prepared sources, for the Node engines (the native engine does the same in Rust). */
export class RequestMix {
  readonly #lists: ReadonlyArray<readonly PreparedRequest[]>;
  readonly #positions: number[];
  readonly #cumulative: number[];
  readonly #total: number;
  readonly #random: () => number;
  #sequence = 0;

  /**
   * @param sources from prepareSources
   * @param seed this run's seed: the order of the mix and where each list starts
   */
  constructor(sources: readonly PreparedSource[], seed: number) {
    this.#random = mulberry32(seed);
    this.#lists = sources.map((source) => source.list);
    // Each run starts its lists at a seeded place, so runs do not all send the same first requests.
    this.#positions = this.#lists.map((list) => Math.floor(this.#random() * list.length));
    let sum = 0;
    this.#cumulative = sources.map((source) => (sum += source.weight));
    this.#total = sum;
  }

  /** The next request of the mix, its sequence token (if any) replaced by a fresh number. */
  next(): PreparedRequest {
    let index = 0;
    if (this.#lists.length > 1) {
      const target = this.#random() * this.#total;
      while (this.#cumulative[index]! <= target) index += 1;
    }
    const list = this.#lists[index]!;
    const position = this.#positions[index]!;
    this.#positions[index] = position + 1 === list.length ? 0 : position + 1;
    const request = list[position]!;
    if (request.sequence === undefined) return request;
    this.#sequence += 1;
    const value = String(this.#sequence);
    return { ...request, path: request.path.replaceAll(request.sequence, value), ...(request.body === undefined ? {} : { body: request.body.replaceAll(request.sequence, value) }) };
  }

  /**
   * When no request needs a fresh number: `length` requests drawn from the mix, to be sent in a
   * fixed cycle (lets autocannon prebuild each request, twice as fast as a per-request setup).
   */
  staticSequence(length: number): PreparedRequest[] | undefined {
    if (this.#lists.some((list) => list.some((request) => request.sequence !== undefined))) return undefined;
    if (this.#lists.length === 1 && this.#lists[0]!.length <= length) return [...this.#lists[0]!];
    return Array.from({ length }, () => this.next());
  }
}
