/**
 * measureRemote and waitForScrapeAfter over a fake Prometheus (canned answers per query) and a
 * fake clock: what is asked, in what order, what comes back, and what is refused.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, InfrastructureError } from '../../harness/errors.js';
import { measureRemote, preflightRemote, waitForScrapeAfter, type Clock } from '../../harness/remote/measure.js';
import type { PrometheusClient } from '../../harness/remote/prometheus.js';
import { resolveRemoteMetrics } from '../../harness/remote/schema.js';
import type { Series } from '../../harness/remote/series.js';

const START = 1000;
const END = 1020;
const processExporter = resolveRemoteMetrics({ prometheus: 'http://prom:9090', preset: 'process-exporter', groupname: 'api' }, 'test');
const SELECTOR = 'namedprocess_namegroup_cpu_seconds_total{groupname="api"}';

/** A clock at `nowSeconds` whose sleep() advances it. */
function fakeClock(nowSeconds: number): Clock & { slept: number[] } {
  let nowMs = nowSeconds * 1000;
  const slept: number[] = [];
  return {
    slept,
    nowEpochMs: () => nowMs,
    sleep: async (ms) => {
      slept.push(ms);
      nowMs += ms;
    },
  };
}

interface FakeOptions {
  /** Scrapes at k + 0.3 s up to this time (Infinity: keeps scraping as the clock goes). */
  lastScrapeSeconds?: number;
  /** Added to the clock for `time()`. */
  clockOffsetSeconds?: number;
  memory?: Series[];
  cpuMean?: Series[];
}

/** A Prometheus holding a process-exporter group scraped every second (user and system series). */
function fakePrometheus(clock: Clock, options: FakeOptions = {}): PrometheusClient & { asked: string[] } {
  const asked: string[] = [];
  const scrapesUntil = (seconds: number): number[] => {
    const last = Math.min(seconds, options.lastScrapeSeconds ?? Number.POSITIVE_INFINITY);
    const times: number[] = [];
    for (let at = 900.3; at <= last; at += 1) times.push(Math.round(at * 1000) / 1000);
    return times;
  };
  const raw = (mode: string, until: number): Series => ({ labels: { groupname: 'api', mode }, samples: scrapesUntil(until).map((atEpochSeconds) => ({ atEpochSeconds, value: atEpochSeconds / 4 })) });
  let range = { startEpochSeconds: START, endEpochSeconds: END, stepSeconds: 0.5 };
  const steps = (value: (at: number) => number): Series[] => {
    const count = Math.floor((range.endEpochSeconds - range.startEpochSeconds) / range.stepSeconds) + 1;
    return [{ labels: {}, samples: Array.from({ length: count }, (_, index) => ({ atEpochSeconds: range.startEpochSeconds + index * range.stepSeconds, value: value(range.startEpochSeconds + index * range.stepSeconds) })) }];
  };
  return {
    asked,
    baseUrl: 'http://prom:9090',
    async queryInstant(query, atEpochSeconds) {
      asked.push(`instant ${query}${atEpochSeconds === undefined ? '' : ` @${atEpochSeconds}`}`);
      const now = clock.nowEpochMs() / 1000;
      if (query === 'time()') return [{ labels: {}, samples: [{ atEpochSeconds: now + (options.clockOffsetSeconds ?? 0), value: now + (options.clockOffsetSeconds ?? 0) }] }];
      if (query === `timestamp(${SELECTOR})`) return ['user', 'system'].map((mode) => ({ labels: { mode }, samples: [{ atEpochSeconds: now, value: scrapesUntil(now).at(-1)! }] }));
      if (query.startsWith(`${SELECTOR}[`)) return [raw('user', atEpochSeconds!), raw('system', atEpochSeconds!)];
      if (/\[\d+s\]\)\)$/.test(query) && query.startsWith('sum(rate(')) return options.cpuMean ?? [{ labels: {}, samples: [{ atEpochSeconds: atEpochSeconds!, value: 0.5 }] }];
      if (query.startsWith('sum(namedprocess_namegroup_memory_bytes')) return [{ labels: {}, samples: [{ atEpochSeconds: atEpochSeconds!, value: 100e6 }] }];
      throw new Error(`unexpected instant query ${query}`);
    },
    async queryRange(query, asking) {
      range = asking;
      asked.push(`range ${query} ${range.startEpochSeconds}..${range.endEpochSeconds} step ${range.stepSeconds}`);
      if (query.includes('rate(')) return steps(() => 0.5);
      if (query.includes('proportionalResident')) return options.memory ?? steps((at) => (at === 1010 ? 150e6 : 100e6));
      if (query.includes('"resident"')) return steps(() => 130e6);
      throw new Error(`unexpected range query ${query}`);
    },
  };
}

