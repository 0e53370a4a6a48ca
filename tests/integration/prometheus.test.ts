/**
 * Remote metrics against the real components: a fixture burning half a core and holding 96 MiB,
 * grouped by its command line in a process-exporter, scraped every second by a Prometheus, all
 * on 127.0.0.1 with a temporary data folder. The figures measureRemote reads back must agree
 * with /proc's (TreeSampler) for the same process and window.
 *
 * Tolerance: cores within max(0.05 core, 10 %), PSS and RSS within 10 %. `npm run
 * bench:prometheus` measured |Δ| ≤ 1 % for cores and ≤ 0.1 % for memory on a busy 2-core
 * machine (docs/remote-metrics.md): the margin is for a machine far noisier than that.
 *
 * Needs prometheus and process-exporter: npm test's set-up builds the pinned versions into
 * .cache/test-tools/bin (`npm run test:tools`); fails with that hint when they are missing. About 35 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InfrastructureError } from '../../harness/errors.js';
import { measureRemote, preflightRemote } from '../../harness/remote/measure.js';
import { createPrometheusClient } from '../../harness/remote/prometheus.js';
import { resolveRemoteMetrics } from '../../harness/remote/schema.js';
import { compareOnce, findStackBinaries, startPrometheusStack, type PrometheusStack } from '../../harness/bench/prometheus-stack.js';

let stack: PrometheusStack | undefined;

beforeAll(async () => {
  // Fails here, with the install hint, when a binary is missing.
  await findStackBinaries();
  stack = await startPrometheusStack({ duty: 0.5, memoryMiB: 96 });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('remote metrics through Prometheus and process-exporter', () => {
  it('pass the preflight: live series, the scrape interval, the shortest window', async () => {
    const client = createPrometheusClient({ baseUrl: stack!.prometheusUrl, auth: stack!.metrics.auth, timeoutMs: 5000, env: {} });
    const preflight = await preflightRemote(stack!.metrics, client);
    expect(preflight.scrapeIntervalSeconds).toBeCloseTo(1, 1);
    expect(preflight.minimumWindowSeconds).toBeCloseTo(4, 1);
    expect(preflight.seriesCount).toBe(2);
    expect(Math.abs(preflight.clockOffsetSeconds)).toBeLessThan(0.5);
    expect(preflight.warnings).toEqual([]);
  });

  it('agree with /proc on the same process over the same window', async () => {
    const { proc, prometheus } = await compareOnce(stack!, 12);
    expect(proc.cpuCores).toBeGreaterThan(0.2);
    expect(Math.abs(prometheus.cpuCores - proc.cpuCores)).toBeLessThanOrEqual(Math.max(0.05, 0.1 * proc.cpuCores));
    expect(prometheus.memoryKind).toBe('pss');
    expect(proc.peakPssBytes).toBeGreaterThan(96 * 1024 * 1024);
    expect(Math.abs(prometheus.peakMemoryBytes / proc.peakPssBytes - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(prometheus.peakRssBytes! / proc.peakRssBytes - 1)).toBeLessThanOrEqual(0.1);
    // What goes into results.json.
    expect(prometheus.scrapeIntervalSeconds).toBeCloseTo(1, 1);
    expect(prometheus.scrapeIntervalFrom).toBe('samples');
    // The interval is measured (median gap, to the ms): 1.001 s would make the rate window 4.004 s.
    expect(prometheus.stepSeconds).toBeCloseTo(0.5, 2);
    expect(prometheus.rateWindowSeconds).toBeCloseTo(4, 1);
    expect(prometheus.seriesCount).toBe(2); // user and system
    expect(prometheus.points.length).toBeGreaterThanOrEqual(20);
    expect(prometheus.queries.cpuMean).toMatch(new RegExp(`^sum\\(rate\\(namedprocess_namegroup_cpu_seconds_total\\{groupname="${stack!.groupname}"\\}\\[\\d+ms\\]\\)\\)$`));
    // A scrape missed on a loaded machine may cost points (a warning of its own), nothing else.
    expect(prometheus.warnings.filter((warning) => warning.kind !== 'missing-points')).toEqual([]);
  });

  it('reports a group that matches nothing as an error naming the query, never as zero', async () => {
    const metrics = resolveRemoteMetrics({ prometheus: stack!.prometheusUrl, preset: 'process-exporter', groupname: 'no-such-group' }, 'test');
    const client = createPrometheusClient({ baseUrl: stack!.prometheusUrl, auth: metrics.auth, timeoutMs: 5000, env: {} });
    await expect(preflightRemote(metrics, client)).rejects.toThrow(/returned no data for the selector query `namedprocess_namegroup_cpu_seconds_total\{groupname="no-such-group"\}\[5m\]`/);
    const endEpochSeconds = Date.now() / 1000;
    const failure = measureRemote({ startEpochSeconds: endEpochSeconds - 10, endEpochSeconds, metrics, client, waitTimeoutMs: 5000 });
    await expect(failure).rejects.toThrow(InfrastructureError);
    await expect(failure).rejects.toThrow(/no live series for `namedprocess_namegroup_cpu_seconds_total\{groupname="no-such-group"\}`/);
  });

  it('passes on Prometheus\' own words when it rejects a query', async () => {
    const metrics = resolveRemoteMetrics(
      { prometheus: stack!.prometheusUrl, cpu: 'sum(rate(namedprocess_namegroup_cpu_seconds_total[$window])', memory: 'sum(namedprocess_namegroup_memory_bytes)', memoryKind: 'rss', scrapeIntervalSeconds: 1 },
      'test',
    );
    const client = createPrometheusClient({ baseUrl: stack!.prometheusUrl, auth: metrics.auth, timeoutMs: 5000, env: {} });
    const endEpochSeconds = Date.now() / 1000 - 3;
    // The mean ([8s]) and the points ([4s]) are asked together; either rejection may come first.
    const failure = measureRemote({ startEpochSeconds: endEpochSeconds - 8, endEpochSeconds, metrics, client });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/rejected the query `sum\(rate\(namedprocess_namegroup_cpu_seconds_total\[[48]s\]\)`: bad_data: .*unclosed left parenthesis/);
  });
});
