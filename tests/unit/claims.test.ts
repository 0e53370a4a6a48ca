import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCheck } from '../../harness/claims/expression.js';
import { combineVerdicts, evaluateCheck, evaluateClaims, estimateCapacity } from '../../harness/claims/evaluate.js';
import { formatCheckValue, formatClaims, formatNumber } from '../../harness/claims/format.js';
import { resolveClaims } from '../../harness/config/claims.js';
import type { BuildRecord } from '../../harness/results/document.js';
import type { RunRecord } from '../../harness/results/document.js';

/** A minimal run record of round `repetition`: only the fields the metrics read. */
function run(service: string, p99Us: number, extra: { valid?: boolean; busy?: boolean; p50Us?: number; cpuUsPerRequest?: number; scenario?: string; repetition?: number } = {}): RunRecord {
  return {
    scenario: extra.scenario ?? 's',
    service,
    rateIndex: 0,
    repetition: extra.repetition ?? 1,
    capacityFraction: undefined,
    validity: { valid: extra.valid ?? true, reasons: [], warnings: extra.busy === true ? [{ code: 'machine-busy', text: 'busy', next: '', concerns: [] }] : [] },
    load: { model: 'closed', connections: 8, achievedRps: 1000, latencyUs: { p99Us, p50Us: extra.p50Us ?? p99Us / 2 }, counts: {} },
    measured: { cpuUsPerRequest: extra.cpuUsPerRequest ?? 100 },
  } as unknown as RunRecord;
}

/** Runs of `service` with these CPU times per request, one per round (1, 2, …). */
const cpuRounds = (service: string, values: readonly number[], extra: { valid?: boolean } = {}): RunRecord[] => values.map((cpuUsPerRequest, index) => run(service, 1000, { ...extra, cpuUsPerRequest, repetition: index + 1 }));

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
    ['a.p99 - b.p99 >= 1', 'unexpected `- b.p99 >= 1`'],
    ['a.p99 >= (b.p99 + 1)', 'unexpected `(b.p99 + 1)`'],
    ['a.p99 >= b.p99 + + 1', 'expected an operand before `+`'],
    ['a.p99 b.p99 >= 1', 'expected * / + or a comparison'],
    ['2.p99 >= 1.5 *', 'the check ends without an operand'],
  ])('rejects %j', (source, message) => {
    expect(() => parseCheck(source)).toThrow(message);
  });
});

