/**
 * The native engine's faults as the harness sees them: a malformed job is rejected naming the
 * field; a port with nothing listening gives errors, never latency; an engine killed mid-run
 * fails the run with what it said, and leaves nothing behind (the suite's teardown scans /proc).
 */
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoadJob } from '../../harness/load/generator.js';
import type { LoadJob } from '../../harness/load/job.js';
import { prepareSources } from '../../harness/requests/prepare.js';
import { findFreePort } from '../../harness/process/ports.js';
import { FIXTURES, firstJsonLine, spawnFixture } from './helpers.js';

let fixture: ResultPromise | undefined;
afterEach(() => {
  fixture?.kill('SIGKILL');
  fixture = undefined;
});

const job = (baseUrl: string, patch: Partial<LoadJob> = {}): LoadJob => ({
  engine: 'native',
  threads: 1,
  baseUrl,
  sources: prepareSources([{ weight: 1, method: 'GET', path: '/', headers: {}, expectStatus: 200, expectBody: '{"ok":true}' }], 1),
  seed: 1,
  model: 'open',
  connections: 8,
  ratePerSecond: 200,
  arrival: 'constant',
  warmupSeconds: 0.2,
  durationSeconds: 1,
  timeoutMs: 2000,
  verifyEvery: 10,
  ...patch,
});
const quiet = { onStart: () => {}, onWindow: () => {} };

describe('native engine faults', () => {
  it('rejects a malformed job, naming the field, what was expected and what was found', async () => {
    await expect(runLoadJob(job('http://127.0.0.1:1', { connections: 0 }), undefined, quiet)).rejects.toThrow(/The native load engine failed \(exit 2\): Expected `connections` in the load job to be .*got `0` \(number\)/);
  });
  it('reports a port with nothing listening as errors, never as latency', async () => {
    const port = await findFreePort();
    const outcome = await runLoadJob(job(`http://127.0.0.1:${port}`), undefined, quiet);
    expect(outcome.counts.errors).toBeGreaterThan(0);
    expect(outcome.counts.expectedStatus).toBe(0);
    expect(outcome.latencyUs?.count ?? 0).toBe(0);
    expect(outcome.firstError).toMatch(/refused|connect/i);
  });
  it('fails the run when the engine dies mid-run, saying how it ended', async () => {
    fixture = spawnFixture(process.execPath, [path.join(FIXTURES, 'pacer-server.mjs')], {});
    const { port } = await firstJsonLine<{ port: number }>(fixture);
    let enginePid = 0;
    const run = runLoadJob(job(`http://127.0.0.1:${port}`, { durationSeconds: 5 }), undefined, {
      onStart: (pid) => {
        enginePid = pid;
      },
      onWindow: (edge) => {
        if (edge === 'start') process.kill(enginePid, 'SIGKILL');
      },
    });
    await expect(run).rejects.toThrow(/The native load engine ended \(signal SIGKILL\) without an outcome/);
  });
});
