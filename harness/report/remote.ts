/**
 * The report's "Remote targets and load hosts" section: for each remote target, where it ran
 * and how its CPU and memory were read (Prometheus URL, preset, the exact queries, the step, the
 * scrape interval, the series), and the runs of several load hosts combined over their
 * overlapping windows (report/load-hosts.ts). HTML and Markdown from the same rows. Pure; every
 * string from the results is escaped.
 */
import { formatMicros } from '../format.js';
import type { PrometheusRecord, RunRecord } from '../results/document.js';
import { escapeHtml, escapeMarkdownCell, markdownCode } from './escape.js';
import type { CombinedRun } from './load-hosts.js';
import type { ReportSource } from './sources.js';
import { renderWorkersHtml, renderWorkersMarkdown } from './workers.js';

/** One remote target of one source. */
export interface RemoteTargetRow {
  readonly source: string;
  readonly service: string;
  readonly targetUrl: string;
  readonly runs: number;
  /** How its figures were read, from its first run with Prometheus figures; undefined when none has them. */
  readonly prometheus: PrometheusRecord | undefined;
  /** Runs without CPU and memory figures (no metrics, or Prometheus failed). */
  readonly unmeasuredRuns: number;
}

/** The remote targets of every source, in source then service order. */
export function remoteTargetRows(sources: readonly ReportSource[]): RemoteTargetRow[] {
  return sources.flatMap((source) => {
    const remote = source.document.runs.filter((run) => run.measured.targetUrl !== undefined);
    return [...new Set(remote.map((run) => run.service))].map((service) => {
      const runs = remote.filter((run) => run.service === service);
      return {
        source: source.label,
        service,
        targetUrl: runs[0]!.measured.targetUrl!,
        runs: runs.length,
        prometheus: runs.find((run) => run.measured.prometheus !== undefined)?.measured.prometheus,
        unmeasuredRuns: runs.filter((run) => run.measured.prometheus === undefined).length,
      };
    });
  });
}

const percent = (share: number): string => `${Math.round(share * 100)} %`;
const rps = (value: number): string => `${Math.round(value).toLocaleString('en-US')} req/s`;

/** The sentence of how one target's figures were made. */
function howMeasured(row: RemoteTargetRow): string {
  const p = row.prometheus;
  if (p === undefined) return 'CPU and memory not measured (no `target.metrics`, or Prometheus failed: see the reasons of the runs)';
  const memory = p.memoryKind === 'working-set' ? 'working set' : p.memoryKind.toUpperCase();
  return `CPU and ${memory} from Prometheus at ${p.prometheusUrl} (${p.source}), range queries over the window of each run at a ${p.stepSeconds} s step, scrapes every ${p.scrapeIntervalSeconds} s (${p.scrapeIntervalFrom === 'samples' ? 'measured' : 'as configured'}), ${p.seriesCount ?? '?'} raw series; mean cores = rate over the whole window; ${row.unmeasuredRuns === 0 ? 'every run measured' : `${row.unmeasuredRuns} of ${row.runs} runs without figures`}`;
}

/** Per host: its run's rate and, for a remote target measured through Prometheus, the target's cores over its window. */
function hostCell(run: RunRecord): string {
  const cores = run.measured.cpuCores === undefined ? '' : `, target ${run.measured.cpuCores.toFixed(2)} cores`;
  return `${rps(run.load.achievedRps)}${cores}${run.validity.valid ? '' : ' (invalid)'}`;
}

function combinedSummary(combined: CombinedRun): { latency: string; overlap: string } {
  const latency = combined.latencyUs === undefined ? '–' : `p50 ${formatMicros(combined.latencyUs.p50Us)}, p99 ${formatMicros(combined.latencyUs.p99Us)}, p99.9 ${formatMicros(combined.latencyUs.p999Us)}, max ${formatMicros(combined.latencyUs.maxUs)} (${combined.latencyUs.count.toLocaleString('en-US')} responses)`;
  return { latency, overlap: `${combined.overlapSeconds.toFixed(1)} s (${percent(combined.overlapShare)} of the span of the windows)` };
}

const COMBINED_NOTE =
  'Runs of the same scenario, service, target and load point from different results files, started separately, whose measured windows overlap: each host ran a whole schedule of its own at its own rate (rates add up; nothing was split), so this is not a `load.workers` run. Throughput is each host\'s rate over the whole seconds inside the overlap, summed; latency is the hosts\' histograms added (over each host\'s whole window); a target\'s cores are as each host\'s window saw them (its total, from every host\'s load, during the overlap). Only overlapping time is load from every host at once. Each host is judged as a load worker is: its own run valid, its send lag and connection waits within the limits, its planned sends its own rate × window, and the windows starting within 10 ms of each other by the hosts\' clocks.';