describe('claim verdicts on paired rounds', () => {
  const check = parseCheck('python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10');
  // Round i: python 110 + 10 i µs, rust 10 µs: per-round ratios 11 … 18.
  const rounds = [...cpuRounds('python', [110, 120, 130, 140, 150, 160, 170, 180]), ...cpuRounds('rust', Array.from({ length: 8 }, () => 10))];
  it('holds when the claimed side is crossed; the interval (geometric means of round pairs) lies on that side', () => {
    const result = evaluateCheck(check, rounds, []);
    // One look at 8 rounds, 2.5 % a side: P(W₊ ≥ 33) = 5/256 is the largest tail ≤ 2.5 %, so the ends are the 4th Walsh averages from each end.
    expect(result).toMatchObject({ verdict: 'holds', n: 8, runsNeeded: 8 });
    expect(result.low).toBeCloseTo(12, 12);
    expect(result.high).toBeCloseTo(Math.sqrt(16 * 18), 10);
    expect(result.value).toBeGreaterThan(14);
    expect(result.value).toBeLessThan(15);
    expect(result.coverage).toBeCloseTo(1 - 10 / 256, 12);
    expect(result.test).toMatchObject({ method: 'signed-rank', unit: 'rounds', rounds: [1, 2, 3, 4, 5, 6, 7, 8], firstLook: 8, lastLook: 8, levelHolds: 5 / 256, levelRefutes: 5 / 256, decidedAt: 8, pHolds: 1 / 256, pRefutes: 1, design: 'exact' });
    expect(result.note).toBe(
      'signed-rank test on the log ratios of 8 paired rounds (Hodges–Lehmann estimate; assumes they are symmetric about their centre); interval one-sided 2 % at each end: the plan (one look at 8) errs at most 2 % / 2 % each way; decided after 8 rounds',
    );
    expect(formatCheckValue(result)).toBe(`python.cpuUsPerRequest / rust.cpuUsPerRequest = ${formatNumber(result.value)} [12, 17] (claimed >= 10)`);
  });
  it('is refuted when the other side is crossed, inconclusive in between', () => {
    expect(evaluateCheck(parseCheck('python.cpuUsPerRequest / rust.cpuUsPerRequest >= 20'), rounds, [])).toMatchObject({ verdict: 'refuted', test: { pRefutes: 1 / 256 } });
    expect(evaluateCheck(parseCheck('python.cpuUsPerRequest / rust.cpuUsPerRequest <= 20'), rounds, []).verdict).toBe('holds');
    const between = evaluateCheck(parseCheck('python.cpuUsPerRequest / rust.cpuUsPerRequest >= 14'), rounds, []);
    expect(between.verdict).toBe('inconclusive');
    expect(between.low! < 14 && between.high! > 14).toBe(true);
  });
  it('pairs the services within each round, so what a round shares cancels in the ratio', () => {
    // The machine is 1× … 5× slower from round to round, for both services alike.
    const mood = [1, 4, 1.1, 5, 1.05, 3, 1.2, 2];
    const shared = [...cpuRounds('python', mood.map((factor, index) => 105 * factor * (1 + index / 100))), ...cpuRounds('rust', mood.map((factor) => 10 * factor))];
    const result = evaluateCheck(check, shared, []);
    expect(result.verdict).toBe('holds');
    expect(result.low).toBeGreaterThan(10.5);
  });
  it('drops a round lacking a counting run of a service (invalid, or moved by another tenant) and counts it', () => {
    const runs = [
      ...cpuRounds('python', [110, 120, 130, 140, 150, 160, 170, 180, 190]).map((entry) => (entry.repetition === 6 ? run('python', 1000, { cpuUsPerRequest: 160, repetition: 6, busy: true }) : entry)),
      ...cpuRounds('rust', Array.from({ length: 9 }, () => 10)).map((entry) => (entry.repetition === 4 ? { ...entry, validity: { ...entry.validity, valid: false } } : entry)),
    ];
    const result = evaluateCheck(check, runs, []);
    expect(result).toMatchObject({ verdict: 'holds', n: 7, test: { rounds: [1, 2, 3, 5, 7, 8, 9], dropped: 2 } });
    expect(result.note).toContain("2 of 9 rounds dropped (rust's run did not count (invalid); python's run did not count (another tenant moved it))");
  });
  it('decides at the first look that crosses; later rounds, measured for other checks, do not reopen it', () => {
    // Looks at every round from 3 to 15 at one level (0.85 % a side): 7 rounds above cross at round 7.
    const looks = { firstLook: 3, lastLook: 15 };
    const runs = [...cpuRounds('python', [200, 210, 220, 230, 240, 250, 260, 50, 40, 30, 20, 10]), ...cpuRounds('rust', Array.from({ length: 12 }, () => 10))];
    const result = evaluateCheck(check, runs, [], [], { looks });
    expect(result).toMatchObject({ verdict: 'holds', n: 7, test: { decidedAt: 7, firstLook: 3, lastLook: 15 } });
    expect(result.test!.levelHolds).toBeCloseTo(0.008544921875, 15);
    expect(result.note).toContain('decided after 7 rounds (later rounds, measured for other checks, do not reopen it)');
    // The same rounds looked at once, at the end, would not hold.
    expect(evaluateCheck(check, runs, []).verdict).toBe('inconclusive');
    // Before the plan's first look nothing is decided, whatever the values.
    expect(evaluateCheck(check, runs.filter((entry) => entry.repetition <= 2), [], [], { looks }).note).toContain("the plan's first look is at 3 usable rounds");
  });
  it('divides the refute side among a claim\'s checks (Bonferroni), not the holds side', () => {
    const result = evaluateCheck(check, rounds, [], [], { familySize: 3 });
    // 2.5 % ÷ 3 = 0.83 %: at 8 rounds the largest tail within it is P(W ≥ 35) = 2/256.
    expect(result.test).toMatchObject({ familySize: 3, levelHolds: 5 / 256, levelRefutes: 2 / 256 });
    expect(result.test!.errorRefutes).toBeLessThanOrEqual(0.025 / 3);
    expect(result.note).toContain('one-sided 2 % on the claimed side, 0.78 % on the other (3 checks can refute the claim)');
  });
  it('uses the sign test, on per-run values, for a tail metric of one service (p99 / p50 of each run)', () => {
    const runs = [20, 40, 60, 80, 100, 120, 140, 160].map((p99, index) => run('rust', p99, { p50Us: p99 / 1.5, repetition: index + 1 }));
    const result = evaluateCheck(parseCheck('rust.p99 <= 2 * rust.p50'), runs, []);
    expect(result).toMatchObject({ verdict: 'holds', n: 8, test: { method: 'sign', unit: 'runs', levelHolds: 1 / 256, pHolds: 1 / 256 } });
    expect(result.value).toBeCloseTo(1.5, 12);
    expect(result.note).toContain('sign test on 8 runs (median; a tail metric: no symmetry assumed)');
  });
  it('leaves a round whose run lacks a metric out, saying so (a NaN must never reach a test)', () => {
    const lacking = run('rust', 30, { repetition: 3 });
    (lacking.load as { latencyUs: unknown }).latencyUs = { p50Us: 15 };
    const result = evaluateCheck(parseCheck('rust.p99 <= 100'), [...[1, 2, 4, 5, 6, 7].map((repetition) => run('rust', 10, { repetition })), lacking], []);
    // Six runs all below the threshold: the sign test's P = 1/64 ≤ 2.5 %.
    expect(result).toMatchObject({ verdict: 'holds', n: 6 });
    expect(result.value).toBeCloseTo(10, 12);
    expect(result.note).toContain("1 of 7 runs dropped (rust's run lacked p99)");
  });
  it('reports what is not measured', () => {
    expect(evaluateCheck(parseCheck('go.p99 / rust.p99 >= 1'), rounds, [])).toMatchObject({ verdict: 'not-measured', note: 'no usable round: 8 of 8 rounds dropped (no run of go ×8)' });
    expect(evaluateCheck(parseCheck('go.p99 / rust.p99 >= 1'), [], [])).toMatchObject({ verdict: 'not-measured', note: "no run of the check's services at this point" });
  });
  it('compares build metrics as single measurements', () => {
    const builds = [{ service: 'rust', lastClean: { lastStepSeconds: 45 }, lastIncremental: undefined, linesOfCode: { total: 1000 } }] as unknown as BuildRecord[];
    expect(evaluateCheck(parseCheck('rust.cleanBuildSeconds <= 60'), [], builds)).toMatchObject({ verdict: 'holds', value: 45, low: undefined });
    expect(evaluateCheck(parseCheck('rust.cleanBuildSeconds >= 50'), [], builds).verdict).toBe('refuted');
    expect(evaluateCheck(parseCheck('rust.incrementalBuildSeconds <= 20'), [], builds).verdict).toBe('not-measured');
  });
  it('pairs micro-benchmark runs by index, one look at their count', () => {
    const micro = [
      { service: 'python', command: ['bench'], metrics: { hotLoopUs: [10_000, 10_100, 9_900, 10_200, 9_800, 10_050, 9_950] }, cpuList: '0', seconds: 3 },
      { service: 'python-rust', command: ['bench'], metrics: { hotLoopUs: [1_000, 1_010, 990, 1_020, 980, 1_005, 995] }, cpuList: '0', seconds: 3 },
    ];
    const result = evaluateCheck(parseCheck('python.hotLoopUs / python-rust.hotLoopUs >= 50'), [], [], micro);
    // Every pair is exactly 10×: refuted at one look of 7 (P(W₋ ≥ 28) = 1/128 ≤ 3/128).
    expect(result).toMatchObject({ verdict: 'refuted', n: 7, test: { unit: 'micro', levelRefutes: 3 / 128 } });
    expect(result.value).toBeCloseTo(10, 12);
    expect(result.note).toContain('micro-benchmark runs paired by index');
    expect(evaluateCheck(parseCheck('python.hotLoopUs / python-rust.hotLoopUs >= 50'), [], [], [])).toMatchObject({ verdict: 'not-measured' });
    expect(() => resolveClaims({ claims: [{ id: 'd', text: 't', checks: ['python.hotLoopUs >= 1'] }] }, 'c.yaml', [])).toThrow('Unknown metric `hotLoopUs`');
    expect(resolveClaims({ claims: [{ id: 'd', text: 't', checks: ['python.hotLoopUs >= 1'] }] }, 'c.yaml', [], new Set(['hotLoopUs'])).claims).toHaveLength(1);
  });
  it('shows an upper end the test cannot bound at its level as ∞, in memory and read back from JSON (null)', () => {
    // 3 rounds: no look can reject at 2.5 % (1/8), so neither end is bounded: [0, ∞].
    const three = evaluateCheck(check, rounds.filter((entry) => entry.repetition <= 3), []);
    expect([three.low, three.high]).toEqual([0, Number.POSITIVE_INFINITY]);
    expect(formatCheckValue(three)).toContain('[0, ∞] (claimed >= 10)');
    const readBack = JSON.parse(JSON.stringify(three)) as typeof three;
    expect(readBack.high).toBeNull();
    expect(formatCheckValue(readBack)).toContain('[0, ∞]');
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
    const runs = [...[103, 105, 110, 112, 115, 118, 120].map((p99, index) => run('python', p99, { cpuUsPerRequest: 2000, repetition: index + 1 })), ...Array.from({ length: 7 }, (_, index) => run('rust', 10, { repetition: index + 1 }))];
    const [result] = evaluateClaims(claims, { runs, builds: [] });
    expect(result).toMatchObject({ id: 'x', verdict: 'holds', point: 0, load: 'closed loop, 8 connections' });
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
