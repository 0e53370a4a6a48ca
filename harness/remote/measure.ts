/**
 * CPU and memory of a remote target over a measured window, from its Prometheus: wait for a
 * scrape after the window's end, read the raw samples (scrape interval, series, coverage), plan
 * the window, run the queries, check every answer. I/O over the pure promql.ts and series.ts;
 * the PrometheusClient is passed in (createPrometheusClient in prometheus.ts, a fake in tests).
 */
import { InfrastructureError } from '../errors.js';
import { checkWindow, formatPromDuration, minimumWindowSeconds, planWindow, renderQueries, renderQuery, type MemoryKind, type MetricsSource, type RenderedQueries } from './promql.js';
import type { PrometheusClient } from './prometheus.js';
import type { ResolvedRemoteMetrics } from './schema.js';
import { coverageWarnings, describeRange, expectFinite, expectOneSeries, joinPoints, medianScrapeIntervalSeconds, missingPointsWarning, seriesInWindow, type QueryContext, type RemotePoint, type RemoteWarning, type Series } from './series.js';

/** Time, injectable for tests. */
export interface Clock {
  nowEpochMs(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  nowEpochMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What a remote target used over the window. Plain data for results.json. */
export interface RemoteMeasurement {
  readonly source: MetricsSource;
  readonly prometheusUrl: string;
  readonly startEpochSeconds: number;
  readonly endEpochSeconds: number;
  /** Mean over the window: Δ CPU seconds ÷ Δ wall seconds (the `cpuMean` query). */
  readonly cpuCores: number;
  /** Highest point of the memory query over the window. */
  readonly peakMemoryBytes: number;
  readonly memoryKind: MemoryKind;
  /** Highest resident bytes, beside a PSS memory figure (process-exporter); else undefined. */
  readonly peakRssBytes: number | undefined;
  /** The exact query texts sent. */
  readonly queries: RenderedQueries;
  readonly stepSeconds: number;
  readonly rateWindowSeconds: number;
  readonly scrapeIntervalSeconds: number;
  readonly scrapeIntervalFrom: 'config' | 'samples';
  /** Raw series the selector matched over the window (e.g. 2 for one process-exporter group: user and system); undefined without a selector. */
  readonly seriesCount: number | undefined;
  readonly points: readonly RemotePoint[];
  /** Prometheus' clock minus this machine's, in s (± half the round trip). */
  readonly clockOffsetSeconds: number;
  readonly warnings: readonly RemoteWarning[];
}

export interface MeasureInput {
  /** The measured window, epoch seconds of this machine's clock. */
  readonly startEpochSeconds: number;
  readonly endEpochSeconds: number;
  readonly metrics: ResolvedRemoteMetrics;
  readonly client: PrometheusClient;
  readonly clock?: Clock;
  /** How long to wait for a scrape after the window's end; default max(30 s, 3 × the scrape interval + 10 s). */
  readonly waitTimeoutMs?: number;
}

/** Samples read before the window's start, to tell series that began inside it. */
const LEAD_SECONDS = 60;
/** A series whose newest sample is older than this before the window's end is not waited for (it is reported by coverageWarnings). */
const GONE_SECONDS = 60;

/** Epoch seconds of the newest scrape of every live series, and how long the wait took. */
export interface ScrapeWait {
  /** The oldest of the live series' newest samples: > end once the wait is over. */
  readonly scrapedEpochSeconds: number;
  readonly waitedMs: number;
}

/**
 * Waits until Prometheus holds a sample later than `endEpochSeconds` for every live series of the
 * target's selector (polls `timestamp(selector)`), so that every scrape inside the window has
 * been ingested. Without a selector (custom queries), waits until one scrape interval and 1 s
 * have passed after the end. Call it after the window's end; measureRemote calls it too (it
 * returns at once when the scrape is already there).
 * @throws InfrastructureError when no such scrape comes within the timeout.
 */
export async function waitForScrapeAfter(
  endEpochSeconds: number,
  options: { readonly metrics: ResolvedRemoteMetrics; readonly client: PrometheusClient; readonly clock?: Clock; readonly timeoutMs?: number },
): Promise<ScrapeWait> {
  const clock = options.clock ?? systemClock;
  const { metrics, client } = options;
  const began = clock.nowEpochMs();
  const intervalSeconds = metrics.scrapeIntervalSeconds;
  const timeoutMs = options.timeoutMs ?? Math.max(30_000, 3 * (intervalSeconds ?? 20) * 1000 + 10_000);
  const selector = metrics.templates.selector;
  if (selector === undefined) {
    // schema.ts guarantees a scrape interval when there is no selector.
    const untilMs = (endEpochSeconds + intervalSeconds! + 1) * 1000;
    const remainingMs = untilMs - clock.nowEpochMs();
    if (remainingMs > 0) await clock.sleep(remainingMs);
    return { scrapedEpochSeconds: untilMs / 1000, waitedMs: clock.nowEpochMs() - began };
  }
  const query = `timestamp(${selector})`;
  const pollMs = Math.min(1000, Math.max(200, (intervalSeconds ?? 2) * 250));
  let newest: number;
  for (;;) {
    const latest = (await client.queryInstant(query)).flatMap((series) => series.samples.map((sample) => sample.value));
    // No series within Prometheus' lookback (5 min), or all gone stale: waiting will not bring them.
    if (latest.length === 0) {
      throw new InfrastructureError(
        `Prometheus at ${client.baseUrl} has no live series for \`${selector}\`. Check the selector's labels against the series Prometheus holds (try it in Prometheus' graph page) and that the target is up (its /targets page); a missing series is never read as zero.`,
      );
    }
    const live = latest.filter((atEpochSeconds) => atEpochSeconds > endEpochSeconds - GONE_SECONDS);
    newest = Math.max(...latest);
    if (live.length > 0 && live.every((atEpochSeconds) => atEpochSeconds > endEpochSeconds)) return { scrapedEpochSeconds: Math.min(...live), waitedMs: clock.nowEpochMs() - began };
    if (clock.nowEpochMs() - began >= timeoutMs) {
      const seen = `its newest sample is from ${new Date(newest * 1000).toISOString()}, ${(endEpochSeconds - newest).toFixed(1)} s before the end`;
      throw new InfrastructureError(
        `Prometheus at ${client.baseUrl} has no scrape of \`${selector}\` after the window's end (${new Date(endEpochSeconds * 1000).toISOString()}) within ${timeoutMs} ms: ${seen}. Check that the target is up (Prometheus' /targets page) and that the two machines' clocks agree (NTP).`,
      );
    }
    await clock.sleep(pollMs);
  }
}

/** Prometheus' clock minus this machine's, from `time()`. */
async function measureClockOffset(client: PrometheusClient, clock: Clock): Promise<{ offsetSeconds: number; roundTripSeconds: number }> {
  const sentMs = clock.nowEpochMs();
  const result = await client.queryInstant('time()');
  const receivedMs = clock.nowEpochMs();
  const serverSeconds = result[0]?.samples[0]?.atEpochSeconds;
  if (serverSeconds === undefined) throw new InfrastructureError(`Prometheus at ${client.baseUrl} returned nothing for \`time()\`. Check that \`metrics.prometheus\` points at a Prometheus-compatible API.`);
  return { offsetSeconds: serverSeconds - (sentMs + receivedMs) / 2000, roundTripSeconds: (receivedMs - sentMs) / 1000 };
}

/** What preflightRemote found. */
export interface RemotePreflight {
  readonly scrapeIntervalSeconds: number;
  readonly scrapeIntervalFrom: 'config' | 'samples';
  /** 4 scrape intervals: a shorter window is refused by measureRemote. */
  readonly minimumWindowSeconds: number;
  /** Live raw series of the selector; undefined without one. */
  readonly seriesCount: number | undefined;
  readonly clockOffsetSeconds: number;
  readonly warnings: readonly RemoteWarning[];
}

/**
 * Checks a remote target before any load: Prometheus answers (URL, credentials), the selector
 * has live series, the scrape interval is known, and the cpu and memory queries each return one
 * series now. Call it once per target before the run, and refuse scenarios whose
 * `durationSeconds` is under `minimumWindowSeconds`.
 * @throws ConfigError when Prometheus rejects a query or the credentials.
 * @throws InfrastructureError when Prometheus is unreachable, or a query returns no series or several.
 */
export async function preflightRemote(metrics: ResolvedRemoteMetrics, client: PrometheusClient, clock: Clock = systemClock): Promise<RemotePreflight> {
  const offset = await measureClockOffset(client, clock);
  const nowSeconds = clock.nowEpochMs() / 1000;
  const at = `at ${new Date(nowSeconds * 1000).toISOString()}`;
  const context = (what: string, query: string): QueryContext => ({ what, query, prometheusUrl: metrics.prometheusUrl, when: at });
  const selector = metrics.templates.selector;
  let raw: Series[] | undefined;
  if (selector !== undefined) {
    const probe = `${selector}[5m]`;
    raw = (await client.queryInstant(probe, nowSeconds)).filter((series) => series.samples.length > 0 && series.samples.at(-1)!.atEpochSeconds > nowSeconds - GONE_SECONDS);
    if (raw.length === 0) expectOneSeries(raw, context('selector', probe));
  }
  const scrapeIntervalSeconds = metrics.scrapeIntervalSeconds ?? (raw === undefined ? undefined : medianScrapeIntervalSeconds(raw));
  if (scrapeIntervalSeconds === undefined) {
    throw new InfrastructureError(`Prometheus at ${metrics.prometheusUrl} holds a single recent sample of \`${selector}\`: the scrape interval cannot be measured yet. Wait for a few scrapes, or set \`metrics.scrapeIntervalSeconds\`.`);
  }
  const windowSeconds = minimumWindowSeconds(scrapeIntervalSeconds);
  const cpu = renderQuery(metrics.templates.cpu, windowSeconds);
  const memory = renderQuery(metrics.templates.memory, windowSeconds);
  const [cpuResult, memoryResult] = await Promise.all([client.queryInstant(cpu, nowSeconds), client.queryInstant(memory, nowSeconds)]);
  expectFinite(expectOneSeries(cpuResult, context('cpu', cpu)), context('cpu', cpu));
  expectFinite(expectOneSeries(memoryResult, context('memory', memory)), context('memory', memory));
  if (metrics.templates.rss !== undefined) {
    const rss = renderQuery(metrics.templates.rss, windowSeconds);
    expectFinite(expectOneSeries(await client.queryInstant(rss, nowSeconds), context('rss', rss)), context('rss', rss));
  }
  const warning = clockWarning(offset, scrapeIntervalSeconds);
  return {
    scrapeIntervalSeconds,
    scrapeIntervalFrom: metrics.scrapeIntervalSeconds === undefined ? 'samples' : 'config',
    minimumWindowSeconds: windowSeconds,
    seriesCount: raw?.length,
    clockOffsetSeconds: offset.offsetSeconds,
    warnings: warning === undefined ? [] : [warning],
  };
}

function clockWarning(offset: { offsetSeconds: number; roundTripSeconds: number }, scrapeIntervalSeconds: number): RemoteWarning | undefined {
  const threshold = Math.max(0.25, scrapeIntervalSeconds / 4) + offset.roundTripSeconds / 2;
  if (Math.abs(offset.offsetSeconds) <= threshold) return undefined;
  return {
    kind: 'clock-offset',
    message: `Prometheus' clock is ${Math.abs(offset.offsetSeconds).toFixed(2)} s ${offset.offsetSeconds > 0 ? 'ahead of' : 'behind'} this machine's: the window Prometheus reads is shifted by that much. Synchronise both clocks (NTP).`,
  };
}

/**
 * Measures a remote target over [start, end]: waits for a scrape after the end, then returns the
 * mean cores, the peak memory, the points and the query texts.
 * @throws ConfigError when the window spans fewer than 4 scrape intervals, or Prometheus rejects a query.
 * @throws InfrastructureError when Prometheus is unreachable, has no scrape after the end, or a query
 *   returns no series or more than one.
 */
export async function measureRemote(input: MeasureInput): Promise<RemoteMeasurement> {
  const clock = input.clock ?? systemClock;
  const { metrics, client, startEpochSeconds, endEpochSeconds } = input;
  const durationSeconds = checkWindow(startEpochSeconds, endEpochSeconds);
  const context = (what: string, query: string, when: string): QueryContext => ({ what, query, prometheusUrl: metrics.prometheusUrl, when });
  const offset = await measureClockOffset(client, clock);
  await waitForScrapeAfter(endEpochSeconds, { metrics, client, clock, ...(input.waitTimeoutMs === undefined ? {} : { timeoutMs: input.waitTimeoutMs }) });

  const warnings: RemoteWarning[] = [];
  let raw: Series[] | undefined;
  const selector = metrics.templates.selector;
  if (selector !== undefined) {
    const probe = `${selector}[${formatPromDuration(durationSeconds + Math.max(LEAD_SECONDS, 3 * (metrics.scrapeIntervalSeconds ?? 0)))}]`;
    // Series that ended before the window (a pod replaced earlier) are not the target's any more.
    raw = seriesInWindow(await client.queryInstant(probe, endEpochSeconds), startEpochSeconds, endEpochSeconds);
    if (raw.length === 0) expectOneSeries(raw, context('selector', probe, `at ${new Date(endEpochSeconds * 1000).toISOString()} (no sample inside the window)`));
  }
  const measured = raw === undefined ? undefined : medianScrapeIntervalSeconds(raw);
  const scrapeIntervalSeconds = metrics.scrapeIntervalSeconds ?? measured;
  if (scrapeIntervalSeconds === undefined) {
    throw new InfrastructureError(
      `Prometheus at ${metrics.prometheusUrl} holds a single sample of \`${selector}\` ${describeRange(startEpochSeconds, endEpochSeconds)}: the scrape interval cannot be measured. Check the target's scrape interval and health, or set \`metrics.scrapeIntervalSeconds\`.`,
    );
  }
  const plan = planWindow(startEpochSeconds, endEpochSeconds, scrapeIntervalSeconds);
  if (raw !== undefined) warnings.push(...coverageWarnings(raw, startEpochSeconds, endEpochSeconds, scrapeIntervalSeconds));
  const skew = clockWarning(offset, scrapeIntervalSeconds);
  if (skew !== undefined) warnings.push(skew);

  const queries = renderQueries(metrics.templates, plan);
  const range = { startEpochSeconds, endEpochSeconds, stepSeconds: plan.stepSeconds };
  const rangeText = describeRange(startEpochSeconds, endEpochSeconds);
  const [meanResult, cpuResult, memoryResult, rssResult] = await Promise.all([
    client.queryInstant(queries.cpuMean, endEpochSeconds),
    client.queryRange(queries.cpuSeries, range),
    client.queryRange(queries.memory, range),
    queries.rss === undefined ? Promise.resolve(undefined) : client.queryRange(queries.rss, range),
  ]);
  const meanContext = context('cpu', queries.cpuMean, `at ${new Date(endEpochSeconds * 1000).toISOString()}`);
  const cpuCores = expectFinite(expectOneSeries(meanResult, meanContext), meanContext)[0]!;
  const cpuSeries = expectOneSeries(cpuResult, context('cpu', queries.cpuSeries, rangeText));
  const memoryContext = context('memory', queries.memory, rangeText);
  const memorySeries = expectOneSeries(memoryResult, memoryContext);
  const peakMemoryBytes = Math.max(...expectFinite(memorySeries, memoryContext));
  let peakRssBytes: number | undefined;
  let rssSeries: Series | undefined;
  if (rssResult !== undefined) {
    const rssContext = context('rss', queries.rss!, rangeText);
    rssSeries = expectOneSeries(rssResult, rssContext);
    peakRssBytes = Math.max(...expectFinite(rssSeries, rssContext));
  }
  const missing = missingPointsWarning('memory', memorySeries.samples.length, plan.expectedPoints);
  if (missing !== undefined) warnings.push(missing);

  return {
    source: metrics.source,
    prometheusUrl: metrics.prometheusUrl,
    startEpochSeconds,
    endEpochSeconds,
    cpuCores,
    peakMemoryBytes,
    memoryKind: metrics.templates.memoryKind,
    peakRssBytes,
    queries,
    stepSeconds: plan.stepSeconds,
    rateWindowSeconds: plan.rateWindowSeconds,
    scrapeIntervalSeconds,
    scrapeIntervalFrom: metrics.scrapeIntervalSeconds === undefined ? 'samples' : 'config',
    seriesCount: raw?.length,
    points: joinPoints(cpuSeries, memorySeries, rssSeries),
    clockOffsetSeconds: offset.offsetSeconds,
    warnings,
  };
}
