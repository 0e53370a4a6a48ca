/**
 * The JSON Schemas published for editors (harness/schemas/<file>), by file name: project,
 * scenario and service files. `npm run generate` writes them; a unit test checks they are
 * current. Pure.
 */
import { manifestJsonSchema } from './manifest.js';
import { projectJsonSchema } from './project.js';
import { scenarioJsonSchema } from './scenario.js';

export const EDITOR_SCHEMAS: Readonly<Record<string, () => unknown>> = {
  'project.schema.json': projectJsonSchema,
  'scenario.schema.json': scenarioJsonSchema,
  'service.schema.json': manifestJsonSchema,
};
