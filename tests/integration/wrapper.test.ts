/**
 * The check at ready time that a process of the tree `start` created holds the listening socket:
 * a wrapper that daemonises the server is refused, a script that execs the server or keeps it as
 * a child is accepted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../harness/errors.js';
import { startFixture as start, startFixtureManifest as manifestOf, stopStarted } from './start-fixture.js';


afterEach(async () => {
  await stopStarted();
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
    const attempt = start(manifestOf({ start: ['sh', 'daemonise.sh'] }));
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
