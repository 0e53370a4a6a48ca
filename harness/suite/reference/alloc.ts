/**
 * Reference for `GET /alloc` (services/CONTRACT.md): the seeded tree, its pre-order walk and
 * FNV-1a-32 checksum. The live-heap replacement does not change the response and is not modelled.
 * Pure.
 */
import { fnv1a32U32, Lcg, toHex } from './hash.js';

/** The exact response body of `/alloc?nodes=N&seed=S` for valid N and S. */
export function referenceAlloc(nodes: number, seed: number): string {
  const random = new Lcg(seed);
  const values = new Uint32Array(nodes);
  const children: number[][] = Array.from({ length: nodes }, () => []);
  for (let index = 0; index < nodes; index += 1) {
    values[index] = random.next();
    if (index > 0) children[random.next() % index]!.push(index);
  }
  let hash = 0x811c9dc5;
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop()!;
    hash = fnv1a32U32(values[node]!, hash);
    const kids = children[node]!;
    for (let index = kids.length - 1; index >= 0; index -= 1) stack.push(kids[index]!);
  }
  return `{"nodes":${nodes},"seed":${seed},"checksum":"${toHex(hash, 8)}"}`;
}
