/**
 * Starts the neutral upstream fixture (harness/fixtures/upstream.mjs: GET /echo answers after a
 * fixed delay) for a scenario that declares `fixtures.upstream`. I/O.
 */
import path from 'node:path';
import { resolveManifest } from '../config/manifest.js';
import { ROOT } from '../paths.js';
import { startService, type RunningService } from './service.js';

const UPSTREAM = resolveManifest(
  { name: 'upstream', language: 'javascript', description: 'the neutral upstream fixture (node:http, fixed delay per call)', start: [process.execPath, 'upstream.mjs'], ready: '/health' },
  path.join(ROOT, 'harness/fixtures/service.yaml'),
);

/** Starts the upstream with `delayMs` per call, pinned to `cpuList` (the load side). */
export function startUpstream(delayMs: number, cpuList: string | undefined): Promise<RunningService> {
  return startService({ manifest: UPSTREAM, workers: 1, cpuList, env: { DELAY_MS: String(delayMs) }, readyTimeoutMs: 15_000 });
}
