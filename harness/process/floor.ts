/**
 * The platform floor as a startable service: its manifest (harness/floor/service.yaml, shipped
 * with the package) and its binary, which the engine's build makes (the engine crate's second
 * binary: `cargo build --release` builds both). I/O.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveManifest, type ResolvedManifest } from '../config/manifest.js';
import { readYamlFile } from '../config/yaml-file.js';
import { ROOT } from '../paths.js';

/** Where the engine's build puts the floor server. */
export const FLOOR_BINARY = path.join(ROOT, 'harness/engine/target/release/rewrite-bench-floor');
const FLOOR_MANIFEST = path.join(ROOT, 'harness/floor/service.yaml');

/** The floor, ready to start; or why it cannot be. */
export type FloorStatus = { readonly available: true; readonly manifest: ResolvedManifest } | { readonly available: false; readonly reason: string };

/**
 * The floor's manifest, once the engine is built (it builds the floor too).
 * @param engineBuilt whether the native engine's build succeeded (run.ts: ensureEngine)
 */
export async function loadFloor(engineBuilt: boolean): Promise<FloorStatus> {
  if (!engineBuilt) return { available: false, reason: 'the native engine, whose crate builds it, is unavailable' };
  if (!existsSync(FLOOR_BINARY)) return { available: false, reason: `the engine's build left no ${FLOOR_BINARY}` };
  return { available: true, manifest: resolveManifest(await readYamlFile(FLOOR_MANIFEST), FLOOR_MANIFEST) };
}
