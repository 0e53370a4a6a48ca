/**
 * The capacity probe is judged like any closed-loop run: a probe bound by the load engine (the
 * service clearly below its CPU) measured the engine, and "50 % of capacity" would be 50 % of
 * the engine's limit. The rust service answers /json with a fraction of the CPU per request that
 * the Node closed loop spends, so that probe is engine-bound on any machine. A probe that leaves
 * the service below its CPUs (three 50 ms upstream calls a request) measured a lower bound: no
 * fraction of it is offered.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, runCli } from './helpers.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rb-probe-'));
});
afterAll(async () => {
  if (process.env.KEEP !== "1") await rm(out, { recursive: true, force: true });
});

describe('capacity probe', () => {
  it('is invalid when the load engine saturated first, and the service is then not measured at fractions of it', async () => {
    const { exitCode, stdout } = await runCli(['run', path.join(FIXTURES, 'scenarios/probe-json.yaml'), '--services', 'rust', '--skip-verify', '--out', out]);
    const document = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    const probe = document.capacity[0]!;
    expect(probe.valid).toBe(false);
    expect(probe.validity!.reasons.map((reason) => reason.code)).toContain('engine-bound');
    expect(probe.validity!.lowerBoundRps).toBeGreaterThan(0);
    expect(document.runs).toEqual([]);
    expect(document.failures[0]!.message).toContain('capacity probe invalid, not measured');
    expect(stdout).toContain('capacity probe invalid');
    expect(exitCode).toBe(3);
  });
  it('calls a latency-bound closed loop a lower bound after 4 × the connections, and offers no fraction of it', async () => {
    const lowerOut = path.join(out, 'gateway');
    const { stdout } = await runCli(['run', path.join(FIXTURES, 'scenarios/probe-gateway.yaml'), '--services', 'rust', '--skip-verify', '--out', lowerOut]);
    const document = JSON.parse(await readFile(path.join(lowerOut, 'results.json'), 'utf8')) as ResultsDocument;
    const probe = document.capacity[0]!;
    expect(probe).toMatchObject({ valid: false, state: 'lower-bound' });
    // 2 connections, then 8: each request waits 50 ms on the upstream, so throughput grows with connections.
    expect(probe.closedLoop!.map((reading) => reading.connections)).toEqual([2, 8]);
    expect(probe.closedLoop![1]!.achievedRps).toBeGreaterThan(1.1 * probe.closedLoop![0]!.achievedRps);
    expect(probe.openCheck).toBeUndefined();
    expect(document.runs).toEqual([]);
    expect(document.failures[0]!.message).toContain('a lower bound, not a capacity');
    expect(document.failures[0]!.message).toContain('raise `load.probe.connections` (now 2) to 32 or more, or give absolute `ratesPerSecond`');
    expect(stdout).toContain('a lower bound, not a capacity');
  });
});
