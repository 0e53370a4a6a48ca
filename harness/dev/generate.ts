/**
 * Developer tool (`npm run generate`): rewrites the committed generated files —
 * services/vectors/*.json from the TypeScript reference, and scenarios/scenario.schema.json
 * from the scenario schema. Unit tests fail when either is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scenarioJsonSchema } from '../config/scenario.js';
import { ROOT } from '../paths.js';
import { buildVectors } from '../verify/cases.js';
import { formatVectorFile } from '../verify/vectors-io.js';

const seedSql = await readFile(path.join(ROOT, 'services/sql/seed.sql'), 'utf8');
for (const [workload, vectors] of Object.entries(buildVectors(seedSql))) {
  await writeFile(path.join(ROOT, 'services/vectors', `${workload}.json`), formatVectorFile(vectors));
  console.log(`services/vectors/${workload}.json: ${vectors.length} vectors`);
}
await writeFile(path.join(ROOT, 'scenarios/scenario.schema.json'), `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
console.log('scenarios/scenario.schema.json');
