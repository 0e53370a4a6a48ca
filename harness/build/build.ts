/**
 * `rewrite-bench build`: runs each service's build steps (argv, never a shell), skips a service
 * whose inputs are unchanged, and records build time (clean or incremental), artifact size and
 * lines of code. A missing toolchain or a failed step is recorded and the other services go on.
 * I/O.
 */
import { execa } from 'execa';
import { createWriteStream } from 'node:fs';
import { readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedManifest } from '../config/manifest.js';
import { messageOf } from '../errors.js';
import { onInterrupt } from '../process/registry.js';
import { LineTail } from '../process/tail.js';
import { findExecutable, installHint } from '../process/toolchain.js';
import { editMarkerFor, withEditMarker } from './edit-marker.js';
import { hashInputs, listSourceFiles, sizeOnDisk } from './files.js';
import { describePrograms, missingPrograms } from './outputs.js';
import type { BuildRecord, BuildTiming, StepTiming } from '../results/document.js';
import { countLinesOfCode } from './loc.js';

interface Stamp {
  inputsHash?: string;
  lastClean?: BuildTiming;
  lastIncremental?: BuildTiming;
}

const STAMP_FILE = '.build-stamp.json';

async function readStamp(dir: string): Promise<Stamp> {
  try {
    return JSON.parse(await readFile(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return {};
  }
}

async function writeStamp(dir: string, stamp: Stamp): Promise<void> {
  const file = path.join(dir, STAMP_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(stamp, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** Options of one build. */
export interface BuildOptions {
  /** Rebuild even when inputs are unchanged. */
  readonly force?: boolean;
  /**
   * Edit the manifest's `incremental` file first (append a comment line, removed after the
   * build; a touch when its comment syntax is unknown), so the build is an incremental one the
   * way a developer meets it (claim e).
   */
  readonly touchIncremental?: boolean;
  /** Receives progress lines. */
  readonly log?: (line: string) => void;
}

async function missingToolchain(manifest: ResolvedManifest): Promise<string | undefined> {
  for (const step of manifest.build) {
    const program = step[0]!;
    // Paths such as .venv/bin/pip are made by an earlier step; only check programs looked up on PATH.
    if (program.includes('/')) continue;
    if ((await findExecutable(program, manifest.dir)) === undefined) {
      return `\`${program}\` is not installed (needed by ${manifest.file}). ${installHint(program)}`;
    }
  }
  return undefined;
}

/**
 * Appends a comment line to `file` (or touches it when its comment syntax is unknown) and returns
 * how to undo that: the original bytes and modification time come back, also on an interrupt, so
 * the sources are left as they were and no build tool sees a change afterwards.
 */
async function editForIncremental(file: string): Promise<{ trigger: 'edit' | 'touch'; restore: () => Promise<void> }> {
  const original = await readFile(file);
  const { atime, mtime } = await stat(file);
  const marker = editMarkerFor(file);
  if (marker === undefined) {
    const now = new Date();
    await utimes(file, now, now);
    return { trigger: 'touch', restore: async () => {} };
  }
  let restored = false;
  const restore = async (): Promise<void> => {
    if (restored) return;
    restored = true;
    removeHook();
    await writeFile(file, original);
    await utimes(file, atime, mtime);
  };
  const removeHook = onInterrupt(restore);
  await writeFile(file, withEditMarker(original.toString('utf8'), marker));
  return { trigger: 'edit', restore };
}

/**
 * Times a clean build (after the manifest's `clean` steps) and then an incremental one (after a
 * one-line edit of the `incremental` file, undone afterwards), for claim (e). Services without
 * `clean` get only the incremental build; services without `incremental` get a normal build.
 */
export async function timeBuilds(manifest: ResolvedManifest, log: (line: string) => void): Promise<BuildRecord> {
  if (manifest.clean.length > 0) {
    for (const step of manifest.clean) {
      log(`  ${manifest.name}: ${step.join(' ')}`);
      await execa(step[0]!, step.slice(1), { cwd: manifest.dir, reject: false, stdin: 'ignore' });
    }
    const clean = await buildService(manifest, { force: true, log });
    if (clean.state !== 'built') return clean;
  }
  return buildService(manifest, { touchIncremental: manifest.incremental !== undefined, force: true, log });
}

/** Builds one service (see the module comment). Never throws for a failed build: it is data. */
export async function buildService(manifest: ResolvedManifest, options: BuildOptions = {}): Promise<BuildRecord> {
  const log = options.log ?? (() => {});
  const sourceFiles = await listSourceFiles(manifest.dir, manifest.sources);
  const texts = await Promise.all(sourceFiles.map(async (name) => ({ name, text: await readFile(path.join(manifest.dir, name), 'utf8') })));
  const linesOfCode = countLinesOfCode(texts);
  const artifactPath = manifest.artifact === undefined ? undefined : path.join(manifest.dir, manifest.artifact);
  const stamp = await readStamp(manifest.dir);
  const common = { service: manifest.name, language: manifest.language, linesOfCode };
  const artifactBefore = artifactPath === undefined ? undefined : await sizeOnDisk(artifactPath);

  const missing = await missingToolchain(manifest);
  if (missing !== undefined) {
    return { ...common, state: 'skipped', reason: missing, artifactBytes: artifactBefore?.bytes, artifactKind: artifactBefore?.kind, lastClean: stamp.lastClean, lastIncremental: stamp.lastIncremental };
  }
  const inputsHash = await hashInputs(manifest.dir, sourceFiles, JSON.stringify(manifest.build));
  const hasArtifact = artifactPath === undefined || artifactBefore !== undefined;
  // Up to date means `run` can start it: the programs the build makes are there too, not only unchanged sources.
  const missingBefore = await missingPrograms(manifest);
  if (manifest.build.length === 0 && missingBefore.length > 0) {
    const reason = `${describePrograms(missingBefore)} of ${manifest.name} does not exist and ${manifest.file} has no \`build\` steps to make it. Add the steps that build it, or fix the path.`;
    return { ...common, state: 'skipped', reason, artifactBytes: artifactBefore?.bytes, artifactKind: artifactBefore?.kind, lastClean: stamp.lastClean, lastIncremental: stamp.lastIncremental };
  }
  const upToDate = stamp.inputsHash === inputsHash && hasArtifact && missingBefore.length === 0 && options.force !== true && options.touchIncremental !== true;
  if (manifest.build.length === 0 || upToDate) {
    return { ...common, state: 'up-to-date', artifactBytes: artifactBefore?.bytes, artifactKind: artifactBefore?.kind, lastClean: stamp.lastClean, lastIncremental: stamp.lastIncremental };
  }

  const kind: BuildTiming['kind'] = artifactBefore === undefined ? 'clean' : 'incremental';
  // A service without an artifact (nothing to tell clean from incremental) counts as incremental.
  const logFile = path.join(manifest.dir, '.build.log');
  const logStream = createWriteStream(logFile);
  const tail = new LineTail(30);
  const steps: StepTiming[] = [];
  const edit = options.touchIncremental === true && manifest.incremental !== undefined ? await editForIncremental(path.join(manifest.dir, manifest.incremental)) : undefined;
  const started = performance.now();
  // A failed build keeps the previous timings and names its log.
  const failed = (reason: string): BuildRecord => ({ ...common, state: 'failed', reason, logTail: tail.text(), logFile, artifactBytes: undefined, artifactKind: undefined, lastClean: stamp.lastClean, lastIncremental: stamp.lastIncremental });
  try {
    for (const step of manifest.build) {
      log(`  ${manifest.name}: ${step.join(' ')}`);
      const stepStarted = performance.now();
      const child = execa(step[0]!, step.slice(1), { cwd: manifest.dir, reject: false, all: true, buffer: false, stdin: 'ignore' });
      child.all?.on('data', (chunk: Buffer) => {
        logStream.write(chunk);
        tail.push(chunk.toString());
      });
      const result = await child;
      steps.push({ argv: step, seconds: (performance.now() - stepStarted) / 1000 });
      if (result.failed) {
        const why = result.exitCode === undefined ? messageOf(result.originalMessage ?? result.shortMessage) : `exit code ${result.exitCode}`;
        return failed(`Build step \`${step.join(' ')}\` of ${manifest.name} failed (${why}). Full log: ${logFile}`);
      }
    }
  } finally {
    logStream.end();
    await edit?.restore();
  }
  const changed = stamp.inputsHash !== inputsHash || options.touchIncremental === true;
  const build: BuildTiming = {
    kind,
    seconds: (performance.now() - started) / 1000,
    lastStepSeconds: steps[steps.length - 1]?.seconds ?? 0,
    steps,
    at: new Date().toISOString(),
    ...(kind === 'incremental' && changed ? { trigger: edit?.trigger ?? 'sources' } : {}),
  };
  const missingAfter = await missingPrograms(manifest);
  if (missingAfter.length > 0) {
    return failed(`The build of ${manifest.name} finished but left no ${describePrograms(missingAfter)} (${manifest.file}): check that its \`build\` steps make it, or fix the path. Full log: ${logFile}`);
  }
  const artifact = artifactPath === undefined ? undefined : await sizeOnDisk(artifactPath);
  // Only a build that had something to rebuild (changed or edited sources) times an incremental
  // build; a forced rebuild of unchanged inputs would record a meaningless no-op. The stamp keeps
  // the hash of the restored sources: the artifact differs from them by a comment only.
  const next: Stamp = {
    inputsHash,
    lastClean: kind === 'clean' ? build : stamp.lastClean,
    lastIncremental: kind === 'incremental' && changed ? build : stamp.lastIncremental,
  };
  await writeStamp(manifest.dir, next);
  return { ...common, state: 'built', build, artifactBytes: artifact?.bytes, artifactKind: artifact?.kind, lastClean: next.lastClean, lastIncremental: next.lastIncremental };
}
