/**
 * The check at ready time that a process of the tree `start` created holds the listening socket:
 * a wrapper that daemonises the server is refused, a script that execs the server or keeps it as
 * a child is accepted.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveManifest, type ResolvedManifest } from '../../harness/config/manifest.js';
import { ConfigError } from '../../harness/errors.js';
import { startService, type RunningService } from '../../harness/process/service.js';
import { FIXTURES } from './helpers.js';

const DIR = path.join(FIXTURES, 'start');
const manifestOf = (fields: Record<string, unknown>): ResolvedManifest =>
  resolveManifest({ name: 'start-fixture', language: 'node', description: 'a service-start fixture', ready: '/health', ...fields }, path.join(DIR, 'service.yaml'));
const started: RunningService[] = [];
const start = async (manifest: ResolvedManifest): Promise<RunningService> => {
  const service = await startService({ manifest, workers: 1, readyTimeoutMs: 15_000 });
  started.push(service);
  return service;
};

afterEach(async () => {
  for (const service of started.splice(0)) await service.stop();
});

describe('the process that holds the listening socket', () => {
  it('accepts a script that ends with `exec server`: the server is the tree\'s root', async () => {
    const service = await start(manifestOf({ start: ['sh', 'exec.sh'] }));
    const { pid } = (await (await fetch(`${service.baseUrl}/env`)).json()) as { pid: number };
    expect(pid).toBe(service.pid);
  });

  it('accepts a script that keeps the server as its child', async () => {
    const service = await start(manifestOf({ start: ['sh', 'background.sh'] }));
    const { pid } = (await (await fetch(`${service.baseUrl}/env`)).json()) as { pid: number };
    expect(pid).not.toBe(service.pid);
  });

  it('refuses a script that daemonises the server out of its tree, says what to do, and stops both', async () => {
    const attempt = startService({ manifest: manifestOf({ start: ['sh', 'daemonise.sh'] }), workers: 1, readyTimeoutMs: 15_000 });
    const error = await attempt.then(
      () => undefined,
      (cause: unknown) => cause,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Service start-fixture is not measurable as started: 127\.0\.0\.1:\d+ answered \/health, but no process started by `start` \(.*service\.yaml: `sh daemonise\.sh`, pid \d+, and its children\) holds it: the socket listening on it belongs to pid \d+ \(`node server\.mjs`\), outside that tree\./);
    expect(message).toContain('Start the server process itself: `exec` it at the end of a script, run the built binary instead of `cargo run` or `go run`');
    // The daemonised server kept the process group: it was stopped with the wrapper.
    const port = /127\.0\.0\.1:(\d+)/.exec(message)![1];
    await expect(fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});
