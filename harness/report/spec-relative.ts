/**
 * The at-a-glance comparison across scenarios as a Vega-Lite spec: for every scenario point (one
 * row each), every service's CPU per request, p99 and peak PSS as a multiple of one reference
 * service's, on a log axis (× of the reference) faceted by metric. The reference is the service
 * the scenario names as `reference`, else the first service (by name) with a valid run at the
 * point; in a merged report each machine's services are compared with that machine's reference.
 * Values are the medians of valid runs (sources.ts); services without a valid run are left out
 * and named in the tooltip and caption. Pure; undefined when no point has a reference to compare with.
 */
import { formatNumber } from '../claims/format.js';
import type { ReportModel, ScenarioGroup, ScenarioPoint, SourcePoint } from './sources.js';
import type { CaptionedSpec } from './spec-latency.js';
import { logAxisTicks, logDomain, round, seriesColor, topLevel } from './spec-common.js';

/** The compared metrics: run-metric name, facet label, and how a median is printed. */
const RELATIVE_METRICS = [
  { metric: 'cpuUsPerRequest', label: 'CPU per request', text: (valueUs: number) => `${formatNumber(valueUs)} µs` },
  { metric: 'p99', label: 'p99 latency', text: (valueUs: number) => `${formatNumber(valueUs / 1000)} ms` },
  { metric: 'peakPssBytes', label: 'peak PSS', text: (valueBytes: number) => `${formatNumber(valueBytes / (1024 * 1024))} MiB` },
] as const;

/** A dot (a service's multiple of the reference) or, with `missing`, a text in place of the dots. */
export interface RelativeRow {
  /** `scenario · point (× of reference)`: the y label. */
  readonly row: string;
  readonly metric: string;
  readonly missing: boolean;
  readonly series?: string;
  readonly ratio?: number;
  readonly ratioText?: string;
  readonly valueText?: string;
  readonly referenceText?: string;
  readonly n?: number;
  readonly text?: string;
  /** Services of the row left out: `go, rust (no valid run)`, or `–`. */
  readonly leftOut: string;
}

/**
 * The reference service of a scenario point and how it was chosen: the scenario's `reference`;
 * else the first service by name with a valid run at every point of the scenario (one reference
 * for all its rows), else at this point; undefined when no service has a valid run here.
 */
export function pointReference(scenario: ScenarioGroup, point: ScenarioPoint): { service: string; isNamed: boolean } | undefined {
  if (scenario.reference !== undefined) return { service: scenario.reference, isNamed: true };
  const isValidAt = (service: string, at: ScenarioPoint): boolean => at.points.some((candidate) => candidate.service === service && candidate.validRuns > 0);
  const services = [...new Set(point.points.map((candidate) => candidate.service))];
  const everywhere = services.find((service) => scenario.points.every((at) => isValidAt(service, at)));
  const here = everywhere ?? services.find((service) => isValidAt(service, point));
  return here === undefined ? undefined : { service: here, isNamed: false };
}

function pointName(scenario: ScenarioGroup, point: ScenarioPoint): string {
  return `${scenario.name}${scenario.points.length > 1 ? ` · ${point.shortLabel}` : ''}`;
}

function rowLabel(scenario: ScenarioGroup, point: ScenarioPoint, reference: string): string {
  return `${pointName(scenario, point)} (× of ${reference})`;
}

/** One metric of one machine's services at a point: their multiples, or why there are none. */
function sourceRows(ofSource: readonly SourcePoint[], metric: (typeof RELATIVE_METRICS)[number], reference: string, where: string): RelativeRow[] | string {
  const base = ofSource.find((candidate) => candidate.service === reference);
  const baseValue = base?.metrics[metric.metric]?.value;
  if (base === undefined) return `no valid run of ${reference}${where}`;
  if (baseValue === undefined || !(baseValue > 0)) return `${reference} has no ${metric.label}${where}`;
  return ofSource.flatMap((candidate): RelativeRow[] => {
    const estimate = candidate.metrics[metric.metric];
    if (estimate === undefined || !(estimate.value > 0)) return [];
    return [
      {
        row: '',
        metric: metric.label,
        missing: false,
        series: candidate.series,
        ratio: round(estimate.value / baseValue, 4),
        ratioText: candidate === base ? '1× (the reference)' : `${formatNumber(estimate.value / baseValue)}× of ${reference}${where}`,
        valueText: metric.text(estimate.value),
        referenceText: metric.text(baseValue),
        n: estimate.n,
        leftOut: '',
      },
    ];
  });
}

/** The rows of one scenario point: every valid service's multiples, or a text where the reference lacks a value. */
function pointRows(scenario: ScenarioGroup, point: ScenarioPoint, reference: string, isMerged: boolean): { rows: RelativeRow[]; leftOut: string[] } {
  const row = rowLabel(scenario, point, reference);
  const leftOutSeries = point.points.filter((candidate) => candidate.validRuns === 0).map((candidate) => candidate.series);
  const leftOut = leftOutSeries.length === 0 ? '–' : `${leftOutSeries.join(', ')} (no valid run)`;
  const valid = point.points.filter((candidate) => candidate.validRuns > 0);
  const sources = [...new Set(valid.map((candidate) => candidate.source))];
  const rows = RELATIVE_METRICS.flatMap((metric): RelativeRow[] => {
    const results = sources.map((source) => sourceRows(valid.filter((candidate) => candidate.source === source), metric, reference, isMerged ? ` on ${source.label}` : ''));
    const dots = results.flatMap((result) => (typeof result === 'string' ? [] : result.map((dot) => ({ ...dot, row, leftOut }))));
    const why = results.filter((result): result is string => typeof result === 'string');
    // One text per row and metric, even when several machines lack the reference.
    return why.length === 0 ? dots : [...dots, { row, metric: metric.label, missing: true, text: why.join('; '), leftOut }];
  });
  return { rows, leftOut: leftOutSeries.length === 0 ? [] : [`${leftOutSeries.join(', ')} at ${pointName(scenario, point)}`] };
}

