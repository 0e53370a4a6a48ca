/**
 * Developer tool: `node services/vectors/check.mjs http://127.0.0.1:PORT [workload...]` runs the
 * committed vectors against an already running service and prints each failure.
 * (`rewrite-bench verify` does this with services it starts itself.)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVectors } from './vectors-io.js';
import { runVectors } from './run-vectors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const [baseUrl, ...only] = process.argv.slice(2);
if (baseUrl === undefined) {
  console.error('usage: node services/vectors/check.mjs http://127.0.0.1:PORT [workload...]');
  process.exit(2);
}
const all = await loadVectors(path.join(root, 'services/vectors'));
let failed = 0;
let passed = 0;
for (const [workload, vectors] of Object.entries(all)) {
  if (only.length > 0 && !only.includes(workload)) continue;
  for (const outcome of await runVectors(baseUrl, vectors)) {
    if (outcome.state === 'pass') passed += 1;
    else {
      failed += 1;
      console.log(`FAIL ${outcome.name}: ${outcome.message}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
