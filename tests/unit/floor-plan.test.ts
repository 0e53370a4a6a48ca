/**
 * The platform floor as a member of every round (run/floor-plan.ts): which load points it
 * measures, the job it gets, when it stops standing beside a service, and its ids.
 */
import { describe, expect, it } from 'vitest';
import type { LoadJob } from '../../harness/load/job.js';
import { runId } from '../../harness/results/floor-runs.js';
import { FLOOR_WARMUP_SECONDS, floorJob, floorPoints, planRoundFloor, settledBeside } from '../../harness/run/floor-plan.js';
import { formatMicros } from '../../harness/format.js';
import { makeRun } from '../fixtures/floor-runs.js';

const absolute = (rates: readonly number[]) => rates.map((rate) => ({ ratePerSecond: rate, capacityFraction: undefined }));

describe('the floor\'s points in a round', () => {
  it('absolute rates: one per rate, beside every service, however many services', () => {
    const points = floorPoints('open', [
      { service: 'go', points: absolute([100, 200]) },
      { service: 'rust', points: absolute([100, 200]) },
      { service: 'python', points: absolute([100, 200]) },
    ]);
    expect(points).toEqual([
      { ratePerSecond: 100, capacityFraction: undefined, rateIndex: 0, beside: ['go', 'rust', 'python'] },
      { ratePerSecond: 200, capacityFraction: undefined, rateIndex: 1, beside: ['go', 'rust', 'python'] },
    ]);
  });
  it('capacity fractions: one at each service\'s own rate and connections; the same rate (the gate\'s shared rates) shared', () => {
    const points = floorPoints('open', [
      { service: 'python', points: [{ ratePerSecond: 66, capacityFraction: 0.5, connections: 32 }, { ratePerSecond: 106, capacityFraction: 0.8, connections: 32 }] },
      { service: 'rust', points: [{ ratePerSecond: 781, capacityFraction: 0.5, connections: 32 }, { ratePerSecond: 1249, capacityFraction: 0.8, connections: 40 }] },
      { service: 'candidate', points: [{ ratePerSecond: 781, capacityFraction: 0.5, connections: 32 }] },
    ]);
    expect(points.map((point) => [point.rateIndex, point.ratePerSecond, point.connections, point.beside])).toEqual([
      [0, 66, 32, ['python']],
      [0, 781, 32, ['rust', 'candidate']],
      [1, 106, 32, ['python']],
      [1, 1249, 40, ['rust']],
    ]);
  });
  it('keeps the rate index an added round gave its points', () => {
    expect(floorPoints('open', [{ service: 'rust', points: [{ ratePerSecond: 1249, capacityFraction: 0.8, rateIndex: 1 }] }])).toEqual([{ ratePerSecond: 1249, capacityFraction: 0.8, rateIndex: 1, beside: ['rust'] }]);
  });
  it('closed loop: none (its latency is the service\'s own queue)', () => {
    expect(floorPoints('closed', [{ service: 'go', points: [{ ratePerSecond: undefined, capacityFraction: undefined }] }])).toEqual([]);
  });
});

