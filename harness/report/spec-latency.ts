/**
 * Latency charts of one scenario as Vega-Lite specs: the percentile spectrum of every valid run
 * (HdrHistogram style), per-second p50/p99 over the window, and p99 against throughput for rate
 * sweeps. Invalid runs are left out of the first two (the table lists them) and marked in the
 * third. Pure; undefined when there is nothing to draw.
 */
import { median } from 'simple-statistics';
import type { RunRecord } from '../results/document.js';
import type { ScenarioGroup, SourcePoint } from './sources.js';
import { runSpectrum } from './spectrum.js';
import { facetByPoint, latencyAxis, round, seriesColor, topLevel, type VegaLiteSpec } from './spec-common.js';

/** A spec with the caption that goes under it. */
export interface CaptionedSpec {
  readonly title: string;
  readonly caption: string;
  readonly spec: VegaLiteSpec;
}

interface RunOfPoint {
  readonly run: RunRecord;
  readonly point: SourcePoint;
  readonly pointLabel: string;
}

function runsOf(scenario: ScenarioGroup): RunOfPoint[] {
  return scenario.points.flatMap((scenarioPoint) => scenarioPoint.points.flatMap((point) => point.pointRuns.map((run) => ({ run, point, pointLabel: scenarioPoint.shortLabel }))));
}

/** The platform floor's runs of a scenario, with the point each belongs to. */
function floorRunsOf(scenario: ScenarioGroup): RunOfPoint[] {
  return scenario.points.flatMap((scenarioPoint) => scenarioPoint.floor.flatMap((point) => point.pointRuns.map((run) => ({ run, point, pointLabel: scenarioPoint.shortLabel }))));
}

function leftOut(runs: readonly RunOfPoint[]): string {
  const invalid = runs.filter(({ run }) => !run.validity.valid).length;
  return invalid === 0 ? '' : ` ${invalid} invalid run${invalid === 1 ? ' is' : 's are'} left out (see the table).`;
}

function latencyOrigin(scenario: ScenarioGroup): string {
  return scenario.points[0]?.model === 'open' ? 'Open loop: latency from the planned send time (coordinated-omission safe).' : 'Closed loop: latency from the send (latency restates throughput).';
}

const INVERSE_TAIL_TICKS = [2, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000];

/** The grey of the platform floor's lines: under the services, outside their colour scale. */
export const FLOOR_COLOR = '#9e9e9e';

/**
 * Latency at every percentile of every valid run: x = 1 / (1 − p) on a log scale, y = µs (log).
 * The platform floor's valid runs at the same points are drawn first, as grey lines under the
 * services' (`kind: 'floor'` in the data; the services' rows are `kind: 'service'`).
 */
