import { describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../harness/claims/evaluate.js';
import { parseCheck } from '../../harness/claims/expression.js';
import { explainRepetitions, pointsBelowCoverage, runsStillNeeded } from '../../harness/claims/needs.js';
import { claimsPlan } from '../../harness/claims/plan.js';
import { describeProjection, projectDecision } from '../../harness/claims/projection.js';
import { evaluateCheck } from '../../harness/claims/evaluate.js';
import { resolveClaims } from '../../harness/config/claims.js';
import type { RunRecord } from '../../harness/results/document.js';

function run(service: string, cpuUsPerRequest: number, repetition: number, extra: { valid?: boolean; rateIndex?: number } = {}): RunRecord {
  return {
    scenario: 's',
    service,
    rateIndex: extra.rateIndex ?? 0,
    repetition,
    validity: { valid: extra.valid ?? true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
    load: { latencyUs: { p99Us: 1000 }, counts: {} },
    measured: { cpuUsPerRequest },
  } as unknown as RunRecord;
}
/** Round i of python and rust with these CPU times per request. */
const rounds = (python: readonly number[], rust: number | readonly number[] = 10, rateIndex = 0): RunRecord[] =>
  python.flatMap((value, index) => [run('python', value, index + 1, { rateIndex }), run('rust', typeof rust === 'number' ? rust : rust[index]!, index + 1, { rateIndex })]);
const claims = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10'] }] }, 'claims.yaml', ['s']);
/** Looks after every round from the scenario's 3 repetitions to 15. */
const plan = claimsPlan({ scenarios: [{ name: 's', repetitions: 3 }], maxRepetitions: 15 });

describe('the claims plan', () => {
  it('looks at every round from the scenario\'s repetitions to --max-repetitions, or once without added rounds', () => {
    expect(plan).toEqual({ alphaPerSide: 0.025, looks: [{ scenario: 's', firstLook: 3, lastLook: 15 }] });
    expect(claimsPlan({ scenarios: [{ name: 's', repetitions: 3 }], maxRepetitions: undefined })).toEqual({ alphaPerSide: 0.025, looks: [] });
  });
});

describe('adaptive repetitions', () => {
  it('asks for a round of every service of an undecided check, and nothing once it is decided', () => {
    expect(runsStillNeeded(claims, { runs: rounds([150, 160, 170]), builds: [] }, 's', plan).map((need) => [need.service, need.because])).toEqual([
      ['python', 'x: `python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10` is undecided after 3 usable rounds'],
      ['rust', 'x: `python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10` is undecided after 3 usable rounds'],
    ]);
    // Seven rounds all above 10×: the look after round 7 crosses (P = 1/128 ≤ 0.85 %).
    expect(runsStillNeeded(claims, { runs: rounds([150, 160, 170, 150, 160, 170, 180]), builds: [] }, 's', plan)).toEqual([]);
    expect(runsStillNeeded(claims, { runs: rounds([150, 160, 170]), builds: [] }, 'other', plan)).toEqual([]);
  });
  it('asks for another round when every round so far was dropped (runs that do not count), but not for a service never measured there', () => {
    const dropped = [run('python', 150, 1, { valid: false }), run('rust', 10, 1), run('python', 160, 2, { valid: false }), run('rust', 10, 2)];
    expect(evaluateClaims(claims, { runs: dropped, builds: [] }, plan)[0]!.verdict).toBe('not-measured');
    expect(runsStillNeeded(claims, { runs: dropped, builds: [] }, 's', plan).map((need) => [need.service, need.because])).toEqual([
      ['python', 'x: `python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10` has no usable round yet'],
      ['rust', 'x: `python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10` has no usable round yet'],
    ]);
    expect(runsStillNeeded(claims, { runs: [run('rust', 10, 1)], builds: [] }, 's', plan)).toEqual([]);
  });
  it('asks for the claim\'s own load point only', () => {
    const atPoint = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', point: 1, checks: ['python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10'] }] }, 'claims.yaml', ['s']);
    expect(runsStillNeeded(atPoint, { runs: rounds([150, 160, 170], 10, 1), builds: [] }, 's', plan).map((need) => [need.service, need.point])).toEqual([
      ['python', 1],
      ['rust', 1],
    ]);
  });
  it('asks nothing more for a claim one of its checks already refutes (no round can save it), and says so in its open checks', () => {
    const two = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10', 'python.cpuUsPerRequest / rust.cpuUsPerRequest >= 100'] }] }, 'claims.yaml', ['s']);
    // 8 rounds around 11×: the first check undecided, the second refuted (all 8 far below 100: P = 1/256 within 2.5 % ÷ 2).
    const runs = rounds([80, 140, 100, 120, 90, 130, 110, 115]);
    const results = evaluateClaims(two, { runs, builds: [] }, plan);
    expect(results[0]!.checks.map((check) => check.verdict)).toEqual(['inconclusive', 'refuted']);
    expect(runsStillNeeded(two, { runs, builds: [] }, 's', plan)).toEqual([]);
    const [explained] = explainRepetitions(results, [{ scenario: 's', repetitions: 8, seconds: 42, stopped: 'not-needed' }]);
    expect(explained!.checks[0]!.note).toContain('not repeated further: another check already refutes the claim');
  });
  it('--until-decided asks for 6 valid runs at every point, counting only valid ones', () => {
    const runs = [...Array.from({ length: 6 }, (_, index) => run('go', 1, index + 1)), ...Array.from({ length: 5 }, (_, index) => run('rust', 1, index + 1)), run('rust', 1, 6, { valid: false })];
    expect(pointsBelowCoverage({ runs }, 's').map((need) => [need.service, need.point])).toEqual([['rust', 0]]);
  });
});

describe('how the rounds ended, and what a decision would take (from the plan)', { timeout: 60_000 }, () => {
  const check = parseCheck('python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10');
  const result = (python: readonly number[]): ReturnType<typeof evaluateCheck> => evaluateCheck(check, rounds(python), [], [], { looks: { firstLook: 3, lastLook: 15 } });
  const claim = (checked: ReturnType<typeof evaluateCheck>) => ({ id: 'x', text: 't', source: undefined, scenario: 's', load: undefined, verdict: checked.verdict, checks: [checked] });
  it('says a decided check was decided, after how many rounds and seconds', () => {
    const decided = result([150, 160, 170, 150, 160, 170, 180]);
    expect(explainRepetitions([claim(decided)], [{ scenario: 's', repetitions: 7, seconds: 42, stopped: 'decided' }])[0]!.checks[0]!.note).toMatch(/decided after 7 rounds; 42 s of measuring s$/);
  });
  it('stopped by the budget: how often the plan\'s remaining looks would decide, resampling the rounds seen', () => {
    // 9 rounds around 11×, two below 10×: most continuations hold before round 15.
    const budget = result([120, 95, 115, 105, 90, 118, 112, 108, 125]);
    expect(budget.verdict).toBe('inconclusive');
    const projection = projectDecision(budget)!;
    expect(projection.remaining).toMatchObject({ lastLook: 15, refuted: 0 });
    expect(projection.remaining!.holds).toBeGreaterThan(0.5);
    const note = explainRepetitions([claim(budget)], [{ scenario: 's', repetitions: 9, seconds: 42, stopped: 'budget' }])[0]!.checks[0]!.note!;
    expect(note).toContain(`undecided after 9 usable rounds (time budget: --max-minutes); resampling its 9 rounds 200 times, the plan's remaining looks (to 15 rounds) would hold in ${Math.floor(projection.remaining!.holds * 100)} % of them`);
    // Seeded: the same rounds give the same sentence.
    expect(describeProjection(budget, projectDecision(budget)!)).toBe(describeProjection(budget, projection));
  });
  it('at the plan\'s last look: the shortest longer plan that would decide half of the continuations', () => {
    // 15 rounds straddling 10× (about 10.6×): the plan of 15 is spent.
    const spread = [140, 80, 120, 95, 130, 85, 110, 100, 125, 90, 115, 105, 135, 88, 112];
    const spent = result(spread);
    expect(spent).toMatchObject({ verdict: 'inconclusive', n: 15 });
    const projection = projectDecision(spent)!;
    expect(projection.remaining).toBeUndefined();
    expect(projection.longer!.lastLook).toBeGreaterThan(15);
    const note = explainRepetitions([claim(spent)], [{ scenario: 's', repetitions: 15, seconds: 42, stopped: 'max-repetitions' }])[0]!.checks[0]!.note!;
    expect(note).toContain('undecided after 15 usable rounds (maximum of repetitions: --max-repetitions); resampling its 15 rounds 200 times, ');
    // Rounds on the threshold itself: no plan decides more than by chance.
    const flat = result([100, 101, 99, 100, 102, 98, 100, 101, 99, 100, 100, 101, 99, 100, 100]);
    const stuck = projectDecision(flat)!;
    expect(stuck.longer!.lastLook).toBe(50);
    expect(describeProjection(flat, stuck)).toContain('even a plan of up to 50 rounds');
    expect(describeProjection(flat, stuck)).toContain('sits too close to the threshold (10) for the spread seen');
  });
});

describe('the plan recorded with the verdicts', () => {
  it('lets a results file compute its verdicts again, identically', async () => {
    const { reevaluateClaims } = await import('../../harness/claims/reevaluate.js');
    const two = resolveClaims({ claims: [{ id: 'x', text: 't', scenario: 's', checks: ['python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10', 'python.p99 / rust.p99 >= 0.5'] }] }, 'claims.yaml', ['s']);
    const runs = rounds([150, 160, 170, 150, 160, 170, 180, 90, 95]);
    const results = evaluateClaims(two, { runs, builds: [] }, plan);
    // Through JSON, as results.json keeps them.
    const document = JSON.parse(JSON.stringify({ runs, builds: [], microbenchmarks: [], claims: { file: 'claims.yaml', results, capacity: [], plan } }));
    expect(JSON.parse(JSON.stringify(reevaluateClaims(document)))).toEqual(JSON.parse(JSON.stringify(results)));
    expect(reevaluateClaims({ ...document, claims: { ...document.claims, plan: undefined } })).toBeUndefined();
  });
});
