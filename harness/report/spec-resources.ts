/**
 * Resource and comparison charts as Vega-Lite specs: CPU cores and RSS/PSS over the window, bars
 * with CI error bars (their coverage in the tooltip) for the headline metrics, and build time / artifact size / lines of
 * code bars. Pure; undefined when there is nothing to draw.
 */
import type { BuildRecord } from '../results/document.js';
import { formatNumber } from '../claims/format.js';
import { formatCoverage } from '../stats/interval.js';
import type { ReportModel, ScenarioGroup } from './sources.js';
import type { CaptionedSpec } from './spec-latency.js';
import { facetByPoint, round, seriesColor, topLevel } from './spec-common.js';

const MIB = 1024 * 1024;

/** CPU cores and Σ RSS / Σ PSS of the service's process tree over each valid run. */
export function resourcesSpec(scenario: ScenarioGroup, series: readonly string[]): CaptionedSpec | undefined {
  const runs = scenario.points.flatMap((scenarioPoint) => scenarioPoint.points.flatMap((point) => point.pointRuns.map((run) => ({ run, point, pointLabel: scenarioPoint.shortLabel }))));
  const values = runs
    .filter(({ run }) => run.validity.valid)
    .flatMap(({ run, point, pointLabel }) =>
      run.measured.series.map((sample) => ({
        series: point.series,
        run: run.id,
        point: pointLabel,
        tS: round(sample.tMs / 1000, 4),
        ...(sample.cpuCores === undefined ? {} : { cpuCores: round(sample.cpuCores, 4) }),
        ...(sample.rssBytes === undefined ? {} : { RSS: round(sample.rssBytes / MIB, 4) }),
        ...(sample.pssBytes === undefined ? {} : { PSS: round(sample.pssBytes / MIB, 4) }),
        ...(sample.workingSetBytes === undefined ? {} : { 'working set': round(sample.workingSetBytes / MIB, 4) }),
      })),
    );
  if (values.length === 0) return undefined;
  const labels = scenario.points.map((point) => point.shortLabel);
  const x = { field: 'tS', type: 'quantitative', title: labels.length > 1 ? 'time (s)' : 'time from the window start (s; negative = warm-up)' };
  const start = { mark: { type: 'rule', color: '#999', strokeDash: [2, 2] }, encoding: { x: { datum: 0 } } };
  const cpu = {
    layer: [
      start,
      {
        transform: [{ filter: 'isValid(datum.cpuCores)' }],
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: {
          x,
          y: { field: 'cpuCores', type: 'quantitative', title: 'CPU (cores)' },
          color: seriesColor(series, values),
          detail: { field: 'run', type: 'nominal' },
          tooltip: [{ field: 'series', title: 'service' }, { field: 'run' }, { field: 'tS', title: 't (s)' }, { field: 'cpuCores', title: 'CPU (cores)', format: '.2f' }],
        },
      },
    ],
  };
  const memory = {
    layer: [
      start,
      {
        transform: [{ fold: ['RSS', 'PSS', 'working set'], as: ['memory', 'MiB'] }, { filter: 'isValid(datum.MiB)' }],
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: {
          x,
          y: { field: 'MiB', type: 'quantitative', title: 'Σ memory of the tree (MiB)' },
          color: seriesColor(series, values),
          strokeDash: { field: 'memory', type: 'nominal', title: 'memory', scale: { domain: ['RSS', 'PSS', 'working set'], range: [[1, 0], [5, 3], [2, 2]] }, legend: { symbolType: 'stroke', symbolStrokeColor: '#555', symbolStrokeWidth: 2, symbolSize: 300, symbolFillColor: 'transparent' } },
          detail: { field: 'run', type: 'nominal' },
          tooltip: [{ field: 'series', title: 'service' }, { field: 'run' }, { field: 'tS', title: 't (s)' }, { field: 'memory' }, { field: 'MiB', title: 'MiB', format: ',.1f' }],
        },
      },
    ],
  };
  const invalid = runs.filter(({ run }) => !run.validity.valid).length;
  return {
    title: 'CPU and memory over time',
    caption: `The service's whole process tree, sampled during warm-up (t < 0) and the measured window: CPU in cores, Σ RSS (solid) and Σ PSS (dashed, every 2 s; PSS shares pages fairly between processes). A remote target's points come from its Prometheus over the window only (at the query step; working set dotted).${invalid === 0 ? '' : ` ${invalid} invalid run(s) left out.`}`,
    spec: topLevel(`${scenario.name}: CPU and memory over time`, values, { vconcat: [facetByPoint(cpu, labels, 170), facetByPoint(memory, labels, 170)], resolve: { scale: { color: 'shared', strokeDash: 'independent' } } }),
  };
}

/** The metrics of the comparison bars: label with unit, and the scale from the run metric's unit. */
const BAR_METRICS = [
  { metric: 'p99', label: 'p99 latency (ms)', scale: 1 / 1000 },
  { metric: 'rps', label: 'throughput (req/s)', scale: 1 },
  { metric: 'cpuUsPerRequest', label: 'CPU per request (µs)', scale: 1 },
  { metric: 'peakPssBytes', label: 'peak PSS (MiB)', scale: 1 / MIB },
] as const;

