/**
 * Reference for `POST /process` (services/CONTRACT.md): aggregates per category with
 * nearest-rank percentiles, and the FNV-1a-64 checksum with `hash_rounds` extra rounds.
 * Takes an already-valid request; validation vectors carry hand-written expectations. Pure.
 */
import { bytesOf, fnv1a64, fnv64Rounds, toHex } from './hash.js';

export interface ProcessRecord {
  id: number;
  user: string;
  category: string;
  amount_cents: number;
  latency_us: number;
}

export interface ProcessRequest {
  hash_rounds: number;
  percentiles: number[];
  records: ProcessRecord[];
}

/** Nearest rank: sorted[ceil(p*n/100) - 1], integer math. `sorted` is ascending and non-empty. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.floor((p * sorted.length + 99) / 100);
  const value = sorted[rank - 1];
  if (value === undefined) throw new RangeError(`nearest rank ${rank} outside 1..${sorted.length}`);
  return value;
}

function compareBytes(a: string, b: string): number {
  // Contract strings are ASCII, so UTF-16 code unit order is byte order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The exact response body of a valid /process request. */
export function referenceProcess(request: ProcessRequest): string {
  interface Group { category: string; count: number; sum: number; latencies: number[]; users: Set<string> }
  const groups = new Map<string, Group>();
  const lines: string[] = [];
  for (const record of request.records) {
    lines.push(`${record.id}|${record.user}|${record.category}|${record.amount_cents}|${record.latency_us}\n`);
    let group = groups.get(record.category);
    if (group === undefined) {
      group = { category: record.category, count: 0, sum: 0, latencies: [], users: new Set() };
      groups.set(record.category, group);
    }
    group.count += 1;
    group.sum += record.amount_cents;
    group.latencies.push(record.latency_us);
    group.users.add(record.user);
  }
  const checksum = fnv64Rounds(fnv1a64(bytesOf(lines.join(''))), request.hash_rounds);
  const groupJson = [...groups.values()]
    .sort((a, b) => compareBytes(a.category, b.category))
    .map((group) => {
      const sorted = group.latencies.sort((a, b) => a - b);
      const percentiles = request.percentiles
        .map((p) => `{"p":${p},"latency_us":${nearestRank(sorted, p)}}`)
        .join(',');
      return (
        `{"category":"${group.category}","count":${group.count},"sum_amount_cents":${group.sum},` +
        `"min_latency_us":${sorted[0]},"max_latency_us":${sorted[sorted.length - 1]},` +
        `"distinct_users":${group.users.size},"percentiles":[${percentiles}]}`
      );
    });
  return `{"count":${request.records.length},"groups":[${groupJson.join(',')}],"checksum":"${toHex(checksum, 16)}"}`;
}
