import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../harness/results/document.js';
import type { Finding } from '../../harness/results/validity.js';
import { dropSaturatedNeeds, keepsSaturating, saturatedPoints } from '../../harness/run/saturation.js';
import { formatRunSummary } from '../../harness/run/summary.js';
import { loadFixture } from '../fixtures/report/documents.js';

const SATURATED: Finding = { code: 'saturated', text: 'achieved 700.0 of 862.0 req/s offered', next: 'lower the rate', concerns: ['rps'] };
const template = loadFixture().runs.find((run) => run.scenario === 'process-sweep' && run.service === 'rust' && run.rateIndex === 1)!;

/** A run of rust on /process at 80 % of a capacity of 1,078 req/s: saturated (achieving `achievedRps`) or valid. */
function run(repetition: number, achievedRps: number | undefined, point = 1, service = 'rust'): RunRecord {
  const offeredRps = point === 1 ? 862.4 : 539;
  return {
    ...template,
    id: `process-sweep/${service}/rep${repetition}/rate${point}`,
    service,
    repetition,
    rateIndex: point,
    capacityFraction: point === 1 ? 0.8 : 0.5,
    load: { ...template.load, model: 'open', offeredRps, achievedRps: achievedRps ?? offeredRps },
    validity: achievedRps === undefined ? { valid: true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined } : { valid: false, reasons: [SATURATED], warnings: [], bottleneck: 'service', lowerBoundRps: undefined },
  };
}

describe('load points that keep being saturated', () => {
  it('are a finding after two saturated runs, with a rate that would be valid', () => {
    const runs = [run(1, undefined), run(2, 812), run(3, undefined), run(4, 680), run(1, undefined, 0), run(2, 500, 0)];
    expect(saturatedPoints(runs.slice(0, 3), 'process-sweep')).toEqual([]);
    expect(keepsSaturating(runs.slice(0, 3), 'process-sweep', 'rust', 1)).toBe(false);
    const [found, ...rest] = saturatedPoints(runs, 'process-sweep');
    expect(rest).toEqual([]);
    // 90 % of the lowest rate achieved while saturated: 0.9 × 680 = 612 req/s, 0.8 × 612 / 862.4 of the capacity.
    expect(found).toMatchObject({ service: 'rust', point: 1, saturatedRuns: 2, runs: 4, offeredRps: 862.4, capacityFraction: 0.8, validRateRps: 612 });
    expect(found!.validCapacityFraction).toBeCloseTo((0.8 * 612) / 862.4, 12);
    expect(found!.text).toBe('rust at 80 % of capacity (862 req/s) was saturated in 2 of 4 runs: a finding, not repeated; about 612 req/s (57 % of the same capacity) would be valid (90 % of the lowest rate it achieved)');
    expect(keepsSaturating(runs, 'process-sweep', 'rust', 1)).toBe(true);
    expect(keepsSaturating(runs, 'process-sweep', 'rust', 0)).toBe(false);
    expect(keepsSaturating(runs, 'process-sweep', 'python', 1)).toBe(false);
    expect(saturatedPoints(runs, 'alloc-soak')).toEqual([]);
  });
  it('are named under the scenario in the terminal summary', () => {
    const document = { runs: [run(1, 700), run(2, 750)], failures: [] };
    expect(formatRunSummary(document)).toContain('  saturated: rust at 80 % of capacity (862 req/s) was saturated in 2 of 2 runs: a finding, not repeated; about 630 req/s');
  });
  it('are dropped from what adaptive repetitions measure, with the other services of the same check (its rounds pair them), each finding said once', () => {
    const runs = [run(1, 700), run(2, 750), run(1, undefined, 1, 'python'), run(1, 400, 0)];
    const asked = [
      { service: 'rust', point: 1, because: 'a-cpu-bound: `python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10` is undecided' },
      { service: 'python', point: 1, because: 'a-cpu-bound: `python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10` is undecided' },
      { service: 'python', point: 1, because: 'p: `python.p99 <= 2 * python.p50` is undecided' },
    ];
    const { needs, saturated } = dropSaturatedNeeds(asked, runs, 'process-sweep');
    expect(needs).toEqual([asked[2]]);
    expect(saturated.map((point) => `${point.service}@${point.point}`)).toEqual(['rust@1']);
    // Nothing left to measure when every need is at a saturated point.
    expect(dropSaturatedNeeds(asked.slice(0, 1), runs, 'process-sweep').needs).toEqual([]);
  });
});
