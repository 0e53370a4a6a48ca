/**
 * The native load engine's build: it is built like a service (`cargo build --release --locked`
 * in harness/engine, skipped when its sources are unchanged), by `rewrite-bench build`, by `run`
 * before measuring and by `npm test`. Where it cannot be built (no cargo, a failed build) the
 * harness says so once and the Node engines take over; every run records which engine made it.
 * I/O.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveManifest, type ResolvedManifest } from '../config/manifest.js';
import { ENGINE_BINARY } from '../load/engines/native.js';
import { ROOT } from '../paths.js';
import type { BuildRecord } from '../results/document.js';
import { buildService } from './build.js';

export const ENGINE_DIR = path.join(ROOT, 'harness/engine');

/** The engine as a buildable unit (a manifest that is never started as a service). */
export function engineManifest(): ResolvedManifest {
  return resolveManifest(
    {
      name: 'load-engine',
      language: 'rust',
      description: 'rewrite-bench-engine, the native load engine (harness/engine)',
      build: [['cargo', 'build', '--release', '--locked', '--quiet']],
      start: ['./target/release/rewrite-bench-engine'],
      artifact: 'target/release/rewrite-bench-engine',
      sources: ['src', 'Cargo.toml', 'Cargo.lock', 'limits.json'],
    },
    path.join(ENGINE_DIR, 'service.yaml'),
  );
}

/** Whether the native engine can run, and if not, why (said once, with the engine used instead). */
export type EngineStatus = { readonly available: true; readonly binary: string } | { readonly available: false; readonly reason: string };

let status: Promise<EngineStatus> | undefined;

/**
 * Builds the engine if needed (once per process) and says whether it can be used.
 * @param log receives build progress and, when it cannot be built, the reason
 */
export function ensureEngine(log: (line: string) => void): Promise<EngineStatus> {
  status ??= (async (): Promise<EngineStatus> => {
    if (!existsSync(path.join(ENGINE_DIR, 'Cargo.toml'))) return { available: false, reason: `the native engine's sources are missing (${ENGINE_DIR})` };
    const record: BuildRecord = await buildService(engineManifest(), { log });
    if (record.state === 'skipped') return { available: false, reason: record.reason };
    if (record.state === 'failed') return { available: false, reason: `${record.reason}\n${record.logTail}` };
    return existsSync(ENGINE_BINARY) ? { available: true, binary: ENGINE_BINARY } : { available: false, reason: `the build left no ${ENGINE_BINARY}` };
  })();
  return status;
}
