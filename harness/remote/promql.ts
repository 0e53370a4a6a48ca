/**
 * The PromQL of remote targets: the presets' default queries, the rate window and the query step
 * derived from the measured window. Pure.
 *
 * Decisions (docs/remote-metrics.md has the reasoning):
 * - **Mean cores** come from one instant query at the window's end with the rate window set to
 *   the whole window, `sum(rate(cpu_seconds_total{…}[D]))`: Δ CPU seconds ÷ Δ wall seconds
 *   between the window's edges, the quantity /proc's `coresBetween` measures (Prometheus
 *   extrapolates the first and last samples inside the window to its edges).
 * - **Points** (a chart and the memory peak) come from range queries over [start, end] with a
 *   step of min(I ÷ 2, D ÷ 10), so every scrape of a gauge shows in at least one point (the peak
 *   misses no sample) and the window has ≥ 10 points; the CPU points use a rate window of 4 × I
 *   (the usual floor for rate(): robust to one missed scrape).
 * - The window must span ≥ 4 scrape intervals (D ≥ 4 I), or the mean rests on too few samples.
 */
import { ConfigError } from '../errors.js';

/** What the memory query measures. */
export type MemoryKind = 'pss' | 'rss' | 'working-set';

/** Where the figures come from: a preset's default queries, or the user's own. */
export type MetricsSource = 'cadvisor' | 'process-exporter' | 'custom';

/** Placeholder in a CPU (or memory) query template where the rate window goes, e.g. `[$window]`. */
export const WINDOW_PLACEHOLDER = '$window';

/** Query templates of one remote target (`$window` not yet substituted). */
export interface QueryTemplates {
  /** Cores, one series; contains `$window`. */
  readonly cpu: string;
  /** Bytes, one series. */
  readonly memory: string;
  readonly memoryKind: MemoryKind;
  /** Resident bytes beside a PSS memory query (process-exporter), for ServiceMeasurement.peakRssBytes. */
  readonly rss: string | undefined;
  /**
   * The raw series the CPU query reads (no function around it): its samples give the scrape
   * interval, the freshness after the window and the series count. Undefined for custom queries
   * without `selector`.
   */
  readonly selector: string | undefined;
}