/** The section's HTML, or undefined when no source has a remote target. */
export function renderRemoteHtml(sources: readonly ReportSource[], combined: readonly CombinedRun[]): string | undefined {
  const rows = remoteTargetRows(sources);
  if (rows.length === 0) return undefined;
  const workers = renderWorkersHtml(sources) ?? '';
  const merged = sources.length > 1;
  const targets = rows
    .map((row) => {
      const queries = row.prometheus === undefined ? '' : `<details><summary>queries</summary><pre>${escapeHtml([row.prometheus.queries.cpuMean, row.prometheus.queries.cpuSeries, row.prometheus.queries.memory, row.prometheus.queries.rss].filter((query) => query !== undefined).join('\n'))}</pre></details>`;
      return `<li><strong>${escapeHtml(row.service)}</strong>${merged ? ` <span class="source">${escapeHtml(row.source)}</span>` : ''}: remote target <code>${escapeHtml(row.targetUrl)}</code>, not started by the harness; latency includes the network from the load host. ${escapeHtml(howMeasured(row))}.${queries}</li>`;
    })
    .join('');
  const table =
    combined.length === 0
      ? merged
        ? '<p class="muted">No runs of different results files overlapped in time against the same target: nothing combined.</p>'
        : ''
      : `<h3>Several load hosts started separately</h3><p>${escapeHtml(COMBINED_NOTE)}</p><table class="combined"><thead><tr><th>scenario</th><th>service</th><th>load point</th><th>hosts</th><th>overlap</th><th>combined throughput</th><th>combined latency</th></tr></thead><tbody>${combined
          .map((entry) => {
            const { latency, overlap } = combinedSummary(entry);
            const hosts = entry.hosts.map((host) => `${escapeHtml(host.source)}: ${escapeHtml(hostCell(host.run))}`).join('<br>');
            return `<tr${entry.valid ? '' : ' class="invalid"'}><td>${escapeHtml(entry.scenario)}</td><td>${escapeHtml(entry.service)}</td><td>${entry.rateIndex}</td><td>${hosts}</td><td>${escapeHtml(overlap)}</td><td>${escapeHtml(rps(entry.combinedRps))}</td><td>${escapeHtml(latency)}${entry.valid ? '' : ` <span class="badge invalid">not one measurement</span><br>${entry.reasons.map((reason) => escapeHtml(reason.text)).join('<br>')}`}</td></tr>`;
          })
          .join('')}</tbody></table>`;
  return `<ul class="remote">${targets}</ul>${workers}${table}`;
}

/** The section's Markdown lines, or [] when no source has a remote target. */
export function renderRemoteMarkdown(sources: readonly ReportSource[], combined: readonly CombinedRun[]): string[] {
  const rows = remoteTargetRows(sources);
  if (rows.length === 0) return [];
  const lines = ['## Remote targets and load hosts', ''];
  for (const row of rows) {
    lines.push(`- **${escapeMarkdownCell(row.service)}**${sources.length > 1 ? ` (${escapeMarkdownCell(row.source)})` : ''}: remote target ${markdownCode(row.targetUrl)}, not started by the harness; ${escapeMarkdownCell(howMeasured(row))}.${row.prometheus === undefined ? '' : ` Mean cores: ${markdownCode(row.prometheus.queries.cpuMean)}; memory: ${markdownCode(row.prometheus.queries.memory)}.`}`);
  }
  lines.push('', ...renderWorkersMarkdown(sources));
  if (combined.length > 0) {
    lines.push('### Several load hosts started separately', '', `_${COMBINED_NOTE}_`, '', '| scenario | service | point | hosts | overlap | combined throughput | combined latency |', '| :--- | :--- | ---: | :--- | :--- | ---: | :--- |');
    for (const entry of combined) {
      const { latency, overlap } = combinedSummary(entry);
      lines.push(`| ${escapeMarkdownCell(entry.scenario)} | ${escapeMarkdownCell(entry.service)} | ${entry.rateIndex} | ${entry.hosts.map((host) => `${escapeMarkdownCell(host.source)}: ${escapeMarkdownCell(hostCell(host.run))}`).join('<br>')} | ${escapeMarkdownCell(overlap)} | ${rps(entry.combinedRps)} | ${escapeMarkdownCell(latency)}${entry.valid ? '' : ` ⚠️ not one measurement: ${escapeMarkdownCell(entry.reasons.map((reason) => reason.text).join('; '))}`} |`);
    }
    lines.push('');
  }
  return lines;
}
