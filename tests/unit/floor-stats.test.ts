/**
 * The platform floor beside a service's figures (stats/floor.ts, run/summary-floor.ts): the
 * at-floor rule on literal values, the machine's resolution, and the terminal summary's floor
 * rows, marks and lines.
 */
import { describe, expect, it } from 'vitest';
import { formatMicros } from '../../harness/format.js';
import { describeSpread, floorLabel, floorResolution, floorRunsBeside, floorSpread, groupFloorRuns, isAtFloor, judgeAgainstFloor, spreadOf } from '../../harness/stats/floor.js';
import { formatRunSummary } from '../../harness/run/summary.js';
import { resolutionLines } from '../../harness/run/summary-floor.js';
import { makeRun } from '../fixtures/floor-runs.js';

describe('the at-floor rule', () => {
  // The floor's p99 over three rounds: 209, 2134, 640 µs.
  const spread = floorSpread([209, 2134, 640])!;
  it('the floor\'s spread is its range over its runs', () => {
    expect(spread).toEqual({ lowUs: 209, highUs: 2134, runs: 3 });
    expect(floorSpread([])).toBeUndefined();
    expect(floorSpread([Number.NaN, 300])).toEqual({ lowUs: 300, highUs: 300, runs: 1 });
  });
  it('a figure at or under the floor\'s highest is at the floor; above it is the service\'s', () => {
    expect(isAtFloor(1500, spread)).toBe(true);
    expect(isAtFloor(2134, spread)).toBe(true);
    // Below the floor's lowest: measured lower by chance, still the machine's.
    expect(isAtFloor(150, spread)).toBe(true);
    expect(isAtFloor(2135, spread)).toBe(false);
  });
  it('with one floor run only a figure at or under that run is marked', () => {
    const one = floorSpread([640])!;
    expect(isAtFloor(640, one)).toBe(true);
    expect(isAtFloor(641, one)).toBe(false);
  });
  it('is said with the floor\'s values', () => {
    expect(describeSpread(spread, formatMicros)).toBe('209 µs – 2.13 ms over 3 runs');
    expect(describeSpread(floorSpread([640])!, formatMicros)).toBe('640 µs (1 run)');
    expect(describeSpread(floorSpread([54, 54.2])!, formatMicros)).toBe('54 µs in each of 2 runs');
  });
});

