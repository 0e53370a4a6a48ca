import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCheck } from '../../harness/claims/expression.js';
import { combineVerdicts, evaluateCheck, evaluateClaims, estimateCapacity } from '../../harness/claims/evaluate.js';
import { formatCheckValue, formatClaims } from '../../harness/claims/format.js';
import { resolveClaims } from '../../harness/config/claims.js';
import type { BuildRecord } from '../../harness/results/document.js';
import type { RunRecord } from '../../harness/results/document.js';

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
  it('reads service names that start with a digit, and numbers next to them', () => {
    expect(parseCheck('2fa.p99 / rust.p99 >= 1').terms).toEqual([
      { service: '2fa', metric: 'p99', power: 1 },
      { service: 'rust', metric: 'p99', power: -1 },
    ]);
    expect(parseCheck('rust.p99 <= 2.5 * 2fa.p50')).toMatchObject({ statistic: 'rust.p99 / 2fa.p50', threshold: 2.5 });
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
    ['2.p99 >= 1.5 *', 'the check ends without an operand'],
  ])('rejects %j', (source, message) => {
    expect(() => parseCheck(source)).toThrow(message);
  });
});

describe('claim verdicts', () => {
  // 7 valid runs a service: [min, max] covers each median with 98.4 %, a ratio of two with >= 96.9 %.
  const python = [100, 105, 110, 112, 115, 118, 120].map((p99) => run('python', p99));
  const rust = Array.from({ length: 7 }, () => run('rust', 10));
  const runs = [...python, ...rust, run('rust', 1, { valid: false })];
  it('holds when the whole interval is on the claimed side, and states its coverage', () => {
    const result = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 10'), runs, []);
    expect(result).toMatchObject({ verdict: 'holds', low: 10, high: 12, n: 7, runsNeeded: 7 });
    expect(result.value).toBeCloseTo(11.2, 12);
    expect(result.coverage).toBeCloseTo((1 - 2 / 128) ** 2, 12);
    expect(result.note).toBe('96.9 % coverage from 7 valid runs (the fewest of any service)');
    expect(formatCheckValue(result)).toBe('python.p99 / rust.p99 = 11.2 [10, 12] (claimed >= 10)');
    // One valid run (--quick): no "[11.2, 11.2]" beside "0 % coverage".
    expect(formatCheckValue({ ...result, n: 1, low: 11.2, high: 11.2 })).toBe('python.p99 / rust.p99 = 11.2 (claimed >= 10)');
  });
  it('is refuted when the whole interval is on the other side, inconclusive when it straddles', () => {
    expect(evaluateCheck(parseCheck('python.p99 / rust.p99 >= 28'), runs, []).verdict).toBe('refuted');
    const straddles = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 11'), runs, []);
    expect(straddles.verdict).toBe('inconclusive');
    expect(straddles.note).toContain('the interval straddles the threshold');
    expect(evaluateCheck(parseCheck('python.p99 / rust.p99 < 12.5'), runs, []).verdict).toBe('holds');
  });
  it('ignores invalid runs, and is inconclusive below 95 % coverage, saying how many runs would do', () => {
    const thin = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 1'), [...python.slice(0, 3), run('rust', 10), run('rust', 10), run('rust', 10), run('rust', 10, { valid: false })], []);
    expect(thin.verdict).toBe('inconclusive');
    // 3 runs each: 75 % per median, 56.3 % for their ratio — never "95 %".
    expect(thin.coverage).toBeCloseTo(0.5625, 12);
    expect(thin.note).toBe('56.3 % coverage from 3 valid runs (the fewest of any service); below 95 %: 7 valid runs per service give ≥ 95 %');
    const one = evaluateCheck(parseCheck('rust.p99 <= 20'), Array.from({ length: 5 }, () => run('rust', 10)), []);
    expect(one).toMatchObject({ verdict: 'inconclusive', runsNeeded: 6 });
    expect(one.note).toBe('93.8 % coverage from 5 valid runs; below 95 %: 6 valid runs per service give ≥ 95 %');
  });
  it('pairs metrics of one service within its runs (p99/p50 of each run)', () => {
    const paired = [20, 40, 60, 80, 100, 120].map((p99) => run('rust', p99, { p50Us: p99 / 2 }));
    expect(evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), paired, [])).toMatchObject({ verdict: 'holds', value: 2, low: 2, high: 2, n: 6 });
  });
  it('leaves a run lacking a metric out of that median and says so (a NaN must never reach a median)', () => {
    const lacking = run('rust', 30);
    (lacking.load as { latencyUs: unknown }).latencyUs = { p50Us: 15 };
    const result = evaluateCheck(parseCheck('rust.p99 <= 100'), [...[10, 10, 10, 10, 10, 10].map((p99) => run('rust', p99)), lacking], []);
    expect(result).toMatchObject({ verdict: 'holds', value: 10, n: 6 });
    expect(result.note).toContain('1 of 7 valid runs of rust lacked p99');
  });
  it('reports what is not measured', () => {
    expect(evaluateCheck(parseCheck('go.p99 / rust.p99 >= 1'), runs, [])).toMatchObject({ verdict: 'not-measured', note: 'no valid run of go at this point' });
  });
  it('compares build metrics as single measurements', () => {
    const builds = [{ service: 'rust', lastClean: { lastStepSeconds: 45 }, lastIncremental: undefined, linesOfCode: { total: 1000 } }] as unknown as BuildRecord[];
    expect(evaluateCheck(parseCheck('rust.cleanBuildSeconds <= 60'), [], builds)).toMatchObject({ verdict: 'holds', value: 45, low: undefined });
    expect(evaluateCheck(parseCheck('rust.cleanBuildSeconds >= 50'), [], builds).verdict).toBe('refuted');
    expect(evaluateCheck(parseCheck('rust.incrementalBuildSeconds <= 20'), [], builds).verdict).toBe('not-measured');
  });
  it('reads micro-benchmark metrics as factors of their own, each run one value', () => {
    const micro = [
      { service: 'python', command: ['bench'], metrics: { hotLoopUs: [10_000, 10_100, 9_900, 10_200, 9_800, 10_050, 9_950] }, cpuList: '0', seconds: 3 },
      { service: 'python-rust', command: ['bench'], metrics: { hotLoopUs: [1_000, 1_010, 990, 1_020, 980, 1_005, 995] }, cpuList: '0', seconds: 3 },
    ];
    const result = evaluateCheck(parseCheck('python.hotLoopUs / python-rust.hotLoopUs >= 50'), [], [], micro);
    expect(result).toMatchObject({ verdict: 'refuted', value: 10, n: 7 });
    expect(result.low).toBeCloseTo(9_800 / 1_020, 12);
    expect(result.high).toBeCloseTo(10_200 / 980, 12);
    expect(evaluateCheck(parseCheck('python.hotLoopUs / python-rust.hotLoopUs >= 50'), [], [], [])).toMatchObject({ verdict: 'not-measured' });
    expect(() => resolveClaims({ claims: [{ id: 'd', text: 't', checks: ['python.hotLoopUs >= 1'] }] }, 'c.yaml', [])).toThrow('Unknown metric `hotLoopUs`');
    expect(resolveClaims({ claims: [{ id: 'd', text: 't', checks: ['python.hotLoopUs >= 1'] }] }, 'c.yaml', [], new Set(['hotLoopUs'])).claims).toHaveLength(1);
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
    const runs = [...[100, 105, 110, 112, 115, 118, 120].map((p99) => run('python', p99, { cpuUsPerRequest: 2000 })), ...Array.from({ length: 7 }, () => run('rust', 10))];
    const [result] = evaluateClaims(claims, { runs, builds: [] });
    expect(result).toMatchObject({ id: 'x', verdict: 'holds', load: 'closed loop, 8 connections' });
    const capacity = estimateCapacity(claims, { runs });
    // 1000 req/s × 2000 µs = 2 cores; 1000 × 100 µs = 0.1 cores.
    expect(capacity.map((row) => [row.service, row.coresNeeded.value])).toEqual([
      ['python', 2],
      ['rust', 0.1],
    ]);
    // One valid run has no interval: the console says so instead of printing [x, x].
    const single = estimateCapacity(claims, { runs: [run('python', 100, { cpuUsPerRequest: 2000 }), ...runs.filter((r) => r.service === 'rust')] });
    const lines = formatClaims([], single).split('\n');
    expect(lines.find((line) => line.includes('python'))).toContain('2 cores (n=1: no interval) for 1,000 req/s');
    expect(lines.find((line) => line.includes('rust'))).toContain('0.1 cores [0.1, 0.1] n=7 for 1,000 req/s');
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
