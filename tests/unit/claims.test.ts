import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCheck } from '../../harness/claims/expression.js';
import { combineVerdicts, evaluateCheck, evaluateClaims, estimateCapacity } from '../../harness/claims/evaluate.js';
import { formatCheckValue } from '../../harness/claims/format.js';
import { resolveClaims } from '../../harness/config/claims.js';
import type { BuildRecord } from '../../harness/build/build.js';
import type { RunRecord } from '../../harness/run/results.js';

/** A minimal run record: only the fields the metrics read. */
function run(service: string, p99Us: number, extra: { valid?: boolean; p50Us?: number; cpuUsPerRequest?: number; scenario?: string } = {}): RunRecord {
  return {
    scenario: extra.scenario ?? 's',
    service,
    rateIndex: 0,
    repetition: 1,
    capacityFraction: undefined,
    validity: { valid: extra.valid ?? true, reasons: [], warnings: [] },
    load: { model: 'closed', connections: 8, achievedRps: 1000, latencyUs: { p99Us, p50Us: extra.p50Us ?? p99Us / 2 }, counts: {} },
    measured: { cpuUsPerRequest: extra.cpuUsPerRequest ?? 100 },
  } as unknown as RunRecord;
}

describe('check expressions', () => {
  it('normalises a ratio check', () => {
    expect(parseCheck('python.p99 / rust.p99 >= 10')).toEqual({
      source: 'python.p99 / rust.p99 >= 10',
      terms: [
        { service: 'python', metric: 'p99', power: 1 },
        { service: 'rust', metric: 'p99', power: -1 },
      ],
      comparator: '>=',
      threshold: 10,
      statistic: 'python.p99 / rust.p99',
    });
  });
  it('moves metrics left and constants right', () => {
    const check = parseCheck('rust.cpuCores <= 0.1 * python.cpuCores');
    expect(check.statistic).toBe('rust.cpuCores / python.cpuCores');
    expect(check.threshold).toBeCloseTo(0.1, 12);
    expect(parseCheck('2 * go.p99 > python-rust.p99').threshold).toBe(0.5);
    expect(parseCheck('go.p99 / go.p50 >= 1.5 * rust.p99 / rust.p50').statistic).toBe('go.p99 * rust.p50 / go.p50 / rust.p99');
  });
  it.each([
    ['python.p99 >=', 'the check ends without an operand'],
    ['python.p99', 'expected a comparison'],
    ['a.p99 >= 0', 'constants must be positive'],
    ['a.p99 >= b.p99 >= c.p99', 'only one comparison'],
    ['10 >= 5', 'at least one service.metric'],
    ['a.p99 >= b.p99 + 1', 'unexpected `+ 1`'],
    ['a.p99 b.p99 >= 1', 'expected * / or a comparison'],
  ])('rejects %j', (source, message) => {
    expect(() => parseCheck(source)).toThrow(message);
  });
});

describe('claim verdicts', () => {
  const python = [run('python', 100), run('python', 110), run('python', 120)];
  const rust = [run('rust', 10), run('rust', 10), run('rust', 10)];
  const runs = [...python, ...rust, run('rust', 1, { valid: false })];
  it('holds when the whole interval is on the claimed side', () => {
    const result = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 10'), runs, [], 1);
    expect(result).toMatchObject({ verdict: 'holds', value: 11, low: 10, high: 12, n: 3 });
    expect(formatCheckValue(result)).toBe('python.p99 / rust.p99 = 11 [10, 12] (claimed >= 10)');
  });
  it('is refuted when the whole interval is on the other side, inconclusive when it straddles', () => {
    expect(evaluateCheck(parseCheck('python.p99 / rust.p99 >= 28'), runs, [], 1).verdict).toBe('refuted');
    expect(evaluateCheck(parseCheck('python.p99 / rust.p99 >= 11'), runs, [], 1).verdict).toBe('inconclusive');
    expect(evaluateCheck(parseCheck('python.p99 / rust.p99 < 12.5'), runs, [], 1).verdict).toBe('holds');
  });
  it('ignores invalid runs and needs three valid runs per service', () => {
    const thin = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 1'), [...python, run('rust', 10), run('rust', 10, { valid: false })], [], 1);
    expect(thin.verdict).toBe('inconclusive');
    expect(thin.note).toContain('only 1 valid run');
  });
  it('pairs metrics of one service within its runs (a shared resample keeps p99/p50 = 2 exactly)', () => {
    const paired = [run('rust', 20, { p50Us: 10 }), run('rust', 40, { p50Us: 20 }), run('rust', 60, { p50Us: 30 })];
    expect(evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), paired, [], 1)).toMatchObject({ verdict: 'holds', value: 2, low: 2, high: 2 });
  });
  it('reports what is not measured', () => {
    expect(evaluateCheck(parseCheck('go.p99 / rust.p99 >= 1'), runs, [], 1)).toMatchObject({ verdict: 'not-measured', note: 'no valid run of go at this point' });
  });
  it('compares build metrics as single measurements', () => {
    const builds = [{ service: 'rust', lastClean: { lastStepSeconds: 45 }, lastIncremental: undefined, linesOfCode: { total: 1000 } }] as unknown as BuildRecord[];
    expect(evaluateCheck(parseCheck('rust.cleanBuildSeconds <= 60'), [], builds, 1)).toMatchObject({ verdict: 'holds', value: 45, low: undefined });
    expect(evaluateCheck(parseCheck('rust.cleanBuildSeconds >= 50'), [], builds, 1).verdict).toBe('refuted');
    expect(evaluateCheck(parseCheck('rust.incrementalBuildSeconds <= 20'), [], builds, 1).verdict).toBe('not-measured');
  });
  it('combines checks', () => {
    expect(combineVerdicts(['holds', 'holds'])).toBe('holds');
    expect(combineVerdicts(['holds', 'inconclusive'])).toBe('inconclusive');
    expect(combineVerdicts(['inconclusive', 'refuted'])).toBe('refuted');
    expect(combineVerdicts(['holds', 'not-measured'])).toBe('not-measured');
  });
});

