/**
 * Timing an incremental build the way a developer meets it: a one-line edit of the manifest's
 * `incremental` file that the build sees, undone afterwards (bytes and modification time), so the
 * sources are left exactly as they were. A real build step (node) in a temporary service folder.
 */
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildService } from '../../harness/build/build.js';
import { resolveManifest, type ResolvedManifest } from '../../harness/config/manifest.js';

describe('incremental build timing', () => {
  let directory: string;
  let manifest: ResolvedManifest;
  const source = 'package main\n\nfunc main() {}\n';

  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'rb-build-'));
    await writeFile(path.join(directory, 'main.go'), source);
    await utimes(path.join(directory, 'main.go'), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
    // The "compiler" copies what it sees, so the test can tell what the build read.
    manifest = resolveManifest(
      { name: 'edit-probe', language: 'go', description: 'd', build: [[process.execPath, '-e', "require('fs').copyFileSync('main.go', 'seen.txt')"]], start: ['./x'], artifact: 'seen.txt', sources: ['main.go'], incremental: 'main.go' },
      path.join(directory, 'service.yaml'),
    );
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('builds an edited file, then restores its bytes and modification time', async () => {
    const first = await buildService(manifest);
    expect(first).toMatchObject({ state: 'built', build: { kind: 'clean' } });
    const before = await stat(path.join(directory, 'main.go'));
    const record = await buildService(manifest, { touchIncremental: true });
    expect(record).toMatchObject({ state: 'built', build: { kind: 'incremental', trigger: 'edit' } });
    expect(await readFile(path.join(directory, 'seen.txt'), 'utf8')).toBe(`${source}// rewrite-bench: a one-line edit to time an incremental build (removed after it)\n`);
    expect(await readFile(path.join(directory, 'main.go'), 'utf8')).toBe(source);
    expect((await stat(path.join(directory, 'main.go'))).mtimeMs).toBe(before.mtimeMs);
    expect(record.lastIncremental?.trigger).toBe('edit');
    // The stamp holds the restored sources: the next build has nothing to do.
    expect((await buildService(manifest)).state).toBe('up-to-date');
  });
});