describe('measureRemote', () => {
  it('waits for a scrape after the end, then reads the mean, the peaks and the points', async () => {
    const clock = fakeClock(END + 0.1);
    const client = fakePrometheus(clock);
    const result = await measureRemote({ startEpochSeconds: START, endEpochSeconds: END, metrics: processExporter, client, clock });
    expect(result.cpuCores).toBe(0.5);
    expect(result.peakMemoryBytes).toBe(150e6);
    expect(result.memoryKind).toBe('pss');
    expect(result.peakRssBytes).toBe(130e6);
    expect(result.scrapeIntervalSeconds).toBe(1);
    expect(result.scrapeIntervalFrom).toBe('samples');
    expect(result.stepSeconds).toBe(0.5);
    expect(result.rateWindowSeconds).toBe(4);
    expect(result.seriesCount).toBe(2);
    expect(result.points).toHaveLength(41);
    expect(result.points[20]).toEqual({ atEpochSeconds: 1010, cpuCores: 0.5, memoryBytes: 150e6, rssBytes: 130e6 });
    expect(result.queries).toEqual({
      cpuMean: 'sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[20s]))',
      cpuSeries: 'sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[4s]))',
      memory: 'sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="proportionalResident"})',
      rss: 'sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="resident"})',
      selector: SELECTOR,
    });
    expect(result.warnings).toEqual([]);
    // The scrape at 1020.3 s came after two polls of 500 ms.
    expect(clock.slept).toEqual([500]);
    expect(client.asked.slice(0, 5)).toEqual([
      'instant time()',
      `instant timestamp(${SELECTOR})`,
      `instant timestamp(${SELECTOR})`,
      `instant ${SELECTOR}[80s] @1020`,
      'instant sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[20s])) @1020',
    ]);
    expect(client.asked).toContain('range sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[4s])) 1000..1020 step 0.5');
  });

  it('refuses an empty memory result instead of reading zero', async () => {
    const clock = fakeClock(END + 5);
    const failure = measureRemote({ startEpochSeconds: START, endEpochSeconds: END, metrics: processExporter, client: fakePrometheus(clock, { memory: [] }), clock });
    await expect(failure).rejects.toThrow(InfrastructureError);
    await expect(failure).rejects.toThrow('returned no data for the memory query `sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="proportionalResident"})` between 1970-01-01T00:16:40.000Z and 1970-01-01T00:17:00.000Z');
  });

  it('refuses two series where the mean expects one', async () => {
    const clock = fakeClock(END + 5);
    const two: Series[] = [
      { labels: { instance: 'a' }, samples: [{ atEpochSeconds: END, value: 0.2 }] },
      { labels: { instance: 'b' }, samples: [{ atEpochSeconds: END, value: 0.3 }] },
    ];
    await expect(measureRemote({ startEpochSeconds: START, endEpochSeconds: END, metrics: processExporter, client: fakePrometheus(clock, { cpuMean: two }), clock })).rejects.toThrow(/returned 2 series for the cpu query .* \(\{instance="a"\}, \{instance="b"\}\)/);
  });

  it('refuses a window shorter than 4 measured scrape intervals', async () => {
    const clock = fakeClock(END + 5);
    await expect(measureRemote({ startEpochSeconds: END - 3, endEpochSeconds: END, metrics: processExporter, client: fakePrometheus(clock), clock })).rejects.toThrow(ConfigError);
  });

  it('warns when Prometheus\' clock is off, and when the series began inside the window', async () => {
    const clock = fakeClock(END + 5);
    const result = await measureRemote({ startEpochSeconds: 895, endEpochSeconds: END, metrics: processExporter, client: fakePrometheus(clock, { clockOffsetSeconds: 2 }), clock });
    expect(result.warnings.map((warning) => warning.kind)).toEqual(['series-started-late', 'clock-offset']);
    expect(result.warnings[1]!.message).toBe('Prometheus\' clock is 2.00 s ahead of this machine\'s: the window Prometheus reads is shifted by that much. Synchronise both clocks (NTP).');
    expect(result.clockOffsetSeconds).toBe(2);
  });
});

