/**
 * Claims and the platform floor: sums in the claims grammar (`rust.p99 <= 2 * rust.p50 +
 * floor.p99`), the floor's run of the same round paired with the services', what a latency
 * check's note says about the floor, the claims file's validation (`floor` is no service) and the
 * reserved service name.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateCapacity, evaluateCheck } from '../../harness/claims/evaluate.js';
import { parseCheck } from '../../harness/claims/expression.js';
import { pointsPairingFloor } from '../../harness/claims/needs.js';
import { checkRounds, floorRunOf, runServicesOf } from '../../harness/claims/rounds.js';
import { resolveClaims } from '../../harness/config/claims.js';
import { loadManifests } from '../../harness/config/services.js';
import { decideGate } from '../../harness/gate/outcome.js';
import { planWithStages } from '../../harness/gate/plan.js';
import { makeRun } from '../fixtures/floor-runs.js';

describe('sums in checks', () => {
  it('parse into Σ left ÷ Σ right against 1, products binding tighter than +', () => {
    const check = parseCheck('rust.p99 <= 2 * rust.p50 + floor.p99');
    expect(check).toEqual({
      source: 'rust.p99 <= 2 * rust.p50 + floor.p99',
      terms: [
        { service: 'rust', metric: 'p99', power: 1 },
        { service: 'rust', metric: 'p50', power: 1 },
        { service: 'floor', metric: 'p99', power: 1 },
      ],
      comparator: '<=',
      threshold: 1,
      statistic: 'rust.p99 / (2 * rust.p50 + floor.p99)',
      sums: {
        left: [{ constant: 1, terms: [{ service: 'rust', metric: 'p99', power: 1 }] }],
        right: [
          { constant: 2, terms: [{ service: 'rust', metric: 'p50', power: 1 }] },
          { constant: 1, terms: [{ service: 'floor', metric: 'p99', power: 1 }] },
        ],
      },
    });
    expect(parseCheck('go.p99 / go.p50 + 100 >= 3 * rust.p99').statistic).toBe('(go.p99 / go.p50 + 100) / (3 * rust.p99)');
    expect(parseCheck('go.p99 + rust.p99 >= floor.p99').statistic).toBe('(go.p99 + rust.p99) / floor.p99');
  });
  it('keep the product form when neither side is a sum, with floor terms like any', () => {
    expect(parseCheck('rust.p99 / floor.p99 >= 2')).toEqual({ source: 'rust.p99 / floor.p99 >= 2', terms: [{ service: 'rust', metric: 'p99', power: 1 }, { service: 'floor', metric: 'p99', power: -1 }], comparator: '>=', threshold: 2, statistic: 'rust.p99 / floor.p99' });
    expect(runServicesOf(parseCheck('rust.p99 <= 2 * rust.p50 + floor.p99'))).toEqual(['rust', 'floor']);
  });
});

describe('the floor\'s run of the same round', () => {
  const check = parseCheck('rust.p99 <= 2 * rust.p50 + floor.p99');
  const floorP99 = [100, 150, 50, 400, 100, 100];
  const runs = [
    ...floorP99.map((_, index) => makeRun({ service: 'rust', repetition: index + 1, p50Us: 100, p99Us: 250 })),
    ...floorP99.flatMap((p99Us, index) => (index === 4 ? [] : [makeRun({ service: 'floor', repetition: index + 1, p50Us: 45, p99Us, beside: ['rust', 'go'], valid: index !== 2 })])),
  ];
  it('pairs with the service\'s run per round: Σ left ÷ Σ right of each round', () => {
    const rounds = checkRounds(check, runs, [], 1)!;
    // 250 / (200 + 100), 250 / (200 + 150), 250 / (200 + 400), 250 / (200 + 100).
    expect(rounds.values).toEqual([250 / 300, 250 / 350, 250 / 600, 250 / 300]);
    expect(rounds.rounds).toEqual([1, 2, 4, 6]);
    expect(rounds.unit).toBe('rounds');
    expect(rounds.dropped).toEqual([
      { round: 3, reason: "the floor's run did not count (invalid)" },
      { round: 5, reason: 'no run of the floor' },
    ]);
  });
  it('is the run that stood beside every service of the check; at capacity fractions a check across services has none', () => {
    const beside = (service: string) => makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 100, beside: [service], capacityFraction: 0.8 });
    const round = [beside('python'), beside('rust')];
    expect(floorRunOf(round, ['rust'])).toBe(round[1]);
    expect(floorRunOf(round, ['python', 'rust'])).toBe('the floor ran at a different rate beside each of python, rust (capacity fractions): `floor.` would mix them');
    expect(floorRunOf(round, ['go'])).toBe('no floor run beside go');
    const across = parseCheck('python.p99 >= 2 * rust.p99 + floor.p99');
    const services = [makeRun({ service: 'python', repetition: 1, p50Us: 900, p99Us: 9000 }), makeRun({ service: 'rust', repetition: 1, p50Us: 90, p99Us: 900 })];
    expect(checkRounds(across, [...services, ...round], [], 1)!.dropped).toEqual([{ round: 1, reason: 'the floor ran at a different rate beside each of python, rust (capacity fractions): `floor.` would mix them' }]);
  });
  it('decides like any paired check (sign test for a tail metric)', () => {
    const result = evaluateCheck(check, runs, []);
    expect(result.test).toMatchObject({ method: 'sign', unit: 'rounds', values: [250 / 300, 250 / 350, 250 / 600, 250 / 300], rounds: [1, 2, 4, 6], dropped: 2 });
    expect(result.statistic).toBe('rust.p99 / (2 * rust.p50 + floor.p99)');
    expect(result.threshold).toBe(1);
  });
  it('is measured in every round at the claim\'s point (added rounds too)', () => {
    const claims = resolveClaims({ claims: [{ id: 'net', text: 't', scenario: 'json-open', point: 1, checks: ['rust.p99 <= 2 * rust.p50 + floor.p99'] }, { id: 'plain', text: 't', scenario: 'json-open', checks: ['rust.p99 <= 2 * rust.p50'] }] }, 'claims.yaml', ['json-open']);
    expect([...pointsPairingFloor(claims, 'json-open')]).toEqual([1]);
    expect([...pointsPairingFloor(claims, 'other')]).toEqual([]);
    expect([...pointsPairingFloor(undefined, 'json-open')]).toEqual([]);
  });
});

describe('a latency check\'s note about the floor', () => {
  const rust = (repetition: number) => makeRun({ service: 'rust', repetition, p50Us: 100, p99Us: 250 });
  const floorP99 = [209, 2134, 640, 300, 500, 900, 700, 400];
  const floor = floorP99.map((p99Us, index) => makeRun({ service: 'floor', repetition: index + 1, p50Us: 50, p99Us, beside: ['rust', 'go'] }));
  const runs = [...floorP99.map((_, index) => rust(index + 1)), ...floor];
  it('a tail within the floor\'s: the machine\'s, with the floor\'s own statistic', () => {
    const result = evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), runs, []);
    // The floor's own p99 / p50 per run: 209/50 … median of [4.18, 42.68, 12.8, 6, 10, 18, 14, 8] = 11.4.
    expect(result.note).toContain("floor: rust.p99 / rust.p50 = 2.5, the floor's own floor.p99 / floor.p50 = 11.4 (8 runs beside rust); rust.p99 (250 µs) is within the floor's p99 (209 µs – 2.13 ms over 8 runs): the tail is the machine's");
  });
  it('a tail above the floor\'s: the service\'s own; per service for a check across two', () => {
    const go = floorP99.map((_, index) => makeRun({ service: 'go', repetition: index + 1, p50Us: 100, p99Us: 5000 }));
    const result = evaluateCheck(parseCheck('go.p99 / go.p50 >= 1.5 * rust.p99 / rust.p50'), [...runs, ...go], []);
    expect(result.note).toContain("floor: go.p99 (5.00 ms) is above the floor's p99 (209 µs – 2.13 ms over 8 runs): the tail is go's own; rust.p99 (250 µs) is within the floor's p99 (209 µs – 2.13 ms over 8 runs): the tail is the machine's");
    expect(result.note).not.toContain("the floor's own");
  });
  it('a closed loop: none measured there; the largest floor p99.9 of the run against the service\'s median', () => {
    const gateway = [1, 2, 3].map((repetition) => makeRun({ service: 'rust', repetition, p50Us: 150_000, p99Us: 160_000, scenario: 'gateway', model: 'closed' }));
    // The fixture's p99.9 is 2 × p99: the largest floor p99.9 is 2 × 2,134 µs.
    const result = evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), gateway, [], [], { everyRun: [...gateway, ...floor] });
    expect(result.note).toContain("floor: a closed loop has none (its latency is the service's own queue, connections ÷ throughput); the largest floor p99.9 this run measured, 4.27 ms (json-open at 2,000 req/s), is 2.85 % of rust.p50 (150.0 ms): the machine's pauses cannot make rust's tail");
    expect(evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), gateway, []).note).not.toContain('floor');
  });
  it('says nothing for a check on other metrics, or without a floor run beside the service', () => {
    expect(evaluateCheck(parseCheck('rust.rps >= 100'), runs, []).note).not.toContain('floor');
    expect(evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), runs.filter((run) => run.role === undefined), []).note).not.toContain('floor');
  });
});

describe('the floor is no service', () => {
  const file = (check: string) => ({ claims: [{ id: 'x', text: 't', scenario: 's', checks: [check] }] });
  it.each([
    ['floor.cpuCores <= rust.cpuCores', "Expected `floor.cpuCores` in `claims[0].checks[0]` of claims.yaml (`floor.cpuCores <= rust.cpuCores`) to be one of the platform floor's latency metrics (floor.p50, floor.p90, floor.p99, floor.p999, floor.max, floor.mean)"],
    ['floor.p99 <= 500', 'it refers only to the platform floor'],
    ['rust.p99 <= rust.linesOfCode + floor.p99', 'Cannot add `rust.linesOfCode` in a sum in `claims[0].checks[0]` of claims.yaml (`rust.p99 <= rust.linesOfCode + floor.p99`): a sum (`+`) adds run metrics, paired per round; `linesOfCode` is a build metric (a single measurement). Write that check as a product.'],
  ])('the claims file refuses %j', (check, message) => {
    expect(() => resolveClaims(file(check), 'claims.yaml', ['s'])).toThrow(message);
  });
  it('a service manifest may not be named floor', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-floor-name-'));
    try {
      await mkdir(path.join(dir, 'floor'));
      await writeFile(path.join(dir, 'floor', 'service.yaml'), 'name: floor\nlanguage: go\ndescription: d\nstart: [./x]\nimplements: [json]\n');
      await expect(loadManifests([dir])).rejects.toThrow(/Service name `floor` in .*service\.yaml is reserved: it names the platform floor/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('never stands in for a service: a check on rust reads rust\'s runs only, and the cores table lists services only', () => {
    const runs = [1, 2, 3].flatMap((repetition) => [makeRun({ service: 'rust', repetition, p50Us: 100, p99Us: 250 }), makeRun({ service: 'floor', repetition, p50Us: 10, p99Us: 9000, beside: ['rust'] })]);
    expect(checkRounds(parseCheck('rust.p99 <= 2 * rust.p50'), runs, [], 1)).toEqual({ unit: 'runs', values: [2.5, 2.5, 2.5], rounds: [1, 2, 3], dropped: [] });
    const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 'json-open', checks: ['rust.p99 <= 3 * rust.p50'] }], capacity: [{ scenario: 'json-open', throughputRps: 1000 }] }, 'claims.yaml', ['json-open']);
    const withCpu = runs.map((run) => ({ ...run, measured: { ...run.measured, cpuUsPerRequest: 100 } }));
    expect(estimateCapacity(claims, { runs: withCpu }).map((estimate) => estimate.service)).toEqual(['rust']);
  });
  it('never becomes a gate row: its runs are left out of both sides', () => {
    const side = (service: string) => [1, 2, 3, 4, 5].flatMap((repetition) => [makeRun({ service, repetition, p50Us: 100, p99Us: 900 }), makeRun({ service: 'floor', repetition, p50Us: 45, p99Us: 300, beside: [service] })]);
    const outcome = decideGate(side('go'), side('go'), ['p50', 'p99'], [], planWithStages([5, 10, 20]));
    expect(outcome.rows.map((row) => `${row.service} ${row.metric}`)).toEqual(['go p50', 'go p99']);
    expect(outcome.notes.join(' ')).not.toContain('floor');
  });
});
