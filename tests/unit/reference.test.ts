import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceAlloc } from '../../harness/suite/reference/alloc.js';
import { referenceGateway, upstreamValue } from '../../harness/suite/reference/gateway.js';
import { bytesOf, fnv1a32, fnv1a64, fnv64Rounds, Lcg, toHex } from '../../harness/suite/reference/hash.js';
import { nearestRank, referenceProcess } from '../../harness/suite/reference/process.js';
import { buildVectors } from '../../harness/suite/cases.js';
import { formatVectorFile } from '../../harness/verify/vectors-io.js';

describe('FNV-1a', () => {
  // Published test vectors of FNV-1a (isthe.com/chongo/tech/comp/fnv).
  it('matches the published 64-bit values', () => {
    expect(toHex(fnv1a64(bytesOf('')), 16)).toBe('cbf29ce484222325');
    expect(toHex(fnv1a64(bytesOf('a')), 16)).toBe('af63dc4c8601ec8c');
    expect(toHex(fnv1a64(bytesOf('foobar')), 16)).toBe('85944171f73967e8');
  });
  it('matches the published 32-bit values', () => {
    expect(toHex(fnv1a32(bytesOf('')), 8)).toBe('811c9dc5');
    expect(toHex(fnv1a32(bytesOf('a')), 8)).toBe('e40c292c');
    expect(toHex(fnv1a32(bytesOf('foobar')), 8)).toBe('bf9cf968');
  });
  it('hashes the 8 little-endian bytes of the previous value per round', () => {
    const start = 0x0102030405060708n;
    const bytes = Uint8Array.from([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(fnv64Rounds(start, 1)).toBe(fnv1a64(bytes));
    expect(fnv64Rounds(start, 0)).toBe(start);
  });
});

describe('LCG', () => {
  it('returns the high 32 bits of the 64-bit state', () => {
    // state1 = 1 * 6364136223846793005 + 1442695040888963407 = 7806831264735756412 (< 2^64)
    const random = new Lcg(1);
    expect(random.next()).toBe(Number(7806831264735756412n >> 32n));
  });
});

describe('nearest rank', () => {
  const sorted = [10, 20, 30, 40];
  it('takes sorted[ceil(p*n/100) - 1] without interpolation', () => {
    expect(nearestRank(sorted, 1)).toBe(10);
    expect(nearestRank(sorted, 25)).toBe(10);
    expect(nearestRank(sorted, 26)).toBe(20);
    expect(nearestRank(sorted, 50)).toBe(20);
    expect(nearestRank(sorted, 51)).toBe(30);
    expect(nearestRank(sorted, 100)).toBe(40);
  });
  it('handles one value', () => {
    expect(nearestRank([7], 1)).toBe(7);
    expect(nearestRank([7], 100)).toBe(7);
  });
});

describe('process reference', () => {
  it('aggregates per category, sorted by byte value', () => {
    const body = referenceProcess({
      hash_rounds: 0,
      percentiles: [50, 100],
      records: [
        { id: 1, user: 'a', category: 'b', amount_cents: 5, latency_us: 30 },
        { id: 2, user: 'a', category: 'B', amount_cents: 7, latency_us: 10 },
        { id: 3, user: 'c', category: 'b', amount_cents: 1, latency_us: 20 },
      ],
    });
    const checksum = toHex(fnv1a64(bytesOf('1|a|b|5|30\n2|a|B|7|10\n3|c|b|1|20\n')), 16);
    expect(body).toBe(
      '{"count":3,"groups":[' +
        '{"category":"B","count":1,"sum_amount_cents":7,"min_latency_us":10,"max_latency_us":10,"distinct_users":1,"percentiles":[{"p":50,"latency_us":10},{"p":100,"latency_us":10}]},' +
        '{"category":"b","count":2,"sum_amount_cents":6,"min_latency_us":20,"max_latency_us":30,"distinct_users":2,"percentiles":[{"p":50,"latency_us":20},{"p":100,"latency_us":30}]}' +
        `],"checksum":"${checksum}"}`,
    );
  });
});

describe('alloc reference', () => {
  it('hashes the single root value for one node', () => {
    const value = new Lcg(0).next();
    const bytes = Uint8Array.from([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24]);
    expect(referenceAlloc(1, 0)).toBe(`{"nodes":1,"seed":0,"checksum":"${toHex(fnv1a32(bytes), 8)}"}`);
  });
});

describe('gateway reference', () => {
  it('sums the upstream values in call order', () => {
    const values = [0, 1].map((index) => fnv1a32(bytesOf(`k|${index}`)));
    expect(upstreamValue('k', 1)).toBe(values[1]);
    expect(referenceGateway('k', 2)).toBe(`{"key":"k","n":2,"sum":${values[0]! + values[1]!},"values":[${values.join(',')}]}`);
  });
});

describe('committed vectors', () => {
  it('equal what the reference builds (run `npm run generate` after changing either)', async () => {
    const root = new URL('../../', import.meta.url);
    const built = await buildVectors(readFileSync(new URL('services/sql/seed.sql', root), 'utf8'));
    for (const [workload, vectors] of Object.entries(built)) {
      expect(readFileSync(new URL(`services/vectors/${workload}.json`, root), 'utf8'), workload).toBe(formatVectorFile(vectors));
    }
  });
});
