/**
 * The equivalence check against a reference service, on small Node services that differ on
 * purpose (tests/fixtures/equivalence): the legacy service runs as two instances, one of which
 * answers 503 once and a different text once; a rewrite that answers 500 to every /flaky request,
 * or whose text answers are all off by one, is caught although the reference was noisy there
 * (issue 19, item 4), and a faithful rewrite passes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../../harness/config/services.js';
import type { ResolvedManifest } from '../../harness/config/manifest.js';
import { resolveScenario } from '../../harness/config/scenario.js';
import { checkAgainstReference } from '../../harness/verify/against-reference.js';
import { FIXTURES } from './helpers.js';

const PROJECT = path.join(FIXTURES, 'equivalence');
let manifests: ResolvedManifest[];
let tmp: string;
beforeAll(async () => {
  manifests = await loadManifests([path.join(PROJECT, 'services')]);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rb-equivalence-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});
const named = (name: string): ResolvedManifest => manifests.find((manifest) => manifest.name === name)!;

describe('checking rewrites against a noisy reference service', () => {
  it('catches a candidate that differs on every request of a kind where the reference differed once, and passes a faithful one', async () => {
    const scenario = resolveScenario(
      {
        name: 'flaky',
        description: 'a flaky endpoint and a text endpoint',
        workload: 'orders',
        reference: 'legacy',
        compare: { requests: 120 },
        requests: [
          { path: '/flaky?n={{n}}', vars: { n: { int: [1, 1_000_000] } } },
          { path: '/text/{{id}}', vars: { id: { int: [1, 1000] } } },
        ],
        load: { model: 'closed', connections: 1 },
        service: { env: { FLAKE_FILE: path.join(tmp, 'flake') } },
      },
      path.join(tmp, 'flaky.yaml'),
      { quick: false, availableCpus: 64 },
    );
    const check = await checkAgainstReference({
      scenario,
      reference: named('legacy'),
      candidates: [named('faithful'), named('flaky-500'), named('text-off')],
      env: async () => ({ env: { ...scenario.service.env } }),
      seed: 11,
      log: () => {},
    });
    // One flake each, learnt per kind: a templated path is one kind.
    expect(check.noise).toEqual([
      expect.stringMatching(/^`GET \/text\/\{\{id\}\}`: the body \(compared as bytes\) differed in 1 of \d+ requests between two instances of the reference$/),
      expect.stringMatching(/^`GET \/flaky`: the status differed in 1 of \d+ requests between two instances of the reference$/),
    ]);
    const verdict = (service: string) => check.verdicts.find((entry) => entry.service === service)!;
    expect(verdict('faithful')).toMatchObject({ state: 'pass', checked: 120 });
    expect(verdict('flaky-500')).toMatchObject({ state: 'fail', difference: { field: 'status', described: 'status: expected `200`, found `500`' } });
    expect(verdict('text-off')).toMatchObject({ state: 'fail', difference: { field: '$', request: expect.stringMatching(/^GET \/text\/\d+$/) } });
    expect(verdict('text-off').difference!.described).toMatch(/^body differs at byte \d+: expected /);
  });
});
