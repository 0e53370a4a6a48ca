/**
 * Reference for `GET /gateway` (services/CONTRACT.md) and the upstream's `/echo` value. Pure.
 */
import { bytesOf, fnv1a32 } from './hash.js';

/** The value the upstream returns for call `index` of `key`: FNV-1a-32 of ASCII "key|index". */
export function upstreamValue(key: string, index: number): number {
  return fnv1a32(bytesOf(`${key}|${index}`));
}

/** The exact response body of `/gateway?key=K&n=N` when the upstream answers every call. */
export function referenceGateway(key: string, calls: number): string {
  const values = Array.from({ length: calls }, (_, index) => upstreamValue(key, index));
  const sum = values.reduce((total, value) => total + value, 0);
  return `{"key":"${key}","n":${calls},"sum":${sum},"values":[${values.join(',')}]}`;
}
