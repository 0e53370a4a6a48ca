/**
 * Developer tool (`npm run vectors`): rewrites services/vectors/*.json from the reference.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVectors } from './cases.js';
import { formatVectorFile } from './vectors-io.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seedSql = await readFile(path.join(root, 'services/sql/seed.sql'), 'utf8');
for (const [workload, vectors] of Object.entries(buildVectors(seedSql))) {
  await writeFile(path.join(root, 'services/vectors', `${workload}.json`), formatVectorFile(vectors));
  console.log(`services/vectors/${workload}.json: ${vectors.length} vectors`);
}