/** "a, b and c" (at most `limit` items, then "and N more"). */
function listOf(items: readonly string[], limit = 6): string {
  const shown = items.length > limit ? [...items.slice(0, limit), `${items.length - limit} more`] : [...items];
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)!}`;
}

/** The comparison across scenarios: CPU per request, p99 and peak PSS as multiples of each point's reference. */
export function relativeSpec(model: ReportModel): CaptionedSpec | undefined {
  const values: RelativeRow[] = [];
  const rowOrder: string[] = [];
  const leftOut: string[] = [];
  const unreferenced: string[] = [];
  const references = new Map<string, boolean>();
  for (const scenario of model.scenarios) {
    for (const point of scenario.points) {
      const reference = pointReference(scenario, point);
      if (reference === undefined) {
        unreferenced.push(pointName(scenario, point));
        continue;
      }
      references.set(reference.service, reference.isNamed);
      const ofPoint = pointRows(scenario, point, reference.service, model.isMerged);
      rowOrder.push(rowLabel(scenario, point, reference.service));
      values.push(...ofPoint.rows);
      leftOut.push(...ofPoint.leftOut);
    }
  }
  const dots = values.filter((value) => !value.missing);
  if (dots.length === 0) return undefined;
  const domain = logDomain([1, ...dots.map((value) => value.ratio!)], 1.4);
  const drawn = model.series.filter((series) => dots.some((value) => value.series === series));
  const perRow = Math.max(...rowOrder.map((row) => new Set(dots.filter((value) => value.row === row).map((value) => value.series)).size));
  const y = { field: 'row', type: 'nominal', title: null, sort: rowOrder, axis: { labelLimit: 320 } };
  const labels = RELATIVE_METRICS.map((metric) => metric.label);
  const tooltip = [
    { field: 'series', title: 'service' },
    { field: 'row', title: 'scenario point' },
    { field: 'metric', title: 'metric' },
    { field: 'ratioText', title: 'relative' },
    { field: 'valueText', title: 'median' },
    { field: 'referenceText', title: "reference's median" },
    { field: 'n', title: 'valid runs' },
    { field: 'leftOut', title: 'left out' },
  ];
  const named = [...references].filter(([, isNamed]) => isNamed).map(([service]) => service);
  const chosen = [...references].filter(([, isNamed]) => !isNamed).map(([service]) => service);
  const how = [
    named.length === 0 ? '' : `${listOf(named)} (named by the scenario as its reference)`,
    chosen.length === 0 ? '' : `${listOf(chosen)} (the scenario naming none: the first service by name with a valid run at all of its points, else at the point)`,
  ].filter((part) => part !== '');
  return {
    title: 'Across scenarios: relative to a reference service',
    caption: [
      `Each service's median CPU per request, p99 latency and peak PSS over valid runs, as a multiple of the reference service at the same point (the grey line at 1×; its name ends each row). References: ${how.join('; ')}.`,
      'Log axis: 0.5× and 2× are equally far from 1×; left of the line is less than the reference, better for all three metrics.',
      model.isMerged ? 'Merged results: each machine is compared with its own run of the reference.' : '',
      leftOut.length === 0 ? '' : `Left out for want of a valid run: ${(leftOut.length > 4 ? [...leftOut.slice(0, 4), `${leftOut.length - 4} more points`] : leftOut).join('; ')}.`,
      unreferenced.length === 0 ? '' : `No service has a valid run at ${listOf(unreferenced)}: no row.`,
    ].filter((part) => part !== '').join(' '),
    spec: topLevel('Relative to the reference service', values, {
      facet: { column: { field: 'metric', type: 'nominal', title: null, sort: labels, header: { labelLimit: 240 } } },
      spec: {
        width: 220,
        height: rowOrder.length * Math.max(20, 7 * perRow + 8),
        layer: [
          // One 1× line per metric column, not one per row of data.
          { transform: [{ aggregate: [{ op: 'count', as: 'rows' }], groupby: ['metric'] }], mark: { type: 'rule', color: '#8c959f', strokeWidth: 1.5 }, encoding: { x: { datum: 1 } } },
          {
            transform: [{ filter: '!datum.missing' }],
            mark: { type: 'point', filled: true, size: 70, opacity: 0.9, stroke: '#fff', strokeWidth: 0.8 },
            encoding: {
              x: { field: 'ratio', type: 'quantitative', title: '× of the reference (log scale)', scale: { type: 'log', domain, nice: false }, axis: { values: logAxisTicks(domain, [0.5, 2]), labelExpr: "format(datum.value, '~g') + '×'" } },
              y,
              yOffset: { field: 'series', type: 'nominal', sort: drawn },
              color: seriesColor(model.series, dots),
              tooltip,
            },
          },
          { transform: [{ filter: 'datum.missing' }], mark: { type: 'text', align: 'left', x: 4, fontSize: 10, fontStyle: 'italic', color: '#b42318' }, encoding: { y, text: { field: 'text' }, tooltip: [{ field: 'row', title: 'scenario point' }, { field: 'text', title: 'why' }, { field: 'leftOut', title: 'left out' }] } },
        ],
      },
    }),
  };
}