describe('preflightRemote', () => {
  it('finds the scrape interval, the series and the shortest window before any load', async () => {
    const clock = fakeClock(END);
    const client = fakePrometheus(clock);
    expect(await preflightRemote(processExporter, client, clock)).toEqual({ scrapeIntervalSeconds: 1, scrapeIntervalFrom: 'samples', minimumWindowSeconds: 4, seriesCount: 2, clockOffsetSeconds: 0, warnings: [] });
    expect(client.asked).toEqual([
      'instant time()',
      `instant ${SELECTOR}[5m] @1020`,
      'instant sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[4s])) @1020',
      'instant sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="proportionalResident"}) @1020',
      'instant sum(namedprocess_namegroup_memory_bytes{groupname="api", memtype="resident"}) @1020',
    ]);
  });

  it('catches a custom query without sum() before the run', async () => {
    const custom = resolveRemoteMetrics({ prometheus: 'http://prom:9090', cpu: 'rate(x[$window])', memory: 'y', memoryKind: 'rss', scrapeIntervalSeconds: 15 }, 'test');
    const clock = fakeClock(END);
    const two = async (query: string): Promise<Series[]> =>
      query === 'time()' ? [{ labels: {}, samples: [{ atEpochSeconds: END, value: END }] }] : [{ labels: { mode: 'user' }, samples: [{ atEpochSeconds: END, value: 1 }] }, { labels: { mode: 'system' }, samples: [{ atEpochSeconds: END, value: 1 }] }];
    const client: PrometheusClient = { baseUrl: 'http://prom:9090', queryInstant: two, queryRange: async () => [] };
    await expect(preflightRemote(custom, client, clock)).rejects.toThrow('returned 2 series for the cpu query `rate(x[60s])` at 1970-01-01T00:17:00.000Z, where one was expected ({mode="user"}, {mode="system"}). Wrap the query in `sum(…)`');
  });
});

describe('waitForScrapeAfter', () => {
  it('returns at once when the scrape is already there', async () => {
    const clock = fakeClock(END + 3);
    const wait = await waitForScrapeAfter(END, { metrics: processExporter, client: fakePrometheus(clock), clock });
    expect(wait).toEqual({ scrapedEpochSeconds: 1022.3, waitedMs: 0 });
  });

  it('gives up after its timeout when the target stopped being scraped', async () => {
    const clock = fakeClock(END + 0.1);
    const failure = waitForScrapeAfter(END, { metrics: processExporter, client: fakePrometheus(clock, { lastScrapeSeconds: 1018.5 }), clock, timeoutMs: 3000 });
    await expect(failure).rejects.toThrow(
      `Prometheus at http://prom:9090 has no scrape of \`${SELECTOR}\` after the window's end (1970-01-01T00:17:00.000Z) within 3000 ms: its newest sample is from 1970-01-01T00:16:58.300Z, 1.7 s before the end. Check that the target is up (Prometheus' /targets page) and that the two machines' clocks agree (NTP).`,
    );
  });

  it('fails at once when the selector matches no series', async () => {
    const clock = fakeClock(END);
    const empty: PrometheusClient = { baseUrl: 'http://prom:9090', queryInstant: async () => [], queryRange: async () => [] };
    await expect(waitForScrapeAfter(END, { metrics: processExporter, client: empty, clock })).rejects.toThrow(`Prometheus at http://prom:9090 has no live series for \`${SELECTOR}\`.`);
    expect(clock.nowEpochMs()).toBe(END * 1000);
  });

  it('without a selector, waits one scrape interval and a second after the end', async () => {
    const custom = resolveRemoteMetrics({ prometheus: 'http://prom:9090', cpu: 'sum(rate(x[$window]))', memory: 'sum(y)', memoryKind: 'rss', scrapeIntervalSeconds: 15 }, 'test');
    const clock = fakeClock(END + 1);
    const empty: PrometheusClient = { baseUrl: 'http://prom:9090', queryInstant: async () => [], queryRange: async () => [] };
    expect(await waitForScrapeAfter(END, { metrics: custom, client: empty, clock })).toEqual({ scrapedEpochSeconds: 1036, waitedMs: 15_000 });
  });
});
