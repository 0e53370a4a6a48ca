/**
 * runs.csv: one row per run of every source, with its ids, validity and key metrics; every
 * column name carries its unit. Empty fields mean "not measured". RFC 4180 quoting, formula-safe
 * text (escape.ts). Pure.
 */
import type { RunRecord } from '../results/document.js';
import { describeFinding } from '../results/validity.js';
import { csvField } from './escape.js';
import type { ReportSource } from './sources.js';

type Value = string | number | boolean | undefined;

/** The columns, in order: name (with unit) and how to read it. */
export const CSV_COLUMNS: ReadonlyArray<readonly [string, (run: RunRecord, source: ReportSource) => Value]> = [
  ['source', (_, source) => source.label],
  ['results_file', (_, source) => source.file],
  ['hostname', (_, source) => source.document.environment?.hostname],
  ['git_commit', (_, source) => source.document.environment?.gitCommit],
  ['run_id', (run) => run.id],
  ['scenario', (run) => run.scenario],
  ['service', (run) => run.service],
  ['role', (run) => run.role ?? 'service'],
  ['beside', (run) => run.beside?.join(' ')],
  ['language', (run) => run.language],
  ['repetition', (run) => run.repetition],
  ['rate_index', (run) => run.rateIndex],
  ['capacity_fraction', (run) => run.capacityFraction],
  ['started_at', (run) => run.startedAt],
  ['load_engine', (run) => `${run.load.engine.name} ${run.load.engine.version}`],
  ['valid', (run) => run.validity.valid],
  ['invalid_reasons', (run) => run.validity.reasons.map(describeFinding).join(' | ')],
  ['bottleneck', (run) => run.validity.bottleneck],
  ['lower_bound_rps', (run) => run.validity.lowerBoundRps],
  ['warnings', (run) => run.validity.warnings.map(describeFinding).join(' | ')],
  ['load_model', (run) => run.load.model],
  ['connections', (run) => run.load.connections],
  ['offered_rps', (run) => run.load.offeredRps],
  ['achieved_rps', (run) => run.load.achievedRps],
  ['window_seconds', (run) => run.load.windowSeconds],
  ['responses_count', (run) => run.load.counts.responses],
  ['expected_status_count', (run) => run.load.counts.expectedStatus],
  ['non2xx_count', (run) => run.load.counts.non2xx],
  ['errors_count', (run) => run.load.counts.errors],
  ['timeouts_count', (run) => run.load.counts.timeouts],
  ['mismatches_count', (run) => run.load.counts.mismatches],
  ['dropped_count', (run) => run.load.counts.dropped],
  ['latency_p50_us', (run) => run.load.latencyUs?.p50Us],
  ['latency_p90_us', (run) => run.load.latencyUs?.p90Us],
  ['latency_p99_us', (run) => run.load.latencyUs?.p99Us],
  ['latency_p999_us', (run) => run.load.latencyUs?.p999Us],
  ['latency_max_us', (run) => run.load.latencyUs?.maxUs],
  ['latency_mean_us', (run) => run.load.latencyUs?.meanUs],
  ['uncorrected_p99_us', (run) => run.load.uncorrectedLatencyUs?.p99Us],
  ['send_lag_p99_us', (run) => run.load.sendLagP99Us],
  ['cpu_cores', (run) => run.measured.cpuCores],
  ['cpu_us_per_request', (run) => run.measured.cpuUsPerRequest],
  ['peak_rss_bytes', (run) => run.measured.peakRssBytes],
  ['peak_pss_bytes', (run) => run.measured.peakPssBytes],
  ['idle_rss_bytes', (run) => run.measured.idleRssBytes],
  ['idle_pss_bytes', (run) => run.measured.idlePssBytes],
  ['startup_ms', (run) => run.measured.startupMs],
  ['process_count', (run) => run.measured.processCount],
  ['generator_cpu_cores', (run) => run.generator?.cpuCores],
  ['upstream_cpu_cores', (run) => run.upstream?.cpuCores],
  ['database_cpu_cores', (run) => run.database?.cpuCores],
  ['database_pss_bytes', (run) => run.database?.pssBytes],
  ['steal_share', (run) => run.stealShare],
  ['load_method', (run) => run.load.method],
];

/** runs.csv for every run of every source (CRLF line ends, as RFC 4180 has them). */
export function renderCsv(sources: readonly ReportSource[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const source of sources) {
    for (const run of source.document.runs) lines.push(CSV_COLUMNS.map(([, read]) => csvField(read(run, source))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