describe('the floor beside a service', () => {
  const runs = [
    makeRun({ service: 'rust', repetition: 1, p50Us: 60, p99Us: 900 }),
    makeRun({ service: 'rust', repetition: 2, p50Us: 70, p99Us: 1100 }),
    makeRun({ service: 'rust', repetition: 3, p50Us: 65, p99Us: 3000 }),
    makeRun({ service: 'go', repetition: 1, p50Us: 90, p99Us: 4000 }),
    makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 209, beside: ['go', 'rust'] }),
    makeRun({ service: 'floor', repetition: 2, p50Us: 47, p99Us: 2134, beside: ['rust'] }),
    // An invalid floor run never widens the range.
    makeRun({ service: 'floor', repetition: 3, p50Us: 50, p99Us: 9000, beside: ['rust'], valid: false }),
    // Another point.
    makeRun({ service: 'floor', repetition: 1, p50Us: 40, p99Us: 100, beside: ['rust'], rateIndex: 1 }),
  ];
  it('takes the floor\'s runs at the same point that stood beside it', () => {
    expect(floorRunsBeside(runs, 'json-open', 0, 'rust').map((run) => run.id)).toEqual(['json-open/floor/rep1/rate0', 'json-open/floor/rep2/rate0', 'json-open/floor/rep3/rate0']);
    expect(floorRunsBeside(runs, 'json-open', 0, 'go').map((run) => run.id)).toEqual(['json-open/floor/rep1/rate0']);
    expect(spreadOf(floorRunsBeside(runs, 'json-open', 0, 'rust').slice(0, 2), 'p99')).toEqual({ lowUs: 209, highUs: 2134, runs: 2 });
  });
  it('judges the median of the service\'s valid runs against the valid floor runs beside it', () => {
    const rust = runs.filter((run) => run.service === 'rust');
    // rust's p99 median 1,100 µs ≤ 2,134 µs: at the floor; its p50 median 65 µs > 47 µs: its own.
    expect(judgeAgainstFloor(runs, rust, 'p99')).toEqual({ valueUs: 1100, spread: { lowUs: 209, highUs: 2134, runs: 2 }, atFloor: true });
    expect(judgeAgainstFloor(runs, rust, 'p50')).toEqual({ valueUs: 65, spread: { lowUs: 45, highUs: 47, runs: 2 }, atFloor: false });
    // go's p99 4 ms against the one floor run beside it (209 µs).
    expect(judgeAgainstFloor(runs, runs.filter((run) => run.service === 'go'), 'p99')).toEqual({ valueUs: 4000, spread: { lowUs: 209, highUs: 209, runs: 1 }, atFloor: false });
    expect(judgeAgainstFloor(runs.filter((run) => run.role === undefined), runs.filter((run) => run.service === 'go'), 'p99')).toBeUndefined();
  });
  it('groups the floor\'s runs per point and rate; at capacity fractions it is labelled by the services beside it', () => {
    const fractions = [
      makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 200, beside: ['rust'], scenario: 'process-sweep', rateIndex: 1, offeredRps: 1249, capacityFraction: 0.8 }),
      makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 200, beside: ['python'], scenario: 'process-sweep', rateIndex: 1, offeredRps: 106, capacityFraction: 0.8 }),
      makeRun({ service: 'floor', repetition: 2, p50Us: 45, p99Us: 200, beside: ['rust'], scenario: 'process-sweep', rateIndex: 1, offeredRps: 1249, capacityFraction: 0.8 }),
    ];
    const groups = groupFloorRuns(fractions);
    expect(groups.map((group) => [group.rateIndex, group.offeredRps, group.beside, group.runs.length, floorLabel(group)])).toEqual([
      [1, 106, ['python'], 1, 'floor (beside python)'],
      [1, 1249, ['rust'], 2, 'floor (beside rust)'],
    ]);
    expect(floorLabel(groupFloorRuns(runs)[0]!)).toBe('floor');
  });
});

describe('what the machine can resolve', () => {
  it('is the floor\'s run-to-run range at each percentile, from two runs on', () => {
    const floor = [makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 209, p999Us: 900, beside: ['rust'] }), makeRun({ service: 'floor', repetition: 2, p50Us: 49, p99Us: 2134, p999Us: 5000, beside: ['rust'] })];
    expect(floorResolution(floor)).toEqual([
      { metric: 'p50', rangeUs: 4, spread: { lowUs: 45, highUs: 49, runs: 2 } },
      { metric: 'p99', rangeUs: 1925, spread: { lowUs: 209, highUs: 2134, runs: 2 } },
      { metric: 'p999', rangeUs: 4100, spread: { lowUs: 900, highUs: 5000, runs: 2 } },
    ]);
    expect(floorResolution(floor.slice(0, 1))).toBeUndefined();
    expect(resolutionLines(floor)).toEqual([
      '  resolution (floor at 2,000 req/s): the floor moved by p50 4 µs (45 µs – 49 µs over 2 runs), p99 1.93 ms (209 µs – 2.13 ms over 2 runs), p99.9 4.10 ms (900 µs – 5.00 ms over 2 runs) from run to run with no service time at all: differences between services smaller than these may be the machine\'s',
    ]);
    expect(resolutionLines(floor.slice(0, 1))).toEqual(['  resolution unknown (valid floor runs at 2,000 req/s: 1): it needs two, to see how much the machine alone moves from run to run']);
    // At capacity fractions, the rates with one run each in one line, named by the services beside them.
    const fractions = [
      makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 200, beside: ['python'], scenario: 'process-sweep', offeredRps: 66, capacityFraction: 0.5 }),
      makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 200, beside: ['rust'], scenario: 'process-sweep', offeredRps: 781, capacityFraction: 0.5 }),
      makeRun({ service: 'floor', repetition: 2, p50Us: 50, p99Us: 300, beside: ['rust'], scenario: 'process-sweep', offeredRps: 781, capacityFraction: 0.5 }),
    ];
    expect(resolutionLines(fractions)).toEqual([
      "  resolution (floor (beside rust) at 781 req/s): the floor moved by p50 5 µs (45 µs – 50 µs over 2 runs), p99 100 µs (200 µs – 300 µs over 2 runs), p99.9 200 µs (400 µs – 600 µs over 2 runs) from run to run with no service time at all: differences between services smaller than these may be the machine's",
      '  resolution unknown (valid floor runs at 66 req/s (floor (beside python)): 1): it needs two, to see how much the machine alone moves from run to run',
    ]);
  });
});