function barsBody(labels: readonly string[], rowLabels: readonly string[], series: readonly string[], values: ReadonlyArray<{ readonly series: string }>, hasIntervals: boolean, note: string): Record<string, unknown> {
  const y = { field: 'series', type: 'nominal', title: null, sort: series.filter((label) => values.some((value) => value.series === label)) };
  // Only with an interval somewhere: an error-bar layer without data gives an infinite extent.
  const whiskers = hasIntervals ? [{ transform: [{ filter: 'datum.n > 1' }], mark: { type: 'rule', color: '#222', strokeWidth: 1.5 }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' }, y } }] : [];
  return {
    facet: {
      column: { field: 'metric', type: 'nominal', title: null, sort: [...labels], header: { labelLimit: 200 } },
      ...(rowLabels.length > 1 ? { row: { field: 'point', type: 'nominal', title: null, sort: [...rowLabels], header: { labelAngle: 0, labelAlign: 'left', labelLimit: 160 } } } : {}),
    },
    spec: {
      width: 170,
      height: { step: 20 },
      layer: [
        { transform: [{ filter: '!datum.missing' }], mark: { type: 'bar', height: { band: 0.7 } }, encoding: { x: { field: 'value', type: 'quantitative', title: null }, y, color: { ...seriesColor(series, values), legend: null }, tooltip: [{ field: 'series', title: 'service' }, { field: 'metric' }, { field: 'text', title: 'value' }, { field: 'interval', title: 'CI (coverage)' }] } },
        ...whiskers,
        { transform: [{ filter: '!datum.missing' }], mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' }, encoding: { x: { field: 'textAt', type: 'quantitative' }, y, text: { field: 'text' } } },
        { transform: [{ filter: 'datum.missing' }], mark: { type: 'text', align: 'left', x: 4, fontSize: 10, fontStyle: 'italic', color: '#b42318' }, encoding: { y, text: { field: 'text' } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
    description: note,
  };
}

/** Bars of the headline metrics (medians of valid runs) with CI error bars, per load point. */
export function headlineBarsSpec(scenario: ScenarioGroup, series: readonly string[]): CaptionedSpec | undefined {
  const values = scenario.points.flatMap((scenarioPoint) =>
    scenarioPoint.points.flatMap((point) =>
      BAR_METRICS.map(({ metric, label, scale }) => {
        const estimate = point.metrics[metric];
        const base = { point: scenarioPoint.shortLabel, series: point.series, metric: label };
        if (point.validRuns === 0) return { ...base, missing: true, n: 0, text: 'invalid (see table)' };
        if (estimate === undefined) return { ...base, missing: true, n: 0, text: 'not measured' };
        const interval = estimate.n > 1 ? `${formatNumber(estimate.low * scale)} – ${formatNumber(estimate.high * scale)} (${formatCoverage(estimate.coverage)})` : 'n = 1: no interval';
        const value = round(estimate.value * scale);
        const high = round(estimate.high * scale);
        // The value label goes right of the whisker, not over it.
        return { ...base, missing: false, n: estimate.n, value, low: round(estimate.low * scale), high, textAt: estimate.n > 1 ? Math.max(value, high) : value, text: formatNumber(estimate.value * scale), interval };
      }),
    ),
  );
  if (values.every((value) => value.missing)) return undefined;
  return {
    title: 'Headline metrics',
    caption: 'Medians of valid runs; black whiskers are order-statistic confidence intervals, their coverage in the tooltip (95 % from 6 valid runs; none with a single run). A service without a valid run is marked invalid, not drawn.',
    spec: topLevel(
      `${scenario.name}: headline metrics`,
      values,
      barsBody(
        BAR_METRICS.map((metric) => metric.label),
        scenario.points.map((point) => point.shortLabel),
        series,
        values,
        values.some((value) => value.n > 1),
        'medians with CIs',
      ),
    ),
  };
}

/** Build time, artifact size and lines of code per service (single measurements). */
export function buildsSpec(model: ReportModel): CaptionedSpec | undefined {
  const metrics = [
    { label: 'clean build (s)', read: (build: BuildRecord) => build.lastClean?.lastStepSeconds },
    { label: 'incremental build after a one-line edit (s)', read: (build: BuildRecord) => build.lastIncremental?.lastStepSeconds },
    { label: 'artifact (MiB)', read: (build: BuildRecord) => (build.artifactBytes === undefined ? undefined : build.artifactBytes / MIB) },
    { label: 'lines of code', read: (build: BuildRecord) => build.linesOfCode.total },
  ];
  const values = model.sources.flatMap((source) =>
    source.document.builds.flatMap((build) =>
      metrics.map(({ label, read }) => {
        const value = read(build);
        const series = model.isMerged ? `${build.service} @ ${source.label}` : build.service;
        return value === undefined ? { point: '', series, metric: label, missing: true, n: 0, text: 'not measured' } : { point: '', series, metric: label, missing: false, n: 1, value: round(value), textAt: round(value), text: formatNumber(value) };
      }),
    ),
  );
  if (values.length === 0 || values.every((value) => value.missing)) return undefined;
  return {
    title: 'Build time, artifact size and code size',
    caption: 'Single measurements per service: the compile step of the most recent clean build and of the most recent incremental build after a one-line edit (rewrite-bench build --timings), the binary or virtual-environment size, and non-blank non-comment lines of the service’s own source.',
    spec: topLevel('Build, artifact and code size', values, barsBody(metrics.map((metric) => metric.label), [], model.series, values, false, 'single measurements')),
  };
}
