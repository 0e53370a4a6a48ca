/**
 * Claims decided on paired rounds against two real services whose CPU per request is known:
 * `heavy` spends 3,000 µs of its own CPU time on every request and `light` 1,000 µs (plus the
 * same HTTP work each, so the true ratio is a little under 3). The claim `heavy/light >= 2` (the
 * truth about 1.5× past its threshold: the case that held only 23 % of the time at 7 runs with
 * per-service intervals) must hold, and `heavy/light >= 4` must be refuted, each within 10 rounds
 * (issue 20). The run adds rounds only while a check is undecided (`--max-repetitions 10`).
 * About 40 s on a quiet machine.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { FIXTURES, retryOnceIfBusy, runCli } from './helpers.js';

const DIR = path.join(FIXTURES, 'cpu-ratio');
const directories: string[] = [];

afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('claims on two services with a known 3:1 CPU cost per request', () => {
  it('decide `heavy/light >= 2` holds and `heavy/light >= 4` refuted, each within 10 rounds (exit 1: a claim is refuted)', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'rb-cpu-ratio-'));
    directories.push(base);
    const out = (attempt: number): string => path.join(base, `attempt-${attempt}`);
    const result = await retryOnceIfBusy(
      (attempt) =>
        runCli(['run', path.join(DIR, 'spin.yaml'), '--services-dir', DIR, '--services', 'heavy,light', '--claims', path.join(DIR, 'claims.yaml'), '--max-repetitions', '10', '--skip-verify', '--out', out(attempt)]),
      (attempt) => path.join(out(attempt), 'results.json'),
    );
    // retryOnceIfBusy says on the test's own stderr whether it retried: the second attempt's file tells.
    const file = path.join(out(existsSync(path.join(out(2), 'results.json')) ? 2 : 1), 'results.json');
    const document = JSON.parse(await readFile(file, 'utf8')) as ResultsDocument;
    const verdicts = Object.fromEntries(document.claims!.results.map((claim) => [claim.id, claim]));
    const holds = verdicts.holds!.checks[0]!;
    const refuted = verdicts.refuted!.checks[0]!;
    expect(verdicts.holds!.verdict, `${holds.note}\n${result.stdout}`).toBe('holds');
    expect(verdicts.refuted!.verdict, `${refuted.note}\n${result.stdout}`).toBe('refuted');
    // The estimate is near the truth (a little under 3: the same HTTP work is added to both).
    expect(holds.value).toBeGreaterThan(2.2);
    expect(holds.value).toBeLessThan(3.2);
    // Decided within 10 rounds: no run beyond repetition 10, and the checks used at most 10.
    expect(Math.max(...document.runs.map((run) => run.repetition))).toBeLessThanOrEqual(10);
    expect(holds.n).toBeLessThanOrEqual(10);
    expect(refuted.n).toBeLessThanOrEqual(10);
    expect(result.stdout).toMatch(/^HOLDS +holds /m);
    expect(result.stdout).toMatch(/^REFUTED +refuted /m);
    expect(result.exitCode, result.stderr).toBe(1);
  });
});