export function spectrumSpec(scenario: ScenarioGroup, series: readonly string[]): CaptionedSpec | undefined {
  const runs = runsOf(scenario);
  const rowsOf = (kind: 'service' | 'floor', entries: readonly RunOfPoint[]) =>
    entries
      .filter(({ run }) => run.validity.valid)
      .flatMap(({ run, point, pointLabel }) =>
        runSpectrum(run).map((entry) => ({ kind, series: point.series, run: run.id, point: pointLabel, load: point.load, percentile: round(entry.percentile, 7), inverseTail: round(entry.inverseTail, 6), latencyUs: entry.latencyUs })),
      );
  const services = rowsOf('service', runs);
  if (services.length === 0) return undefined;
  const floor = rowsOf('floor', floorRunsOf(scenario));
  const values = [...floor, ...services];
  const maxTail = Math.max(...values.map((value) => value.inverseTail));
  const x = {
    field: 'inverseTail',
    type: 'quantitative',
    title: 'percentile (log scale of 1 / (1 − p))',
    scale: { type: 'log', domain: [1, Math.max(2, maxTail)], nice: false },
    axis: { values: INVERSE_TAIL_TICKS.filter((tick) => tick <= maxTail * 1.01), labelExpr: "format(100 - 100 / datum.value, '.6~r') + ' %'" },
  };
  const y = latencyAxis('latencyUs', values.map((value) => value.latencyUs), 'latency (log scale)');
  const tooltip = (title: string): unknown[] => [
    { field: 'series', title },
    { field: 'load', title: 'load' },
    { field: 'percentile', title: 'percentile', type: 'quantitative', format: '.4~f' },
    { field: 'latencyUs', title: 'latency (µs)', type: 'quantitative', format: ',' },
  ];
  const serviceLayer = {
    transform: [{ filter: "datum.kind === 'service'" }],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
    encoding: { x, y, color: seriesColor(series, services), detail: { field: 'run', type: 'nominal' }, tooltip: tooltip('service') },
  };
  // Drawn first, so under the services; a fixed grey, so no service's colour changes with it.
  const floorLayer = {
    transform: [{ filter: "datum.kind === 'floor'" }],
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.4, color: FLOOR_COLOR, opacity: 0.9 },
    encoding: { x, y, detail: { field: 'run', type: 'nominal' }, tooltip: tooltip('platform floor') },
  };
  const unit = floor.length === 0 ? serviceLayer : { layer: [floorLayer, serviceLayer] };
  const labels = scenario.points.map((point) => point.shortLabel);
  const floorCaption = floor.length === 0 ? '' : ' Grey: the platform floor (a server that answers at once) in the same rounds at the same load — what the machine shows with no service time at all; a service line on or under the grey ones is at the floor there.';
  return {
    title: 'Latency percentile spectrum',
    caption: `Latency at each percentile of every valid run (one line per run), read from its HdrHistogram; the log x axis gives the tail room.${floorCaption} ${latencyOrigin(scenario)}${leftOut(runs)}`,
    spec: topLevel(`${scenario.name}: latency by percentile`, values, facetByPoint(unit, labels)),
  };
}

/** Per-second p50 (solid) and p99 (dashed) of every valid run: spikes show as peaks. */
export function latencyOverTimeSpec(scenario: ScenarioGroup, series: readonly string[]): CaptionedSpec | undefined {
  const runs = runsOf(scenario);
  const values = runs
    .filter(({ run }) => run.validity.valid)
    .flatMap(({ run, point, pointLabel }) =>
      run.load.perSecond.flatMap((second) => [
        { series: point.series, run: run.id, point: pointLabel, second: second.second, percentile: 'p50', latencyUs: second.p50Us, responses: second.count },
        { series: point.series, run: run.id, point: pointLabel, second: second.second, percentile: 'p99', latencyUs: second.p99Us, responses: second.count },
      ]),
    );
  if (values.length === 0) return undefined;
  const unit = {
    mark: { type: 'line', point: { size: 28 }, strokeWidth: 1.6 },
    encoding: {
      x: { field: 'second', type: 'quantitative', title: 'second of the measured window (s)', axis: { tickMinStep: 1, format: 'd' } },
      y: latencyAxis('latencyUs', values.map((value) => value.latencyUs), 'latency per second (log scale)'),
      color: seriesColor(series, values),
      strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile', scale: { domain: ['p50', 'p99'], range: [[1, 0], [5, 3]] }, legend: { symbolType: 'stroke', symbolStrokeColor: '#555', symbolStrokeWidth: 2, symbolSize: 300, symbolFillColor: 'transparent' } },
      detail: { field: 'run', type: 'nominal' },
      tooltip: [
        { field: 'series', title: 'service' },
        { field: 'run', title: 'run' },
        { field: 'second', title: 'second', type: 'quantitative' },
        { field: 'percentile', title: 'percentile' },
        { field: 'latencyUs', title: 'latency (µs)', type: 'quantitative', format: ',' },
        { field: 'responses', title: 'responses in the second', type: 'quantitative', format: ',' },
      ],
    },
  };
  return {
    title: 'Latency over time',
    caption: `Per-second p50 (solid) and p99 (dashed) of each valid run's measured window: a latency spike (GC pause, compaction) shows as a peak in one second. ${latencyOrigin(scenario)}${leftOut(runs)}`,
    spec: topLevel(`${scenario.name}: p50 and p99 per second`, values, facetByPoint(unit, scenario.points.map((point) => point.shortLabel))),
  };
}

