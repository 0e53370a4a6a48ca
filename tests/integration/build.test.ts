/**
 * Timing an incremental build the way a developer meets it: a one-line edit of the manifest's
 * `incremental` file that the build sees, undone afterwards (bytes and modification time), so the
 * sources are left exactly as they were. A real build step (node) in a temporary service folder.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
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
      { name: 'edit-probe', language: 'go', description: 'd', build: [[process.execPath, '-e', "require('fs').copyFileSync('main.go', 'seen.txt')"]], start: ['node', 'seen.txt'], artifact: 'seen.txt', sources: ['main.go'], incremental: 'main.go' },
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

describe('up to date means `run` can start it (issue 22 item 6)', () => {
  let directory: string;
  // The "compiler" writes an executable bin/server, as a Go build or a venv's pip install would.
  const makeServer = "const fs = require('fs'); fs.mkdirSync('bin', { recursive: true }); fs.writeFileSync('bin/server', '#!/bin/sh\\n'); fs.chmodSync('bin/server', 0o755)";
  const manifestWith = (build: string[][], start = ['./bin/server']): ResolvedManifest =>
    resolveManifest({ name: 'program-probe', language: 'go', description: 'd', build, start, sources: ['src'] }, path.join(directory, 'service.yaml'));

  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'rb-build-'));
    await mkdir(path.join(directory, 'src'));
    await writeFile(path.join(directory, 'src/main.go'), 'package main\n');
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('rebuilds when the start program was deleted, though the sources are unchanged', async () => {
    const manifest = manifestWith([[process.execPath, '-e', makeServer]]);
    expect((await buildService(manifest)).state).toBe('built');
    expect((await buildService(manifest)).state).toBe('up-to-date');
    await rm(path.join(directory, 'bin'), { recursive: true });
    expect((await buildService(manifest)).state).toBe('built');
    expect(existsSync(path.join(directory, 'bin/server'))).toBe(true);
  });
  it('fails a build that leaves no start program, naming it and the field', async () => {
    const record = await buildService(manifestWith([[process.execPath, '-e', '0']]));
    expect(record.state).toBe('failed');
    expect(record.state === 'failed' ? record.reason : '').toContain('The build of program-probe finished but left no `./bin/server` (`start`)');
  });
  it('skips a service whose start program is missing and that has no build steps', async () => {
    const record = await buildService(manifestWith([]));
    expect(record.state).toBe('skipped');
    expect(record.state === 'skipped' ? record.reason : '').toContain('`./bin/server` (`start`) of program-probe does not exist and');
    // A program found on PATH is a toolchain, not a build output.
    expect((await buildService(manifestWith([], ['node', 'server.js']))).state).toBe('up-to-date');
  });
});
