/**
 * FNV-1a hashes and the LCG of the shared contract (services/CONTRACT.md), in BigInt/uint32 math.
 * Source: Fowler–Noll–Vo, http://www.isthe.com/chongo/tech/comp/fnv/ (FNV-1a variant).
 * Pure: no I/O.
 */

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64 over `bytes`, continuing from `hash` (default: the offset basis). */
export function fnv1a64(bytes: Uint8Array, hash: bigint = FNV64_OFFSET): bigint {
  let h = hash;
  for (const byte of bytes) {
    h ^= BigInt(byte);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

/** `rounds` times: h = FNV-1a-64(8 little-endian bytes of h), from the offset basis each round. */
export function fnv64Rounds(hash: bigint, rounds: number): bigint {
  let h = hash;
  const bytes = new Uint8Array(8);
  for (let round = 0; round < rounds; round += 1) {
    for (let index = 0; index < 8; index += 1) bytes[index] = Number((h >> BigInt(8 * index)) & 0xffn);
    h = fnv1a64(bytes);
  }
  return h;
}

/** FNV-1a 32, continuing from `hash` (default: the offset basis). */
export function fnv1a32(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** FNV-1a 32 over a u32 as 4 little-endian bytes, continuing from `hash`. */
export function fnv1a32U32(value: number, hash: number): number {
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) {
    h ^= (value >>> shift) & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The contract's 64-bit LCG; `next()` returns the high 32 bits of the new state. */
export class Lcg {
  #state: bigint;
  constructor(seed: number | bigint) {
    this.#state = BigInt(seed) & MASK64;
  }
  next(): number {
    this.#state = (this.#state * 6364136223846793005n + 1442695040888963407n) & MASK64;
    return Number(this.#state >> 32n);
  }
}

/** Lowercase hex, zero-padded to `width` digits. */
export function toHex(value: number | bigint, width: number): string {
  return value.toString(16).padStart(width, '0');
}

const encoder = new TextEncoder();
/** ASCII/UTF-8 bytes of a string. */
export function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}