/** Label matchers of the cadvisor preset. */
export interface CadvisorSelection {
  readonly namespace: string;
  /** A regular expression (RE2, fully anchored by Prometheus): pod names carry random suffixes. */
  readonly pod: string | undefined;
  /** An exact container name. */
  readonly container: string | undefined;
  /** Extra exact matchers, e.g. `{ job: 'kubelet' }` when cAdvisor is scraped twice. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Label matchers of the process-exporter preset. */
export interface ProcessExporterSelection {
  readonly groupname: string;
  /** `proportionalResident` (PSS, needs `-gather-smaps`, the default) or `resident` (RSS). */
  readonly memtype: 'proportionalResident' | 'resident';
  /** Extra exact matchers, e.g. `{ instance: 'vm1:9256' }` when several hosts run the group. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A PromQL string literal: JSON's escapes are a subset of the Go escapes PromQL accepts. */
export function quoteLabelValue(value: string): string {
  return JSON.stringify(value);
}

function matchers(parts: ReadonlyArray<readonly [string, '=' | '!=' | '=~', string]>): string {
  return parts.map(([name, operator, value]) => `${name}${operator}${quoteLabelValue(value)}`).join(', ');
}

function extraLabels(labels: Readonly<Record<string, string>>): Array<readonly [string, '=', string]> {
  return Object.keys(labels)
    .sort()
    .map((name) => [name, '=', labels[name]!] as const);
}

/**
 * Default queries of the `cadvisor` preset (kubelet's /metrics/cadvisor or a cAdvisor):
 * `sum(rate(container_cpu_usage_seconds_total{S}[$window]))` and
 * `sum(container_memory_working_set_bytes{S})` (the figure the kubelet evicts and OOM-kills on).
 * Without `container`, S excludes `container=""` (the pod's own cgroup, which already holds its
 * containers: summing it would count them twice) and `container="POD"` (the pause container).
 */
export function cadvisorQueries(selection: CadvisorSelection): QueryTemplates {
  const parts: Array<readonly [string, '=' | '!=' | '=~', string]> = [['namespace', '=', selection.namespace]];
  if (selection.pod !== undefined) parts.push(['pod', '=~', selection.pod]);
  if (selection.container !== undefined) parts.push(['container', '=', selection.container]);
  else parts.push(['container', '!=', ''], ['container', '!=', 'POD']);
  parts.push(...extraLabels(selection.labels));
  const selector = matchers(parts);
  return {
    cpu: `sum(rate(container_cpu_usage_seconds_total{${selector}}[${WINDOW_PLACEHOLDER}]))`,
    memory: `sum(container_memory_working_set_bytes{${selector}})`,
    memoryKind: 'working-set',
    rss: undefined,
    selector: `container_cpu_usage_seconds_total{${selector}}`,
  };
}

/**
 * Default queries of the `process-exporter` preset:
 * `sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="G"}[$window]))` (user + system)
 * and `sum(namedprocess_namegroup_memory_bytes{groupname="G", memtype="proportionalResident"})`
 * (PSS), with `memtype="resident"` as the RSS figure beside it.
 */
export function processExporterQueries(selection: ProcessExporterSelection): QueryTemplates {
  const group = matchers([['groupname', '=', selection.groupname], ...extraLabels(selection.labels)]);
  const memory = (memtype: string): string => `sum(namedprocess_namegroup_memory_bytes{${group}, memtype=${quoteLabelValue(memtype)}})`;
  const isPss = selection.memtype === 'proportionalResident';
  return {
    cpu: `sum(rate(namedprocess_namegroup_cpu_seconds_total{${group}}[${WINDOW_PLACEHOLDER}]))`,
    memory: memory(selection.memtype),
    memoryKind: isPss ? 'pss' : 'rss',
    rss: isPss ? memory('resident') : undefined,
    selector: `namedprocess_namegroup_cpu_seconds_total{${group}}`,
  };
}

/**
 * A duration as PromQL writes it, to the millisecond: 20 → `20s`, 2.5 → `2500ms`.
 * @throws ConfigError when the duration rounds to less than 1 ms.
 */
export function formatPromDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (!(ms >= 1)) throw new ConfigError(`Cannot write a PromQL duration of ${seconds} s: it must be at least 1 ms. This is a bug in the window plan; report it.`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** `template` with every `$window` replaced by the duration. */
export function renderQuery(template: string, windowSeconds: number): string {
  return template.replaceAll(WINDOW_PLACEHOLDER, formatPromDuration(windowSeconds));
}

/** The window's timing for the queries. */
export interface WindowPlan {
  readonly startEpochSeconds: number;
  readonly endEpochSeconds: number;
  /** D = end − start. */
  readonly durationSeconds: number;
  /** Rate window of the CPU points: 4 × the scrape interval. */
  readonly rateWindowSeconds: number;
  /** Step of the range queries: min(I ÷ 2, D ÷ 10), to the ms, and at least D ÷ MAX_POINTS. */
  readonly stepSeconds: number;
  /** Points a range query over [start, end] returns when no scrape is missing. */
  readonly expectedPoints: number;
}

/** Fewer than Prometheus' limit of 11 000 points per series of a range query. */
export const MAX_POINTS = 10_000;

/** The rate window in scrape intervals. */
export const RATE_WINDOW_SCRAPES = 4;

/** The shortest window a target scraped every `scrapeIntervalSeconds` can be measured over: 4 scrape intervals. */
export function minimumWindowSeconds(scrapeIntervalSeconds: number): number {
  return Math.ceil(RATE_WINDOW_SCRAPES * scrapeIntervalSeconds * 1000) / 1000;
}

/**
 * The window's duration in s.
 * @throws ConfigError when the window is empty or its edges are not finite.
 */
export function checkWindow(startEpochSeconds: number, endEpochSeconds: number): number {
  const durationSeconds = endEpochSeconds - startEpochSeconds;
  if (!Number.isFinite(durationSeconds) || !(durationSeconds > 0)) {
    throw new ConfigError(`The measured window is empty: it ends at ${endEpochSeconds} s, not after its start at ${startEpochSeconds} s (epoch seconds). Pass the window's start and end, in that order.`);
  }
  return durationSeconds;
}

/**
 * Plans the queries of a window.
 * @throws ConfigError when the window is empty or spans fewer than 4 scrape intervals.
 */
export function planWindow(startEpochSeconds: number, endEpochSeconds: number, scrapeIntervalSeconds: number): WindowPlan {
  const durationSeconds = checkWindow(startEpochSeconds, endEpochSeconds);
  if (!(scrapeIntervalSeconds > 0)) throw new ConfigError(`Expected a positive scrape interval, got ${scrapeIntervalSeconds} s. Set \`metrics.scrapeIntervalSeconds\` to Prometheus' scrape interval for the target.`);
  const rateWindowSeconds = minimumWindowSeconds(scrapeIntervalSeconds);
  if (durationSeconds < rateWindowSeconds) {
    throw new ConfigError(
      `The measured window of ${durationSeconds.toFixed(1)} s is too short for a scrape interval of ${scrapeIntervalSeconds} s: the CPU mean needs at least ${RATE_WINDOW_SCRAPES} scrapes in the window (${rateWindowSeconds} s). Lengthen the scenario's \`durationSeconds\` or scrape the target more often.`,
    );
  }
  const floorMs = Math.ceil((durationSeconds / MAX_POINTS) * 1000);
  const stepMs = Math.max(1, floorMs, Math.floor(Math.min(scrapeIntervalSeconds / 2, durationSeconds / 10) * 1000));
  const stepSeconds = stepMs / 1000;
  return { startEpochSeconds, endEpochSeconds, durationSeconds, rateWindowSeconds, stepSeconds, expectedPoints: Math.floor(durationSeconds / stepSeconds + 1e-9) + 1 };
}

/** The query texts of one measurement, `$window` substituted (they go into results.json). */
export interface RenderedQueries {
  /** Instant query at the window's end: the mean cores over the whole window. */
  readonly cpuMean: string;
  /** Range query: cores over a rate window of 4 scrape intervals, per step. */
  readonly cpuSeries: string;
  readonly memory: string;
  readonly rss: string | undefined;
  readonly selector: string | undefined;
}

/** The templates rendered for a window plan. */
export function renderQueries(templates: QueryTemplates, plan: WindowPlan): RenderedQueries {
  return {
    cpuMean: renderQuery(templates.cpu, plan.durationSeconds),
    cpuSeries: renderQuery(templates.cpu, plan.rateWindowSeconds),
    memory: renderQuery(templates.memory, plan.rateWindowSeconds),
    rss: templates.rss === undefined ? undefined : renderQuery(templates.rss, plan.rateWindowSeconds),
    selector: templates.selector,
  };
}
