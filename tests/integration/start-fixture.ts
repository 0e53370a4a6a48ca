/**
 * The service-start fixture (tests/fixtures/start) for tests of how `start` launches a service:
 * a manifest of it with given fields, and a starter whose services `stopStarted` stops.
 */
import path from 'node:path';
import { resolveManifest, type ResolvedManifest } from '../../harness/config/manifest.js';
import { startService, type RunningService } from '../../harness/process/service.js';
import { FIXTURES } from './helpers.js';

export const START_FIXTURE_DIR = path.join(FIXTURES, 'start');

export const startFixtureManifest = (fields: Record<string, unknown>): ResolvedManifest =>
  resolveManifest({ name: 'start-fixture', language: 'node', description: 'a service-start fixture', ready: '/health', ...fields }, path.join(START_FIXTURE_DIR, 'service.yaml'));

const started: RunningService[] = [];

/** Starts the service of `manifest` with one worker; `stopStarted` (in afterEach) stops it. */
export async function startFixture(manifest: ResolvedManifest): Promise<RunningService> {
  const service = await startService({ manifest, workers: 1, readyTimeoutMs: 15_000 });
  started.push(service);
  return service;
}

export async function stopStarted(): Promise<void> {
  for (const service of started.splice(0)) await service.stop();
}
