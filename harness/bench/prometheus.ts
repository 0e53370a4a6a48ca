/**
 * `npm run bench:prometheus` — how closely Prometheus (process-exporter, 1 s scrapes) agrees
 * with /proc on one process: a fixture burning PROM_BENCH_DUTY of a core (default 0.5) and
 * holding 96 MiB is measured both ways over PROM_BENCH_RUNS windows (default 5) of
 * PROM_BENCH_WINDOW_SECONDS (default 15), scraped every PROM_BENCH_SCRAPE_SECONDS (default 1). Prints a Markdown table of both figures and their
 * differences, the figures behind the integration test's tolerance. A benchmark, never a test.
 */
import { readFile } from 'node:fs/promises';
import { formatBytes } from '../format.js';
import { compareOnce, startPrometheusStack, type Comparison } from './prometheus-stack.js';

const runs = Number(process.env.PROM_BENCH_RUNS ?? '5');
const windowSeconds = Number(process.env.PROM_BENCH_WINDOW_SECONDS ?? '15');
const duty = Number(process.env.PROM_BENCH_DUTY ?? '0.5');
const scrapeIntervalSeconds = Number(process.env.PROM_BENCH_SCRAPE_SECONDS ?? '1');

const loadAverage = async (): Promise<string> => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
const percent = (measured: number, truth: number): string => `${measured >= truth ? '+' : ''}${((measured / truth - 1) * 100).toFixed(1)} %`;

const loadBefore = await loadAverage();
const stack = await startPrometheusStack({ duty, scrapeIntervalSeconds });
const results: Comparison[] = [];
try {
  for (let run = 0; run < runs; run += 1) results.push(await compareOnce(stack, windowSeconds));
} finally {
  await stack.stop();
}
const loadAfter = await loadAverage();

const rows = results.map((result, index) => {
  const { proc, prometheus } = result;
  const coresDelta = prometheus.cpuCores - proc.cpuCores;
  return `| ${index + 1} | ${result.windowSeconds.toFixed(1)} | ${proc.cpuCores.toFixed(3)} | ${prometheus.cpuCores.toFixed(3)} | ${coresDelta >= 0 ? '+' : ''}${coresDelta.toFixed(3)} (${percent(prometheus.cpuCores, proc.cpuCores)}) | ${formatBytes(proc.peakPssBytes)} | ${formatBytes(prometheus.peakMemoryBytes)} | ${percent(prometheus.peakMemoryBytes, proc.peakPssBytes)} | ${formatBytes(proc.peakRssBytes)} | ${formatBytes(prometheus.peakRssBytes)} | ${percent(prometheus.peakRssBytes ?? Number.NaN, proc.peakRssBytes)} | ${prometheus.points.length} | ${(result.lagMs / 1000).toFixed(1)} |`;
});
const worst = (pick: (result: Comparison) => number): string => `${(Math.max(...results.map((result) => Math.abs(pick(result)))) * 100).toFixed(1)} %`;
const first = results[0]!.prometheus;
const warnings = [...new Set(results.flatMap((result) => result.prometheus.warnings.map((warning) => warning.message)))];
console.log(`### /proc vs Prometheus (process-exporter), ${runs} windows of ${windowSeconds} s, scrapes every ${scrapeIntervalSeconds} s, fixture at ${duty} core

Scrape interval ${first.scrapeIntervalSeconds} s (${first.scrapeIntervalFrom}), step ${first.stepSeconds} s, rate window of the points ${first.rateWindowSeconds} s; load average before ${loadBefore}, after ${loadAfter} (2 shared cores).

| run | window s | /proc cores | Prometheus cores | Δ cores | /proc PSS | Prometheus PSS | Δ PSS | /proc RSS | Prometheus RSS | Δ RSS | points | lag s |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Worst |Δ|: cores ${worst((result) => result.prometheus.cpuCores / result.proc.cpuCores - 1)}, PSS ${worst((result) => result.prometheus.peakMemoryBytes / result.proc.peakPssBytes - 1)}, RSS ${worst((result) => (result.prometheus.peakRssBytes ?? Number.NaN) / result.proc.peakRssBytes - 1)}.
Lag: from the window's end until the figures were read (waiting for a scrape after the end, then the queries).
Queries: \`${first.queries.cpuMean}\` · \`${first.queries.memory}\` · \`${first.queries.rss ?? ''}\`
${warnings.length === 0 ? 'No warnings.' : `Warnings:\n${warnings.map((warning) => `- ${warning}`).join('\n')}`}`);
