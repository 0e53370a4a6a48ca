import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../harness/errors.js';
import { coverageWarnings, expectFinite, expectOneSeries, joinPoints, medianScrapeIntervalSeconds, missingPointsWarning, seriesInWindow, type QueryContext, type Series } from '../../harness/remote/series.js';

const context: QueryContext = { what: 'memory', query: 'sum(m)', prometheusUrl: 'http://p:9090', when: 'between A and B' };
const series = (labels: Record<string, string>, points: Array<[number, number]>): Series => ({ labels, samples: points.map(([atEpochSeconds, value]) => ({ atEpochSeconds, value })) });

describe('expectOneSeries', () => {
  it('returns the only series', () => {
    const only = series({}, [[1, 5]]);
    expect(expectOneSeries([only], context)).toBe(only);
  });
  it('treats an empty result as an error naming the query, never as zero', () => {
    expect(() => expectOneSeries([], context)).toThrow(InfrastructureError);
    expect(() => expectOneSeries([], context)).toThrow('Prometheus at http://p:9090 returned no data for the memory query `sum(m)` between A and B. Check that the selector matches');
    expect(() => expectOneSeries([series({}, [])], context)).toThrow(/returned no data/);
  });
  it('refuses several series, showing their labels', () => {
    const many = [series({ pod: 'a' }, [[1, 1]]), series({ pod: 'b' }, [[1, 2]]), series({ pod: 'c' }, [[1, 3]]), series({ pod: 'd' }, [[1, 4]])];
    expect(() => expectOneSeries(many, context)).toThrow('returned 4 series for the memory query `sum(m)` between A and B, where one was expected ({pod="a"}, {pod="b"}, {pod="c"}, …). Wrap the query in `sum(…)`');
  });
});

describe('expectFinite', () => {
  it('returns the values', () => {
    expect(expectFinite(series({}, [[1, 2], [2, 3.5]]), context)).toEqual([2, 3.5]);
  });
  it('refuses NaN and infinities', () => {
    expect(() => expectFinite(series({}, [[1, 2], [2, Number.NaN]]), context)).toThrow('returned NaN for the memory query `sum(m)` at 1970-01-01T00:00:02.000Z');
    expect(() => expectFinite(series({}, [[1, Number.POSITIVE_INFINITY]]), context)).toThrow(/returned Infinity/);
  });
});

describe('medianScrapeIntervalSeconds', () => {
  it('is the median gap over every series, robust to a missed scrape', () => {
    expect(medianScrapeIntervalSeconds([series({}, [[0, 0], [1, 0], [2, 0], [4, 0], [5, 0]])])).toBe(1);
    expect(medianScrapeIntervalSeconds([series({ mode: 'user' }, [[0.34, 0], [15.34, 0]]), series({ mode: 'system' }, [[0.34, 0], [15.34, 0], [30.341, 0]])])).toBe(15);
  });
  it('is undefined without two samples in a series', () => {
    expect(medianScrapeIntervalSeconds([])).toBeUndefined();
    expect(medianScrapeIntervalSeconds([series({}, [[1, 0]]), series({}, [[2, 0]])])).toBeUndefined();
  });
});

describe('coverage', () => {
  const steady = series({ pod: 'old' }, [[90, 0], [100, 0], [110, 0], [120, 0], [130, 0]]);
  it('has nothing to say about series that span the window', () => {
    expect(coverageWarnings([steady], 100, 130, 10)).toEqual([]);
  });
  it('warns about a series that began inside the window, and one that stopped early', () => {
    const late = series({ pod: 'new' }, [[115, 0], [125, 0], [130, 0]]);
    const gone = series({ pod: 'gone' }, [[80, 0], [90, 0], [100, 0]]);
    const warnings = coverageWarnings([steady, late, gone], 100, 130, 10);
    expect(warnings.map((warning) => warning.kind)).toEqual(['series-started-late', 'series-ended-early']);
    expect(warnings[0]!.message).toBe('1 of 3 series began 15.0 s after the window\'s start (e.g. {pod="new"}): their CPU before the first scrapes is not counted. Start the window at least 4 scrape intervals after the service (and the exporter) started.');
    expect(warnings[1]!.message).toContain('1 of 3 series stopped 30.0 s before the window\'s end (e.g. {pod="gone"})');
  });
  it('keeps only series with a sample inside the window', () => {
    const before = series({ pod: 'before' }, [[50, 0], [60, 0]]);
    expect(seriesInWindow([steady, before], 100, 130)).toEqual([steady]);
  });
  it('warns when under 80 % of the points came back', () => {
    expect(missingPointsWarning('memory', 33, 41)).toBeUndefined();
    expect(missingPointsWarning('memory', 32, 41)?.message).toBe('The memory query returned 32 of 41 points over the window: scrapes were missed, so its peak may be too low. Check the target\'s health in Prometheus\' /targets page.');
  });
});

describe('joinPoints', () => {
  it('joins on timestamps, with holes as undefined', () => {
    const cpu = series({}, [[10, 0.5], [10.5, 0.6]]);
    const memory = series({}, [[10, 100], [10.5, 110], [11, 120]]);
    const rss = series({}, [[10.5, 200]]);
    expect(joinPoints(cpu, memory, rss)).toEqual([
      { atEpochSeconds: 10, cpuCores: 0.5, memoryBytes: 100, rssBytes: undefined },
      { atEpochSeconds: 10.5, cpuCores: 0.6, memoryBytes: 110, rssBytes: 200 },
      { atEpochSeconds: 11, cpuCores: undefined, memoryBytes: 120, rssBytes: undefined },
    ]);
  });
});
