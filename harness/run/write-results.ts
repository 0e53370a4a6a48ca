/**
 * Writes the results document atomically: to a temporary file in the same folder, then renamed,
 * after every run, so an interrupted run keeps everything measured so far and a crash never
 * leaves half a file. I/O.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes `document` to `file` atomically (temporary file in the same folder, then rename). */
export async function writeJsonAtomic(file: string, document: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(document, null, 1)}\n`);
  await rename(temporary, file);
}
