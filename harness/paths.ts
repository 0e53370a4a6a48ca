/**
 * Where this package's own files are (the compiled harness, the native engine, the fixtures, the
 * built-in contract's data), wherever it is installed. Never the project's folders: those come
 * from the project file (config/project.ts). I/O-free.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The package root: harness/ sits in it, and dist/harness/ when compiled. */
export const ROOT = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
