/**
 * Developer tool (`npm run generate`): rewrites the committed generated files —
 * services/vectors/*.json from the TypeScript reference, and the JSON Schemas of harness/schemas/
 * (project, scenario and service files, for editors), and docs/kubernetes-rbac.yaml (the Role the
 * load workers need). Unit tests fail when any is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EDITOR_SCHEMAS } from '../config/schemas.js';
import { ROOT } from '../paths.js';
import { buildVectors } from '../suite/cases.js';
import { formatVectorFile } from '../verify/vectors-io.js';
import { stringify } from 'yaml';
import { rbacYaml } from '../kube/manifests.js';

const seedSql = await readFile(path.join(ROOT, 'services/sql/seed.sql'), 'utf8');
for (const [workload, vectors] of Object.entries(await buildVectors(seedSql))) {
  await writeFile(path.join(ROOT, 'services/vectors', `${workload}.json`), formatVectorFile(vectors));
  console.log(`services/vectors/${workload}.json: ${vectors.length} vectors`);
}
for (const [file, make] of Object.entries(EDITOR_SCHEMAS)) {
  await writeFile(path.join(ROOT, 'harness/schemas', file), `${JSON.stringify(make(), null, 2)}\n`);
  console.log(`harness/schemas/${file}`);
}
await writeFile(path.join(ROOT, 'docs/kubernetes-rbac.yaml'), rbacYaml(stringify));
console.log('docs/kubernetes-rbac.yaml');
