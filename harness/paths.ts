/**
 * Where the repository's folders are, wherever the harness runs from. I/O-free.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The package root: harness/ sits in it, and dist/harness/ when compiled. */
export const ROOT = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
export const SERVICES_DIR = path.join(ROOT, 'services');
export const SCENARIOS_DIR = path.join(ROOT, 'scenarios');
export const REPORTS_DIR = path.join(ROOT, 'reports');
