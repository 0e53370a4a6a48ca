/**
 * Seeded generators of valid workload inputs, shared by the vectors, the differential check of
 * `verify` and the load bodies (each with its own seed, so a service cannot pass by caching).
 * Pure: the randomness is the contract's LCG.
 */
import { Lcg } from './reference/hash.js';
import type { ProcessRecord, ProcessRequest } from './reference/process.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A small seeded PRNG over the contract's LCG with helpers for ranges and tokens. */
export class Random {
  readonly #lcg: Lcg;
  constructor(seed: number) {
    this.#lcg = new Lcg(seed);
  }
  /** Uniform-ish integer in [min, max] (max - min < 2^32; modulo bias is irrelevant here). */
  int(min: number, max: number): number {
    const span = max - min + 1;
    if (span <= 0x1_0000_0000) return min + (this.#lcg.next() % span);
    return min + ((this.#lcg.next() * 0x1_0000_0000 + this.#lcg.next()) % span);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  token(minLength: number, maxLength: number): string {
    let text = '';
    const length = this.int(minLength, maxLength);
    for (let index = 0; index < length; index += 1) text += ALPHABET[this.int(0, ALPHABET.length - 1)];
    return text;
  }
}

export interface ProcessShape {
  records: number;
  categories: number;
  users: number;
  hashRounds: number;
  percentiles: readonly number[];
}

/** A valid /process request with `shape.records` records. */
export function makeProcessRequest(random: Random, shape: ProcessShape): ProcessRequest {
  const records: ProcessRecord[] = [];
  for (let index = 0; index < shape.records; index += 1) {
    records.push({
      id: random.int(0, 999_999_999),
      user: `u${random.int(0, shape.users - 1)}`,
      category: `c${String(random.int(0, shape.categories - 1)).padStart(2, '0')}`,
      amount_cents: random.int(0, 1_000_000),
      latency_us: random.int(0, 2_000_000) % 1_000_000_001,
    });
  }
  return { hash_rounds: shape.hashRounds, percentiles: [...shape.percentiles], records };
}

/** A random but valid /process request of any size up to `maxRecords`, for the differential check. */
export function makeRandomProcessRequest(random: Random, maxRecords: number): ProcessRequest {
  const records: ProcessRecord[] = [];
  const count = random.int(1, maxRecords);
  for (let index = 0; index < count; index += 1) {
    records.push({
      id: random.int(0, 999_999_999),
      user: random.token(1, 32),
      category: random.token(1, 3),
      amount_cents: random.int(0, 1_000_000_000),
      latency_us: random.int(0, 1_000_000_000),
    });
  }
  const percentiles = Array.from({ length: random.int(1, 10) }, () => random.int(1, 100));
  return { hash_rounds: random.int(0, 300), percentiles, records };
}