describe('claims files', () => {
  const file = { claims: [{ id: 'x', text: 't', scenario: 's', checks: ['python.p99 / rust.p99 >= 10'] }], capacity: [{ scenario: 's', throughputRps: 1000 }] };
  it('resolves checks and evaluates claims and capacity', () => {
    const claims = resolveClaims(file, 'claims.yaml', ['s']);
    const runs = [run('python', 100, { cpuUsPerRequest: 2000 }), run('python', 110, { cpuUsPerRequest: 2000 }), run('python', 120, { cpuUsPerRequest: 2000 }), run('rust', 10), run('rust', 10), run('rust', 10)];
    const [result] = evaluateClaims(claims, { runs, builds: [] });
    expect(result).toMatchObject({ id: 'x', verdict: 'holds', load: 'closed loop, 8 connections' });
    const capacity = estimateCapacity(claims, { runs });
    // 1000 req/s × 2000 µs = 2 cores; 1000 × 100 µs = 0.1 cores.
    expect(capacity.map((row) => [row.service, row.coresNeeded.value])).toEqual([
      ['python', 2],
      ['rust', 0.1],
    ]);
  });
  it.each([
    [{ ...file, claims: [{ ...file.claims[0], checks: ['python.p99 >='] }] }, 'Cannot read `claims[0].checks[0]` in claims.yaml (`python.p99 >=`): the check ends without an operand.'],
    [{ ...file, claims: [{ ...file.claims[0], checks: ['python.latency >= 1'] }] }, 'Unknown metric `latency` in `claims[0].checks[0]` of claims.yaml.'],
    [{ ...file, claims: [{ ...file.claims[0], scenario: 'nope' }] }, 'Expected `claims[0].scenario` in claims.yaml to be one of s, got `nope`.'],
    [{ ...file, claims: [file.claims[0], file.claims[0]] }, 'Claim id `x` is used twice'],
    [{ ...file, claims: [] }, '`claims`'],
    [{ ...file, claim: [] }, 'Unknown key `claim`'],
    [{ ...file, capacity: [{ scenario: 's', throughputRps: 0 }] }, '`capacity[0].throughputRps`'],
    [{ claims: [{ id: 'x', text: 't', checks: ['a.p99 >= 1'] }] }, 'names no `scenario`'],
  ])('rejects bad claims file %#', (data, message) => {
    expect(() => resolveClaims(data, 'claims.yaml', ['s'])).toThrow(message);
  });
  it('accepts a bare list at the top level as the claims (the short form)', () => {
    const bare = [{ id: 'a-cpu-bound', text: 'Python 40 cores -> Rust 4 cores', scenario: 's', point: 1, checks: ['python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10'] }];
    const claims = resolveClaims(bare, 'claims.yaml', ['s']);
    expect(claims.claims.map((claim) => [claim.id, claim.point, claim.checks[0]!.source])).toEqual([['a-cpu-bound', 1, 'python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10']]);
    expect(claims.capacity).toEqual([]);
    expect(resolveClaims({ claims: bare }, 'claims.yaml', ['s']).claims).toEqual(claims.claims);
  });
  it.each([
    ['a string', 'claims', 'Expected the top level of claims.yaml to be a mapping with `claims:` (a list of claims) and optionally `capacity:`, or a bare list of claims, got `"claims"` (string). Start the file with `claims:`'],
    ['an empty file', null, 'got `null`. Start the file with `claims:`'],
    ['a single claim', { id: 'x', text: 't', checks: ['a.p99 >= 1'] }, 'got a single claim (a mapping with `checks`). Put it in a list under `claims:`'],
    ['a mapping without claims', { capacity: [] }, 'Missing `claims` in claims.yaml: expected a list. Put the list of claims under `claims:`'],
    ['claims that are not a list', { claims: { id: 'x' } }, 'Expected `claims` in claims.yaml to be a list, got `{"id":"x"}` (object). Put the list of claims under `claims:`'],
  ])('says what to do for a wrong top level: %s', (_label, data, message) => {
    expect(() => resolveClaims(data, 'claims.yaml', ['s'])).toThrow(message);
  });
});

describe('the README claims example', () => {
  it('is accepted as written', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## Claims[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const claims = resolveClaims(parse(block!), 'README.md', ['process-sweep']);
    expect(claims.claims.map((claim) => claim.id)).toEqual(['a-cpu-bound']);
    expect(claims.capacity).toEqual([{ scenario: 'process-sweep', point: 1, throughputRps: 10000 }]);
  });
  it('reads the literal bare-list form too', () => {
    const text = ['- id: e-compile-times', '  text: "30-60 s clean"', '  checks:', '    - rust.cleanBuildSeconds <= 60', ''].join('\n');
    expect(resolveClaims(parse(text), 'mine.yaml', []).claims.map((claim) => claim.id)).toEqual(['e-compile-times']);
  });
});
