/**
 * The built-in contract as an oracle (services/CONTRACT.md): its workloads, the fixed vectors of
 * services/vectors/ and seeded random requests whose expected answers come from the TypeScript
 * reference (no service is its own oracle), and the fixtures its workloads need. One of the two
 * oracles `verify` knows; the other is a reference service (verify/against-reference.ts). I/O
 * (reads the vector files and the seed SQL).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../paths.js';
import type { Oracle, OracleCases } from '../verify/verify.js';
import { loadVectors } from '../verify/vectors-io.js';
import { itemsCases, statelessCases } from './differential.js';

/** The contract's workloads, in the order they are checked. */
export const CONTRACT_WORKLOADS = ['json', 'process', 'alloc', 'gateway', 'items'] as const;
/** The package's copies of the contract's data (they ship with the package). */
export const CONTRACT_VECTORS_DIR = path.join(ROOT, 'services/vectors');
export const CONTRACT_SEED_SQL = path.join(ROOT, 'services/sql/seed.sql');

/** The built-in contract as an Oracle. */
export const CONTRACT_ORACLE: Oracle = {
  name: 'services/CONTRACT.md',
  workloads: CONTRACT_WORKLOADS,
  fixtures: (workloads) => ({
    ...(workloads.includes('items') ? { seedSqlFile: CONTRACT_SEED_SQL } : {}),
    ...(workloads.includes('gateway') ? { upstreamDelayMs: 1 } : {}),
    // The contract's services hold a live heap for /alloc; a small one keeps verification quick.
    env: { LIVE_HEAP_OBJECTS: '20000' },
  }),
  async cases(seed, randomPerEndpoint): Promise<OracleCases> {
    const vectors = await loadVectors(CONTRACT_VECTORS_DIR);
    const seedSql = await readFile(CONTRACT_SEED_SQL, 'utf8');
    const random: Record<string, ReturnType<typeof statelessCases>> = {};
    for (const workload of ['process', 'alloc', 'gateway']) random[workload] = statelessCases(workload, seed, randomPerEndpoint);
    random.items = await itemsCases(seedSql, vectors.items ?? [], seed, randomPerEndpoint);
    return { vectors, random };
  },
};
