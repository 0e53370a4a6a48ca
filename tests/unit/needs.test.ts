import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../harness/claims/evaluate.js';
import { parseCheck } from '../../harness/claims/expression.js';
import { explainRepetitions, pointsBelowCoverage, runsStillNeeded, runsToDecide } from '../../harness/claims/needs.js';
import { resolveClaims } from '../../harness/config/claims.js';
import type { RunRecord } from '../../harness/results/document.js';

function run(service: string, p99Us: number, valid = true): RunRecord {
  return {
    scenario: 's',
    service,
    rateIndex: 0,
    repetition: 1,
    validity: { valid, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
    load: { latencyUs: { p99Us }, counts: {} },
    measured: {},
  } as unknown as RunRecord;
}
const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['python.p99 / rust.p99 >= 10'] }] }, 'claims.yaml', ['s']);

describe('adaptive repetitions', () => {
  it('asks for runs of the services whose check lacks coverage, then of both while it straddles, then none', () => {
    const three = [...[100, 110, 120].map((p99) => run('python', p99)), ...[10, 10, 10].map((p99) => run('rust', p99))];
    expect(runsStillNeeded(claims, { runs: three, builds: [] }, 's').map((need) => need.service)).toEqual(['python', 'rust']);
    expect(runsStillNeeded(claims, { runs: three, builds: [] }, 's')[0]!.because).toBe('x: `python.p99 / rust.p99 >= 10` needs 7 valid runs a service for 95 % coverage');
    // 7 each, but python spans the threshold: both are asked again.
    const straddling = [...[80, 90, 100, 110, 120, 130, 140].map((p99) => run('python', p99)), ...Array.from({ length: 7 }, () => run('rust', 10))];
    expect(runsStillNeeded(claims, { runs: straddling, builds: [] }, 's').map((need) => [need.service, need.because])).toEqual([
      ['python', 'x: `python.p99 / rust.p99 >= 10` straddles its threshold'],
      ['rust', 'x: `python.p99 / rust.p99 >= 10` straddles its threshold'],
    ]);
    const decided = [...[100, 105, 110, 112, 115, 118, 120].map((p99) => run('python', p99)), ...Array.from({ length: 7 }, () => run('rust', 10))];
    expect(runsStillNeeded(claims, { runs: decided, builds: [] }, 's')).toEqual([]);
    expect(runsStillNeeded(claims, { runs: decided, builds: [] }, 'other')).toEqual([]);
  });
  it('asks for the claim\'s own load point only', () => {
    const atPoint = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', point: 1, checks: ['python.p99 / rust.p99 >= 10'] }] }, 'claims.yaml', ['s']);
    const runs = [...[100, 110, 120].map((p99) => ({ ...run('python', p99), rateIndex: 1 })), ...[10, 10, 10].map((p99) => ({ ...run('rust', p99), rateIndex: 1 }))];
    expect(runsStillNeeded(atPoint, { runs, builds: [] }, 's').map((need) => [need.service, need.point])).toEqual([
      ['python', 1],
      ['rust', 1],
    ]);
  });
  it('asks nothing more for a claim one of its checks already refutes (no run can save it), and says so in its open checks', () => {
    const two = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['python.p99 / rust.p99 >= 10', 'python.p99 / rust.p99 >= 100'] }] }, 'claims.yaml', ['s']);
    // 7 each: python/rust = 11 [8, 14]: the first straddles 10, the second is wholly below 100.
    const runs = [...[80, 90, 100, 110, 120, 130, 140].map((p99) => run('python', p99)), ...Array.from({ length: 7 }, () => run('rust', 10))];
    const checks = two.claims[0]!.checks.map((check) => evaluateCheck(check, runs, []));
    expect(checks.map((check) => check.verdict)).toEqual(['inconclusive', 'refuted']);
    expect(runsStillNeeded(two, { runs, builds: [] }, 's')).toEqual([]);
    const [explained] = explainRepetitions([{ id: 'x', text: 't', source: undefined, scenario: 's', load: undefined, verdict: 'refuted', checks }], [{ scenario: 's', repetitions: 7, seconds: 42, stopped: 'not-needed' }]);
    expect(explained!.checks[0]!.note).toContain('not repeated further: another check already refutes the claim');
  });
  it('--until-decided asks for 6 valid runs at every point, counting only valid ones', () => {
    const runs = [...Array.from({ length: 6 }, () => run('go', 1)), ...Array.from({ length: 5 }, () => run('rust', 1)), run('rust', 1, false)];
    expect(pointsBelowCoverage({ runs }, 's').map((need) => [need.service, need.point])).toEqual([['rust', 0]]);
  });
  it('estimates the runs that would decide a straddling check, and says when none would', () => {
    const straddling = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 10'), [...[80, 90, 100, 110, 120, 130, 140].map((p99) => run('python', p99)), ...Array.from({ length: 7 }, () => run('rust', 10))], []);
    // Median 11, interval [8, 14]: log half-width ln(11/8) = 0.319 against ln(11/10) = 0.095 from the threshold: 7 × (0.319/0.095)² = 78.2.
    expect(runsToDecide(straddling)).toBe(79);
    expect(runsToDecide({ ...straddling, value: 10 })).toBeUndefined();
  });
  it('says in each check how its repetitions ended', () => {
    const runs = [...[80, 90, 100, 110, 120, 130, 140].map((p99) => run('python', p99)), ...Array.from({ length: 7 }, () => run('rust', 10))];
    const check = evaluateCheck(parseCheck('python.p99 / rust.p99 >= 10'), runs, []);
    const result = { id: 'x', text: 't', source: undefined, scenario: 's', load: undefined, verdict: check.verdict, checks: [check] };
    const [budget] = explainRepetitions([result], [{ scenario: 's', repetitions: 7, seconds: 42, stopped: 'budget' }]);
    expect(budget!.checks[0]!.note).toContain('undecided after 7 runs (time budget: --max-minutes): about 79 valid runs a service would decide it if the spread stays the same');
    // An estimate a hair from its threshold (rust.p99 / rust.p50 = 2.06 against <= 2 on alloc-soak): no count to quote.
    const near = { ...result, checks: [{ ...check, value: 10.05 }] };
    expect(explainRepetitions([near], [{ scenario: 's', repetitions: 7, seconds: 42, stopped: 'budget' }])[0]!.checks[0]!.note).toContain('the estimate (10.1) sits within 0.5 % of the threshold; more than 1,000 valid runs a service would be needed');
    const held = { ...result, verdict: 'holds' as const, checks: [{ ...check, verdict: 'holds' as const }] };
    expect(explainRepetitions([held], [{ scenario: 's', repetitions: 7, seconds: 42, stopped: 'decided' }])[0]!.checks[0]!.note).toContain('decided after 7 valid runs a service (42 s of measuring s)');
  });
});