describe('the terminal summary with the floor', () => {
  const runs = [
    makeRun({ service: 'rust', repetition: 1, p50Us: 60, p99Us: 900 }),
    makeRun({ service: 'rust', repetition: 2, p50Us: 70, p99Us: 1100 }),
    makeRun({ service: 'python', repetition: 1, p50Us: 400, p99Us: 9000 }),
    makeRun({ service: 'python', repetition: 2, p50Us: 420, p99Us: 9500 }),
    makeRun({ service: 'floor', repetition: 1, p50Us: 45, p99Us: 209, p999Us: 1000, beside: ['python', 'rust'] }),
    makeRun({ service: 'floor', repetition: 2, p50Us: 47, p99Us: 2134, p999Us: 4000, beside: ['python', 'rust'] }),
  ];
  const text = formatRunSummary({ runs, failures: [] });
  it('shows the floor\'s row under the services\', its p50, p99, p99.9 and no CPU or memory', () => {
    const floorRow = text.split('\n').find((line) => line.startsWith('floor '))!;
    expect(floorRow).toMatch(/^floor\s+open loop, 2,000 req\/s\s+2\/2\s+46 µs\s+1\.17 ms\s+2\.50 ms\s+2,000\s+–\s+–\s+–\s+–$/);
    expect(text.indexOf('\nfloor ')).toBeGreaterThan(text.indexOf('\npython '));
  });
  it('marks a figure at the floor ≈floor and says the floor\'s values; a figure above it stays unmarked', () => {
    const rustRow = text.split('\n').find((line) => line.startsWith('rust '))!;
    // rust p99 median 1,000 µs ≤ 2,134: at the floor; its p99.9 (2 ms) ≤ 4 ms too; its p50 65 µs > 47 µs: not.
    expect(rustRow).toContain('1.00 ms ≈floor');
    expect(rustRow).toContain('2.00 ms ≈floor');
    expect(rustRow).not.toContain('65 µs ≈floor');
    expect(text.split('\n').find((line) => line.startsWith('python '))).not.toContain('≈floor');
    expect(text).toContain("  ≈floor at the platform floor — within the range of a server that does nothing, on this machine at this load (README, \"How accurate it is\"): rust p99 1.00 ms (the floor's p99 beside it: 209 µs – 2.13 ms over 2 runs); rust p99.9 2.00 ms (the floor's p99.9 beside it: 1.00 ms – 4.00 ms over 2 runs)");
    expect(text).toContain('  resolution (floor at 2,000 req/s): the floor moved by p50 2 µs');
  });
  it('says under a closed loop why it has no floor, when the run measured one elsewhere', () => {
    const closed = [makeRun({ service: 'rust', repetition: 1, p50Us: 500, p99Us: 900, scenario: 'json-closed', model: 'closed' })];
    expect(formatRunSummary({ runs: [...runs, ...closed], failures: [] })).toContain("## json-closed (medians of valid runs)\nservice");
    expect(formatRunSummary({ runs: [...runs, ...closed], failures: [] })).toContain("  floor: not measured in a closed loop — its latency is the service's own queue (connections ÷ throughput, Little's law), which no floor explains");
    expect(formatRunSummary({ runs: closed, failures: [] })).not.toContain('floor');
  });
});