/** Whether a scenario is an open-loop rate sweep (several rate points). */
export function isRateSweep(scenario: ScenarioGroup): boolean {
  return scenario.points.length > 1 && scenario.points.every((point) => point.model === 'open');
}

/**
 * p99 against achieved throughput for a rate sweep: one line per service through the medians of
 * valid runs, every run as a point, invalid runs as crosses (where a service breaks).
 */
export function sweepSpec(scenario: ScenarioGroup, series: readonly string[]): CaptionedSpec | undefined {
  if (!isRateSweep(scenario)) return undefined;
  const runs = runsOf(scenario);
  const runValues = runs
    .filter(({ run }) => run.load.latencyUs !== undefined)
    .map(({ run, point }) => ({
      kind: 'run',
      series: point.series,
      run: run.id,
      rateIndex: run.rateIndex,
      offeredRps: round(run.load.offeredRps ?? 0),
      achievedRps: round(run.load.achievedRps),
      p99Us: run.load.latencyUs!.p99Us,
      validity: run.validity.valid ? 'valid' : 'invalid',
      reason: run.validity.reasons.map((reason) => reason.text).join('; ') || '–',
    }));
  const medianValues = scenario.points.flatMap((scenarioPoint) =>
    scenarioPoint.points.flatMap((point) => {
      const valid = point.pointRuns.filter((run) => run.validity.valid);
      const p99 = point.metrics.p99;
      if (valid.length === 0 || p99 === undefined) return [];
      return [{ kind: 'median', series: point.series, rateIndex: point.rateIndex, achievedRps: round(median(valid.map((run) => run.load.achievedRps))), p99Us: p99.value }];
    }),
  );
  if (runValues.length === 0) return undefined;
  const noLatency = runs.length - runValues.length;
  const x = { field: 'achievedRps', type: 'quantitative', title: 'achieved throughput (req/s)', scale: { zero: false, nice: true } };
  const y = latencyAxis('p99Us', runValues.map((value) => value.p99Us), 'p99 latency (log scale)');
  const color = seriesColor(series, runValues);
  return {
    title: 'Throughput against p99 (rate sweep)',
    caption: `Each point is one run at an offered rate; lines join the medians of valid runs in rate order. Where a service breaks, achieved throughput stops following the offered rate and p99 climbs. Crosses are invalid runs, shown but not joined.${noLatency === 0 ? '' : ` ${noLatency} run(s) without a single response cannot be placed.`}`,
    spec: topLevel(`${scenario.name}: p99 against throughput`, [...runValues, ...medianValues], {
      width: 640,
      height: 300,
      layer: [
        { transform: [{ filter: "datum.kind === 'median'" }], mark: { type: 'line', strokeWidth: 1.8 }, encoding: { x, y, color, order: { field: 'rateIndex', type: 'quantitative' } } },
        {
          transform: [{ filter: "datum.kind === 'run'" }],
          mark: { type: 'point', size: 70, strokeWidth: 2, filled: false },
          encoding: {
            x,
            y,
            color,
            shape: { field: 'validity', type: 'nominal', title: 'run', scale: { domain: ['valid', 'invalid'], range: ['circle', 'cross'] } },
            tooltip: [
              { field: 'series', title: 'service' },
              { field: 'run', title: 'run' },
              { field: 'offeredRps', title: 'offered (req/s)', type: 'quantitative', format: ',.1f' },
              { field: 'achievedRps', title: 'achieved (req/s)', type: 'quantitative', format: ',.1f' },
              { field: 'p99Us', title: 'p99 (µs)', type: 'quantitative', format: ',' },
              { field: 'validity', title: 'validity' },
              { field: 'reason', title: 'why invalid' },
            ],
          },
        },
      ],
    }),
  };
}
