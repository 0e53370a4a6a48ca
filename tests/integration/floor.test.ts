/**
 * The floor service (harness/floor/service.yaml, the engine crate's rewrite-bench-floor) is a
 * service like any other: its manifest validates, the harness starts it with HOST, PORT and
 * WORKERS, it answers its ready path and any request at once, the native engine loads it, and
 * SIGTERM stops it with exit 0 without a SIGKILL.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../harness/config/yaml-file.js';
import { resolveManifest } from '../../harness/config/manifest.js';
import { ENGINE_BINARY, runNativeJob } from '../../harness/load/engines/native.js';
import { startService, type RunningService } from '../../harness/process/service.js';
import { ROOT } from './helpers.js';

let service: RunningService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe('the floor service', () => {
  it('starts like a service, answers at once under the native engine, and stops on SIGTERM with exit 0', async () => {
    const file = path.join(ROOT, 'harness/floor/service.yaml');
    const manifest = resolveManifest(await readYamlFile(file), file);
    expect(manifest.name).toBe('floor');
    service = await startService({ manifest, workers: 2, readyTimeoutMs: 10_000 });
    const response = await fetch(`${service.baseUrl}/json`);
    expect([response.status, await response.text()]).toEqual([200, '{"ok":true}']);
    const job = {
      engine: 'native' as const,
      threads: 1,
      baseUrl: service.baseUrl,
      sources: [{ weight: 1, list: [{ method: 'GET' as const, path: '/json', headers: {}, expectStatus: 200, expectBody: '{"ok":true}' }] }],
      seed: 1,
      model: 'open' as const,
      connections: 4,
      ratePerSecond: 500,
      warmupSeconds: 0.2,
      durationSeconds: 1,
      timeoutMs: 2000,
      verifyEvery: 10,
    };
    const outcome = await runNativeJob(ENGINE_BINARY, job, undefined, { onStart: () => {}, onWindow: () => {} });
    expect(outcome.counts.responses).toBe(outcome.plannedInWindow);
    expect(outcome.counts.expectedStatus).toBe(outcome.counts.responses);
    expect([outcome.counts.errors, outcome.counts.mismatches]).toEqual([0, 0]);
    const stopped = await service.stop();
    service = undefined;
    expect(stopped).toEqual({ exit: { exitCode: 0, signal: undefined }, killed: false });
  }, 30_000);
});
