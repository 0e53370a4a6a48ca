/**
 * Walks a service's own source files (never build outputs, virtual environments or caches). I/O.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Folder names that hold generated, vendored or downloaded files, never a service's own source. */
export const IGNORED_DIRS = new Set(['.venv', 'venv', 'target', 'bin', 'node_modules', '__pycache__', 'dist', '.git', 'vendor', '.gocache', '.pytest_cache', 'build']);

/** Every file under `sources` (files or folders relative to `dir`), sorted, relative to `dir`. */
export async function listSourceFiles(dir: string, sources: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  const visit = async (relative: string): Promise<void> => {
    const absolute = path.join(dir, relative);
    const info = await stat(absolute).catch(() => undefined);
    if (info === undefined) return;
    if (info.isFile()) {
      files.add(path.normalize(relative));
      return;
    }
    if (!info.isDirectory()) return;
    for (const entry of await readdir(absolute)) {
      if (IGNORED_DIRS.has(entry) || entry.startsWith('.build')) continue;
      await visit(path.join(relative, entry));
    }
  };
  for (const source of sources) await visit(source);
  return [...files].sort();
}

/** SHA-256 over the names and contents of `files` plus `extra`: the inputs of a build. */
export async function hashInputs(dir: string, files: readonly string[], extra: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(extra);
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(await readFile(path.join(dir, file)));
  }
  return hash.digest('hex');
}

/** Size in bytes of a file, or of every file below a folder (symbolic links not followed). */
export async function sizeOnDisk(target: string): Promise<{ bytes: number; kind: 'file' | 'directory' } | undefined> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return undefined;
  if (info.isFile()) return { bytes: info.size, kind: 'file' };
  let bytes = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) bytes += (await stat(full)).size;
    }
  };
  await walk(target);
  return { bytes, kind: 'directory' };
}
