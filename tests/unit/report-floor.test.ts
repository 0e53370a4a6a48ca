/**
 * The platform floor in the report: a grey line under the services in the percentile spectrum,
 * its columns beside the services in the headline tables with a service's figure at the floor
 * marked there, never a colour of its own, a role column in runs.csv — and every spec still
 * compiles.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../harness/report/render.js';
import { buildModel } from '../../harness/report/sources.js';
import { FLOOR_COLOR } from '../../harness/report/spec-latency.js';
import { buildCharts } from '../../harness/report/spec.js';
import { headlineTables } from '../../harness/report/tables.js';
import type { ResultsDocument, RunRecord } from '../../harness/results/document.js';
import { runId } from '../../harness/results/floor-runs.js';
import { loadFixture } from '../fixtures/report/documents.js';

const BUNDLES = { vega: '/* vega */', vegaLite: '/* vega-lite */', vegaEmbed: '/* vega-embed */' };

/**
 * The fixture with a floor run beside every open-loop run of process-sweep (capacity fractions:
 * one at each service's rate), its latency `scale` × the service's, and valid.
 */
function withFloor(document: ResultsDocument, scale: number): ResultsDocument {
  const floor = document.runs
    .filter((run) => run.load.model === 'open')
    .map((run): RunRecord => {
      const identity = { scenario: run.scenario, service: 'floor', repetition: run.repetition, rateIndex: run.rateIndex, capacityFraction: run.capacityFraction, role: 'floor' as const, beside: [run.service] };
      const latency = run.load.latencyUs!;
      return {
        ...run,
        ...identity,
        id: runId(identity),
        language: 'rust',
        validity: { valid: true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
        load: { ...run.load, latencyUs: { ...latency, p50Us: latency.p50Us * scale, p99Us: latency.p99Us * scale, p999Us: latency.p999Us * scale } },
      };
    });
  return { ...document, runs: [...document.runs, ...floor] };
}

const modelOf = (document: ResultsDocument) => buildModel([{ file: 'results.json', document }]);

describe('the platform floor in the report', () => {
  const document = withFloor(loadFixture(), 1.5);
  const charts = buildCharts(modelOf(document));

  it('every chart compiles without errors or warnings', () => {
    for (const chart of charts) {
      const warnings: string[] = [];
      const logger = { level: () => logger, warn: (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger), info: () => logger, debug: () => logger, error: (...args: unknown[]) => { throw new Error(`${chart.id}: ${args.map(String).join(' ')}`); } };
      compile(chart.spec as unknown as TopLevelSpec, { logger: logger as never });
      expect(warnings, `${chart.kind} ${chart.scenario}`).toEqual([]);
    }
  });

  it('draws the floor in the spectrum as grey lines under the services', () => {
    const spectrum = charts.find((chart) => chart.kind === 'spectrum' && chart.scenario === 'process-sweep')!;
    const unit = (spectrum.spec.spec ?? spectrum.spec) as { layer: Array<{ transform: Array<{ filter: string }>; mark: { color?: string }; encoding: { color?: unknown } }> };
    // First layer drawn first (under): the floor, in a fixed grey, outside the services' colour scale.
    expect(unit.layer.map((layer) => layer.transform[0]!.filter)).toEqual(["datum.kind === 'floor'", "datum.kind === 'service'"]);
    expect(unit.layer[0]!.mark.color).toBe(FLOOR_COLOR);
    expect(unit.layer[0]!.encoding.color).toBeUndefined();
    const values = (spectrum.spec.data as { values: Array<{ kind: string; run: string }> }).values;
    expect(new Set(values.filter((row) => row.kind === 'floor').map((row) => row.run))).toEqual(new Set(document.runs.filter((run) => run.role === 'floor' && run.validity.valid && run.scenario === 'process-sweep').map((run) => run.id)));
    expect(spectrum.caption).toContain('Grey: the platform floor');
    // A scenario without floor runs keeps the plain spectrum.
    const closed = charts.find((chart) => chart.kind === 'spectrum' && chart.scenario === 'json-closed')!;
    expect(JSON.stringify(closed.spec)).not.toContain("datum.kind === 'floor'");
  });

  it('gives the floor no colour and no place in the other charts', () => {
    expect(modelOf(document).series).not.toContain('floor');
    for (const chart of charts.filter((entry) => entry.kind !== 'spectrum')) expect(JSON.stringify(chart.spec), `${chart.kind} ${chart.scenario}`).not.toContain('floor');
  });

  it('puts the floor\'s columns after the services\' with latency and throughput only, and marks a service\'s figure at the floor', () => {
    const table = headlineTables(modelOf(document)).find((entry) => entry.scenario === 'process-sweep' && entry.rateIndex === 2)!;
    const names = table.columns.map((column) => `${column.service}${column.role === 'floor' ? ' (role floor)' : ''}`);
    expect(names.slice(0, 4)).toEqual(['go', 'python', 'python-rust', 'rust']);
    expect(names.slice(4).every((name) => name.startsWith('floor (beside ') && name.endsWith('(role floor)'))).toBe(true);
    const row = (metric: string) => table.rows.find((entry) => entry.metric === metric)!;
    const floorColumn = table.columns.findIndex((column) => column.role === 'floor');
    expect(row('cpuCores').cells[floorColumn]).toMatchObject({ text: '–', state: 'missing' });
    expect(row('p99').cells[floorColumn]!.state).not.toBe('missing');
    // Each valid service's p99 is 1/1.5 of its floor's beside it: at the floor, with the floor's value.
    const rust = table.columns.findIndex((column) => column.service === 'rust');
    const rustRun = document.runs.find((run) => run.id === 'process-sweep/rust/rep1/rate2')!;
    expect(rustRun.validity.valid).toBe(true);
    expect(row('p99').cells[rust]!.atFloor).toMatch(/^at the platform floor \(the floor's p99 beside it: [\d.]+ (ms|µs) \(1 run\)\)$/);
    expect(row('cpuCores').cells[rust]!.atFloor).toBeUndefined();
  });

  it('marks nothing where the floor is faster than the service', () => {
    const faster = withFloor(loadFixture(), 0.5);
    const tables = headlineTables(modelOf(faster));
    expect(tables.flatMap((table) => table.rows.flatMap((row) => row.cells.filter((cell) => cell.atFloor !== undefined)))).toEqual([]);
  });

  it('shows the mark in HTML and Markdown and a role column in runs.csv', () => {
    const report = renderReport([{ file: 'results.json', document }], BUNDLES);
    expect(report.html).toContain('<div class="at-floor"');
    expect(report.html).toContain('the platform floor</div>');
    expect(report.markdown).toContain(' ≈floor<br><sub>at the platform floor (the floor');
    expect(report.markdown).toContain('_floor: the platform floor, a server that answers at once');
    const lines = report.csv.trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(header.indexOf('service'), header.indexOf('service') + 3)).toEqual(['service', 'role', 'beside']);
    expect(lines.find((line) => line.includes(',process-sweep/floor/rep1/rate0/beside-rust,'))).toContain(',process-sweep,floor,floor,rust,');
    expect(lines.find((line) => line.includes(',process-sweep/rust/rep1/rate0,'))).toContain(',process-sweep,rust,service,,');
    // The header counts services, not the floor.
    expect(report.markdown).toContain('4 services');
  });
});
