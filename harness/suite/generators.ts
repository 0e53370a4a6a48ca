/**
 * The built-in suite's request generators (harness/suite is the suite's own code: its contract,
 * reference and requests; the core names none of its workloads). Each builds the seeded requests
 * of one built-in workload, with the answer the reference expects where it is fixed. Pure.
 */
import { z } from 'zod';
import type { PreparedRequest } from '../load/requests.js';
import { SEQUENCE_TOKEN } from '../requests/request.js';
import { makeProcessRequest, Random } from './random-inputs.js';
import { referenceAlloc } from './reference/alloc.js';
import { referenceGateway } from './reference/gateway.js';
import { referenceProcess } from './reference/process.js';

const positiveInt = z.number().int().positive();

/** Seeded request generators of the built-in workloads, as a scenario's `generator:` names them. */
export const generatorSchema = z.discriminatedUnion('name', [
  z.strictObject({
    name: z.literal('process'),
    records: positiveInt.max(10_000).default(1000),
    hashRounds: z.number().int().min(0).max(100_000).default(1000),
    percentiles: z.array(z.number().int().min(1).max(100)).min(1).max(10).default([50, 90, 99]),
    categories: positiveInt.max(100).default(16),
    users: positiveInt.max(100_000).default(200),
    /** Distinct bodies generated (cycled through). */
    variants: positiveInt.max(256).default(16),
  }),
  z.strictObject({
    name: z.literal('alloc'),
    nodes: positiveInt.max(200_000).default(20_000),
    variants: positiveInt.max(1024).default(64),
  }),
  z.strictObject({
    name: z.literal('gateway'),
    calls: positiveInt.max(16).default(3),
    variants: positiveInt.max(1024).default(64),
  }),
  z.strictObject({ name: z.literal('items-get') }),
  z.strictObject({ name: z.literal('items-list'), limit: positiveInt.max(100).default(20) }),
  z.strictObject({ name: z.literal('items-put') }),
  z.strictObject({ name: z.literal('items-post') }),
]);

export type GeneratorSpec = z.output<typeof generatorSchema>;

const JSON_HEADERS = { 'content-type': 'application/json' };
const ITEMS = 100_000;
/** Variants prepared for the items reads and updates: enough that no run repeats a pattern a cache could learn. */
const ITEM_VARIANTS = 4096;
/** The token the items inserts carry (see PreparedRequest.sequence). */
export { SEQUENCE_TOKEN };
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * The requests of one generator, prepared once by the harness: bodies and expected answers are
 * computed here (the reference is costly), so no engine's hot path runs the oracle.
 */
export function generatorRequests(spec: GeneratorSpec, seed: number, random: () => number): PreparedRequest[] {
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