describe('the floor\'s load job', () => {
  const job: LoadJob = {
    engine: 'native',
    threads: 1,
    baseUrl: 'http://127.0.0.1:1',
    sources: [
      { weight: 3, list: [{ method: 'GET', path: '/json', headers: {}, expectStatus: 200, expectBody: '{"message":"Hello, World!"}' }] },
      { weight: 1, list: [{ method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"sku":"S-{{seq}}"}', expectStatus: 201, sequence: '{{seq}}' }] },
    ],
    seed: 7,
    model: 'open',
    connections: 32,
    ratePerSecond: 2000,
    warmupSeconds: 1,
    durationSeconds: 3,
    timeoutMs: 10_000,
    verifyEvery: 50,
  };
  it('sends the same requests, expects the floor\'s 200, checks no body, and warms up briefly', () => {
    expect(floorJob(job)).toEqual({
      ...job,
      sources: [
        { weight: 3, list: [{ method: 'GET', path: '/json', headers: {}, expectStatus: 200 }] },
        { weight: 1, list: [{ method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"sku":"S-{{seq}}"}', expectStatus: 200, sequence: '{{seq}}' }] },
      ],
      verifyEvery: 0,
      warmupSeconds: FLOOR_WARMUP_SECONDS,
    });
    expect(floorJob({ ...job, warmupSeconds: 0.1 }).warmupSeconds).toBe(0.1);
    expect('expectBody' in floorJob(job).sources[0]!.list[0]!).toBe(false);
  });
});

describe('where the floor stops standing beside a service', () => {
  // python's p50 of 4 ms is above the floor's largest p99.9 (2 × 1.5 ms = 3 ms) beside it.
  const runs = [
    makeRun({ service: 'python', repetition: 1, p50Us: 4000, p99Us: 9000 }),
    makeRun({ service: 'rust', repetition: 1, p50Us: 60, p99Us: 900 }),
    makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 1500, beside: ['python', 'rust'] }),
  ];
  it('when the service\'s smallest p50 is above the floor\'s largest p99.9 beside it', () => {
    expect(settledBeside(runs, 'python', 0, formatMicros)).toEqual({
      service: 'python',
      point: 0,
      text: "python's p50 (at least 4.00 ms in 1 valid run) is above the floor's p99.9 beside it (at most 3.00 ms in 1): none of its latency figures can be the machine's, so the floor is not measured beside it again at this point",
    });
    expect(settledBeside(runs, 'rust', 0, formatMicros)).toBeUndefined();
    // A p50 equal to the floor's p99.9 is not above it.
    expect(settledBeside([makeRun({ service: 'go', repetition: 1, p50Us: 3000, p99Us: 5000 }), runs[2]!].map((run) => (run.role === 'floor' ? { ...run, beside: ['go'] } : run)), 'go', 0, formatMicros)).toBeUndefined();
  });
  it('at capacity fractions, after one valid run beside the service at its own rate (unless a claim pairs the floor there)', () => {
    const fractions = [
      makeRun({ service: 'rust', repetition: 1, p50Us: 60, p99Us: 900, capacityFraction: 0.8, rateIndex: 1 }),
      makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 1500, beside: ['rust'], capacityFraction: 0.8, rateIndex: 1 }),
    ];
    expect(settledBeside(fractions, 'rust', 1, formatMicros)?.text).toBe(
      'the floor was measured once beside rust at its own rate at this point (capacity fractions: one rate per service), and is not measured beside it again',
    );
    // Before its first valid run beside it, or when that run was invalid, the floor still stands beside it.
    expect(settledBeside(fractions.slice(0, 1), 'rust', 1, formatMicros)).toBeUndefined();
    expect(settledBeside([fractions[0]!, { ...fractions[1]!, validity: { ...fractions[1]!.validity, valid: false } }], 'rust', 1, formatMicros)).toBeUndefined();
    const members = [{ service: 'rust', points: [{ ratePerSecond: 1249, capacityFraction: 0.8, rateIndex: 1 }] }];
    expect(planRoundFloor({ model: 'open', members, runs: fractions, pairedPoints: new Set(), only: undefined, describe: formatMicros }).points).toEqual([]);
    expect(planRoundFloor({ model: 'open', members, runs: fractions, pairedPoints: new Set([1]), only: undefined, describe: formatMicros }).points).toHaveLength(1);
  });
  it('never on an invalid run, nor before both have run', () => {
    expect(settledBeside([makeRun({ service: 'python', repetition: 1, p50Us: 4000, p99Us: 9000, valid: false }), runs[2]!], 'python', 0, formatMicros)).toBeUndefined();
    expect(settledBeside(runs.slice(0, 1), 'python', 0, formatMicros)).toBeUndefined();
  });
  it('the next round stands beside the others only; never settled where a claim pairs the floor', () => {
    const members = [
      { service: 'python', points: absolute([2000]) },
      { service: 'rust', points: absolute([2000]) },
    ];
    const plan = planRoundFloor({ model: 'open', members, runs, pairedPoints: new Set(), only: undefined, describe: formatMicros });
    expect(plan.points).toEqual([{ ratePerSecond: 2000, capacityFraction: undefined, rateIndex: 0, beside: ['rust'] }]);
    expect(plan.settled.map((entry) => entry.service)).toEqual(['python']);
    const paired = planRoundFloor({ model: 'open', members, runs, pairedPoints: new Set([0]), only: undefined, describe: formatMicros });
    expect(paired.points).toEqual([{ ratePerSecond: 2000, capacityFraction: undefined, rateIndex: 0, beside: ['python', 'rust'] }]);
    expect(paired.settled).toEqual([]);
  });
  it('an added round: only at the points a claim\'s floor term asks for', () => {
    const members = [{ service: 'rust', points: [{ ratePerSecond: 500, capacityFraction: undefined, rateIndex: 0 }, { ratePerSecond: 2000, capacityFraction: undefined, rateIndex: 1 }] }];
    expect(planRoundFloor({ model: 'open', members, runs: [], pairedPoints: new Set([1]), only: new Set([1]), describe: formatMicros }).points).toEqual([{ ratePerSecond: 2000, capacityFraction: undefined, rateIndex: 1, beside: ['rust'] }]);
    expect(planRoundFloor({ model: 'open', members, runs: [], pairedPoints: new Set(), only: new Set(), describe: formatMicros }).points).toEqual([]);
  });
});

describe('run ids', () => {
  it('a floor run at capacity fractions names the services it stood beside; elsewhere the plain form', () => {
    expect(runId({ scenario: 'json-open', service: 'floor', repetition: 2, rateIndex: 0, role: 'floor', beside: ['go', 'rust'], capacityFraction: undefined })).toBe('json-open/floor/rep2/rate0');
    expect(runId({ scenario: 'process-sweep', service: 'floor', repetition: 1, rateIndex: 1, role: 'floor', beside: ['rust'], capacityFraction: 0.8 })).toBe('process-sweep/floor/rep1/rate1/beside-rust');
    expect(runId({ scenario: 'process-sweep', service: 'rust', repetition: 1, rateIndex: 1, capacityFraction: 0.8 })).toBe('process-sweep/rust/rep1/rate1');
  });
});
