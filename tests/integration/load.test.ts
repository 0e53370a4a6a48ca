/**
 * The load generators against a fixture server with a known delay and a periodic stall
 * (a 150 ms freeze every second). The open-loop pacer times from the planned send, so the stall
 * must show in its p99; the closed loop hides most of it and is labelled as closed loop.
 * Invariants and the stall's signature only: never absolute speed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { runLoadJob } from '../../harness/load/generator.js';
import type { LoadJob } from '../../harness/load/job.js';
import { prepareSources } from '../../harness/requests/prepare.js';
import { FIXTURES, firstJsonLine, spawnFixture } from './helpers.js';

let fixture: ResultPromise | undefined;
afterEach(() => {
  fixture?.kill('SIGKILL');
  fixture = undefined;
});

async function startFixture(env: Record<string, string>): Promise<string> {
  fixture = spawnFixture(process.execPath, [path.join(FIXTURES, 'pacer-server.mjs')], env);
  const { port } = await firstJsonLine<{ port: number }>(fixture);
  return `http://127.0.0.1:${port}`;
}

const job = (baseUrl: string, patch: Partial<LoadJob>): LoadJob => {
  const closed = patch.model === 'closed';
  return {
    engine: closed ? 'autocannon' : 'pacer',
    threads: 1,
    baseUrl,
    sources: prepareSources([{ weight: 1, method: 'GET', path: '/', headers: {}, expectStatus: 200, expectBody: '{"ok":true}' }], 1),
    seed: 1,
    model: 'open',
    connections: 64,
    // A closed loop has no rate: the service sets it (the native engine rejects one).
    ...(closed ? {} : { ratePerSecond: 200, arrival: 'constant' as const }),
    warmupSeconds: 0.5,
    durationSeconds: 3,
    timeoutMs: 5000,
    verifyEvery: 10,
    ...patch,
  };
};

describe.each(['pacer', 'native'] as const)('open loop (%s engine)', (engine) => {
  it('measures a known delay from the planned send time', async () => {
    const baseUrl = await startFixture({ DELAY_MS: '5' });
    const edges: string[] = [];
    const outcome = await runLoadJob(job(baseUrl, { engine }), undefined, { onStart: () => {}, onWindow: (edge) => edges.push(edge) });
    expect(edges).toEqual(['start', 'end']);
    expect(outcome.model).toBe('open');
    expect(outcome.engine.name).toBe(engine);
    expect(outcome.method).toContain('open loop');
    expect(outcome.counts.errors + outcome.counts.timeouts + outcome.counts.mismatches).toBe(0);
    expect(outcome.counts.verified).toBeGreaterThan(0);
    // 200 req/s for 3 s (± one send at the window edges): every planned request answered.
    expect(Math.abs(outcome.plannedInWindow! - 600)).toBeLessThanOrEqual(1);
    expect(outcome.counts.expectedStatus).toBe(outcome.plannedInWindow);
    expect(outcome.latencyUs!.p50Us).toBeGreaterThanOrEqual(5000);
    expect(outcome.perSecond.length).toBe(3);
    expect(outcome.latencyHistogram).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('shows a periodic stall in p99 (coordinated omission is not hidden)', async () => {
    const baseUrl = await startFixture({ STALL_MS: '150', STALL_EVERY_MS: '1000' });
    const outcome = await runLoadJob(job(baseUrl, { engine, durationSeconds: 4 }), undefined, { onStart: () => {}, onWindow: () => {} });
    // 15 % of planned sends fall in a 150 ms freeze and wait up to 150 ms from their planned time.
    expect(outcome.latencyUs!.p99Us).toBeGreaterThan(100_000);
    expect(outcome.latencyUs!.maxUs).toBeGreaterThan(140_000);
    expect(outcome.latencyUs!.p50Us).toBeLessThan(100_000);
  });
});

describe.each(['pacer', 'native'] as const)('window edges (%s engine)', (engine) => {
  it('are signalled from the clock even when no send falls in the window (2 req/s Poisson, 1 s windows)', async () => {
    const baseUrl = await startFixture({});
    // With Poisson gaps of mean 500 ms a 1 s window holds no send in e^-2 ≈ 14 % of runs: over these
    // seeds several windows are empty, and each must still report start then end.
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const edges: string[] = [];
      const outcome = await runLoadJob(job(baseUrl, { engine, ratePerSecond: 2, arrival: 'poisson', warmupSeconds: 0.1, durationSeconds: 1, seed }), undefined, { onStart: () => {}, onWindow: (edge) => edges.push(edge) });
      expect(edges, `seed ${seed}`).toEqual(['start', 'end']);
      expect(outcome.windowSeconds).toBe(1);
    }
  });
});

describe.each([['autocannon', 'pacer'], ['native', 'native']] as const)('closed loop (%s engine)', (closedEngine, openEngine) => {
  it('is labelled closed loop, records µs latency itself and hides the stall that the open loop shows', async () => {
    const baseUrl = await startFixture({ STALL_MS: '150', STALL_EVERY_MS: '1000' });
    const closed = await runLoadJob(job(baseUrl, { engine: closedEngine, model: 'closed', connections: 4, durationSeconds: 3, warmupSeconds: 0.5 }), undefined, {
      onStart: () => {},
      onWindow: () => {},
    });
    const open = await runLoadJob(job(baseUrl, { engine: openEngine, durationSeconds: 3 }), undefined, { onStart: () => {}, onWindow: () => {} });
    expect(closed.model).toBe('closed');
    expect(closed.method).toContain('closed loop');
    expect(closed.engine.name).toBe(closedEngine);
    expect(closed.offeredRps).toBeUndefined();
    expect(closed.counts.expectedStatus).toBeGreaterThan(100);
    expect(closed.counts.mismatches).toBe(0);
    // Only the 4 requests in flight see each freeze: the max shows it, p99 does not …
    expect(closed.latencyUs!.maxUs).toBeGreaterThan(100_000);
    expect(closed.latencyUs!.p99Us).toBeLessThan(50_000);
    // … while the open loop, timing from the planned send, puts it in p99 (15 % of sends wait).
    expect(open.latencyUs!.p99Us).toBeGreaterThan(100_000);
    expect(open.latencyUs!.p99Us).toBeGreaterThan(3 * closed.latencyUs!.p99Us);
  });
});
