/**
 * The report's pure core: every Vega-Lite spec compiles, chart data and tables carry the right
 * numbers, merged sources stay distinguishable, and every string from a results file is escaped
 * (HTML, the JSON block, Markdown, CSV).
 */
import { createHash } from 'node:crypto';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { csvField, escapeHtml, inlineScript, jsonForScript, markdownCode } from '../../harness/report/escape.js';
import { renderReport } from '../../harness/report/render.js';
import { buildModel, findSameRun, labelSources, runName } from '../../harness/report/sources.js';
import { claimsSpec } from '../../harness/report/spec-claims.js';
import { decadeTicks, logAxisTicks, logDomain, seriesPalette } from '../../harness/report/spec-common.js';
import { pointReference, relativeSpec } from '../../harness/report/spec-relative.js';
import { buildCharts, type ChartSpec } from '../../harness/report/spec.js';
import { spectrumPercentiles } from '../../harness/report/spectrum.js';
import { buildTable, headlineTables } from '../../harness/report/tables.js';
import type { ResultsDocument } from '../../harness/results/document.js';
import { loadFixture, onHost, withClaimResults, withHostileStrings, withRepetitions, XSS_CHECK, XSS_CLAIM, XSS_SERVICE } from '../fixtures/report/documents.js';

const BUNDLES = { vega: '/* vega */', vegaLite: '/* vega-lite */', vegaEmbed: '/* vega-embed */' };

/** Compiles a spec; returns the warnings (errors throw). */
function compileSpec(chart: ChartSpec): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    warn: (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger),
    info: () => logger,
    debug: () => logger,
    error: (...args: unknown[]) => {
      throw new Error(`${chart.id} (${chart.kind}, ${chart.scenario ?? 'report'}): ${args.map(String).join(' ')}`);
    },
  };
  const result = compile(chart.spec as unknown as TopLevelSpec, { logger: logger as never });
  expect(result.spec).toBeTypeOf('object');
  return warnings;
}

function chartsOf(...documents: ResultsDocument[]): ChartSpec[] {
  return buildCharts(buildModel(documents.map((document, index) => ({ file: `r${index}.json`, document }))));
}

function chart(charts: readonly ChartSpec[], kind: ChartSpec['kind'], scenario?: string): ChartSpec {
  const found = charts.find((candidate) => candidate.kind === kind && candidate.scenario === scenario);
  if (found === undefined) throw new Error(`no ${kind} chart for ${scenario}`);
  return found;
}

const dataOf = (spec: Pick<ChartSpec, 'spec'>): Array<Record<string, unknown>> => (spec.spec.data as { values: Array<Record<string, unknown>> }).values;

/** The fixture with `reference` set on the named scenarios. */
function withReferences(document: ResultsDocument, references: Readonly<Record<string, string>>): ResultsDocument {
  return { ...document, scenarios: document.scenarios.map((scenario) => {
    const name = (scenario as { name: string }).name;
    return references[name] === undefined ? scenario : { ...(scenario as object), reference: references[name] };
  }) };
}

const modelOf = (...documents: ResultsDocument[]): ReturnType<typeof buildModel> => buildModel(documents.map((document, index) => ({ file: `${'ab'[index] ?? index}/results.json`, document })));

describe('Vega-Lite specs', () => {
  const cases: Array<[string, ResultsDocument[]]> = [
    ['the quick-mode fixture', [loadFixture()]],
    ['3 repetitions (real intervals)', [withRepetitions(loadFixture())]],
    ['two machines merged', [loadFixture(), onHost(loadFixture(), 'ci-b')]],
    ['hostile strings', [withHostileStrings(loadFixture())]],
    ['literal claim results with every edge case', [withClaimResults(loadFixture())]],
    ['references named by the scenarios', [withReferences(loadFixture(), { 'items-crud': 'rust', 'json-closed': 'rust' })]],
  ];
  it.each(cases)('every chart of %s compiles without errors or warnings', (_, documents) => {
    const charts = chartsOf(...documents);
    expect(charts.length).toBeGreaterThan(10);
    for (const spec of charts) expect(compileSpec(spec), `${spec.id} ${spec.kind} ${spec.scenario}`).toEqual([]);
  });

  it('builds the expected charts: a sweep only for the open-loop rate sweep, one build chart', () => {
    const charts = chartsOf(loadFixture());
    expect(charts.filter((spec) => spec.kind === 'sweep').map((spec) => spec.scenario)).toEqual(['process-sweep']);
    expect(charts.filter((spec) => spec.kind === 'builds')).toHaveLength(1);
    expect(charts.map((spec) => spec.id)).toEqual(charts.map((_, index) => `chart-${index + 1}`));
    for (const scenario of ['json-closed', 'process-sweep', 'gateway', 'items-crud']) {
      expect(charts.filter((spec) => spec.scenario === scenario).map((spec) => spec.kind)).toEqual(expect.arrayContaining(['headline-bars', 'spectrum', 'latency-over-time', 'resources']));
    }
  });

  it('puts literal values in the chart data: bars in ms and MiB, invalid services marked, sweep points with validity', () => {
    const charts = chartsOf(loadFixture());
    const bars = dataOf(chart(charts, 'headline-bars', 'json-closed'));
    expect(bars.find((row) => row.series === 'python' && row.metric === 'p99 latency (ms)')).toMatchObject({ value: 14.287, missing: false, n: 1 });
    expect(bars.find((row) => row.series === 'python' && row.metric === 'peak PSS (MiB)')).toMatchObject({ value: 53.27 });
    expect(bars.find((row) => row.series === 'go' && row.metric === 'p99 latency (ms)')).toMatchObject({ missing: true, text: 'invalid (see table)' });
    const sweep = dataOf(chart(charts, 'sweep', 'process-sweep'));
    expect(sweep.find((row) => row.run === 'process-sweep/go/rep1/rate0')).toMatchObject({ kind: 'run', validity: 'invalid', achievedRps: 308, p99Us: 9247 });
    expect(sweep.find((row) => row.kind === 'median' && row.series === 'python' && row.rateIndex === 2)).toMatchObject({ achievedRps: 126, p99Us: 929_791 });
  });

  it('draws the spectrum from the histograms of valid runs only, non-decreasing and within the run maximum', () => {
    const document = loadFixture();
    const spectrum = dataOf(chart(chartsOf(document), 'spectrum', 'json-closed'));
    expect(new Set(spectrum.map((row) => row.run))).toEqual(new Set(['json-closed/python/rep1/rate0', 'json-closed/python-rust/rep1/rate0']));
    const python = spectrum.filter((row) => row.run === 'json-closed/python/rep1/rate0').map((row) => row.latencyUs as number);
    const run = document.runs.find((candidate) => candidate.id === 'json-closed/python/rep1/rate0')!;
    expect(python).toEqual([...python].sort((a, b) => a - b));
    expect(python.at(-1)!).toBeLessThanOrEqual(run.load.latencyUs!.maxUs);
    expect(python[0]).toBe(run.load.latencyUs!.minUs);
  });

  it('adds 95 % CI whiskers only when some point has more than one valid run', () => {
    const layers = (spec: ChartSpec): unknown[] => ((spec.spec as { spec: { layer: unknown[] } }).spec.layer);
    expect(layers(chart(chartsOf(loadFixture()), 'headline-bars', 'items-crud'))).toHaveLength(3);
    const repeated = chart(chartsOf(withRepetitions(loadFixture())), 'headline-bars', 'items-crud');
    expect(layers(repeated)).toHaveLength(4);
    expect(dataOf(repeated).find((row) => row.series === 'go' && row.metric === 'p99 latency (ms)')).toMatchObject({ n: 3, value: 10.855, low: 9.77, high: 11.941 });
  });
});

describe('claims chart', () => {
  const chartOf = (document: ResultsDocument): NonNullable<ReturnType<typeof claimsSpec>> => claimsSpec(modelOf(document))!;
  const rowOf = (rows: Array<Record<string, unknown>>, label: string): Record<string, unknown> => rows.find((row) => row.row === label)!;

  it('puts each check on a log scale against its threshold: claimed 28×, measured 4.4× [3.9, 6]', () => {
    const chart = chartOf(withClaimResults(loadFixture()));
    const rows = dataOf(chart);
    expect(rows.map((row) => row.row)).toEqual([
      'a-cpu-bound: python.p99 / rust.p99 >= 28',
      'a-cpu-bound: python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10',
      'a-cpu-bound: rust.peakPssBytes / python.peakPssBytes <= 0.5',
      'z-edges: rust.linesOfCode <= 2000',
      'z-edges: python.p99 <= 100000',
      'z-edges: rust.errors <= 1',
      'z-edges: go.errors < 5',
      'z-edges: go.errors > 0',
    ]);
    const x = (chart.spec.layer as Array<{ encoding?: { x?: { field?: string; scale?: unknown; axis?: { values: number[] } } } }>).find((layer) => layer.encoding?.x?.field === 'value')!.encoding!.x!;
    expect(x.scale).toEqual({ type: 'log', domain: [0.0625, 160_000], nice: false });
    expect(x.axis!.values).toEqual([0.1, 1, 10, 100, 1000, 10_000, 100_000]);
    expect(rows[0]).toMatchObject({ verdict: 'refuted', state: 'point', value: 4.4, low: 3.9, high: 6, hasInterval: true, kind: 'median with interval', threshold: 28, edge: 160_000, side: 'above', labelAlign: 'left', claimed: 'claimed ≥ 28 →', intervalText: '3.9 – 6', coverageText: '96.9 %', nText: '6', note: '96.9 % coverage from 6 valid runs (the fewest of any service)' });
    expect(rows[1]).toMatchObject({ verdict: 'inconclusive', value: 9.5, low: 7.2, high: 12.1, threshold: 10 });
    // A ratio below 1 that holds: the shade runs from the threshold down to the axis start.
    expect(rows[2]).toMatchObject({ verdict: 'holds', value: 0.12, low: 0.1, high: 0.15, threshold: 0.5, edge: 0.0625, side: 'below', claimed: '← claimed ≤ 0.5', labelAlign: 'left' });
    // A build metric: a point without an interval.
    expect(rows[3]).toMatchObject({ verdict: 'holds', state: 'point', value: 1450, hasInterval: false, kind: 'no interval', intervalText: 'single measurement: no interval', nText: '– (build metric)', claimed: '← claimed ≤ 2,000', labelAlign: 'right' });
    expect(rows[3]).not.toHaveProperty('low');
    expect(chart.caption).toMatch(/^One row per check \(claim id: the check as written\)\. The black tick is the claimed threshold and the shaded side/);
  });

  it('lists not-measured checks and values ≤ 0 without a dot, and keeps the log axis positive', () => {
    const chart = chartOf(withClaimResults(loadFixture()));
    const rows = dataOf(chart);
    expect(rowOf(rows, 'z-edges: python.p99 <= 100000')).toMatchObject({ verdict: 'not measured', state: 'not-measured', text: 'not measured', nText: '–', threshold: 100_000, note: 'no valid run of python at this point' });
    expect(rowOf(rows, 'z-edges: rust.errors <= 1')).toMatchObject({ verdict: 'holds', state: 'non-positive', text: '0: ≤ 0, not on the log scale', hasInterval: false, coverageText: '75 %' });
    const clipped = rowOf(rows, 'z-edges: go.errors < 5');
    expect(clipped).toMatchObject({ state: 'point', value: 2, high: 4, hasInterval: true, intervalText: '0 – 4', note: 'the interval reaches 0 or below: its bar is cut at the axis' });
    expect(clipped).not.toHaveProperty('low');
    const zeroThreshold = rowOf(rows, 'z-edges: go.errors > 0');
    expect(zeroThreshold).not.toHaveProperty('threshold');
    expect(zeroThreshold).not.toHaveProperty('edge');
    expect(zeroThreshold.note).toMatch(/the threshold is ≤ 0: not on the log scale$/);
    for (const row of rows) for (const field of ['value', 'low', 'high', 'threshold', 'edge']) if (field in row) expect(row[field] as number, `${row.row as string} ${field}`).toBeGreaterThan(0);
    expect(chart.caption).toContain('1 check was not measured: listed, without a dot');
    expect(chart.caption).toContain('1 check has a value ≤ 0, which a log scale cannot place');
    expect(chart.caption).toContain('1 threshold is ≤ 0 and not drawn.');
  });

  it('draws an interval without an upper end (+∞ in memory, null read back) to the axis, and says so', () => {
    const document = withClaimResults(loadFixture());
    const claims = document.claims!;
    const open = { ...claims.results[0]!.checks[0]!, source: 'python.cpuUsPerRequest / rust.cpuUsPerRequest >= 2', threshold: 2, verdict: 'inconclusive' as const, value: 3, low: 1.5, high: null as unknown as number, coverage: 0.98, n: 4 };
    const rows = dataOf(chartOf({ ...document, claims: { ...claims, results: [{ ...claims.results[0]!, checks: [open] }] } }));
    expect(rows[0]).toMatchObject({ state: 'point', value: 3, low: 1.5, hasInterval: true, intervalText: '1.5 – ∞' });
    expect(rows[0]).not.toHaveProperty('high');
    expect(rows[0]!.note).toContain('the interval has no upper end at its level and number of rounds: its bar runs to the axis');
  });

  it('labels merged sources and keeps the same check of every machine together; no claims, no chart', () => {
    const rows = dataOf(claimsSpec(modelOf(loadFixture(), onHost(loadFixture(), 'ci-b')))!);
    expect(rows.slice(0, 2).map((row) => row.row)).toEqual(['a-cpu-bound: python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10 · vm (a)', 'a-cpu-bound: python.cpuUsPerRequest / rust.cpuUsPerRequest >= 10 · ci-b (b)']);
    expect(new Set(rows.map((row) => row.row)).size).toBe(rows.length);
    expect(claimsSpec(modelOf({ ...loadFixture(), claims: undefined }))).toBeUndefined();
  });

  it('is the first chart, at the top of the claims section; the comparison gets a section before the scenarios', () => {
    const report = renderReport([{ file: 'results.json', document: withClaimResults(loadFixture()) }], BUNDLES);
    expect(report.charts.slice(0, 2).map((entry) => [entry.id, entry.kind])).toEqual([['chart-1', 'claims'], ['chart-2', 'relative']]);
    const html = report.html;
    const claimsChart = html.indexOf('id="chart-1" data-kind="claims"');
    expect(claimsChart).toBeGreaterThan(html.indexOf('<section id="claims">'));
    expect(claimsChart).toBeLessThan(html.indexOf('<article class="claim'));
    const comparison = html.indexOf('<section id="comparison">');
    expect(comparison).toBeGreaterThan(html.indexOf('<article class="claim'));
    expect(html.indexOf('id="chart-2" data-kind="relative"')).toBeGreaterThan(comparison);
    expect(html.indexOf('<section class="scenario" id="scenario-1">')).toBeGreaterThan(comparison);
    expect(html).toContain('<li><a href="#comparison">Across scenarios</a></li>');
  });
});

describe('comparison across scenarios', () => {
  const rowsOf = (document: ResultsDocument): Array<Record<string, unknown>> => dataOf(relativeSpec(modelOf(document))!);
  const find = (rows: Array<Record<string, unknown>>, row: string, metric: string, series: string): Record<string, unknown> | undefined => rows.find((entry) => entry.row === row && entry.metric === metric && entry.series === series);

  it('gives medians as multiples of the first service valid at every point, leaving out services without a valid run', () => {
    const spec = relativeSpec(modelOf(loadFixture()))!;
    const rows = dataOf(spec);
    expect([...new Set(rows.map((row) => row.row))]).toEqual([
      'json-closed (× of python)',
      'process-sweep · 50 % of capacity (× of python)',
      'process-sweep · 80 % of capacity (× of python)',
      'process-sweep · 95 % of capacity (× of python)',
      'gateway (× of go)',
      'items-crud (× of go)',
    ]);
    expect(find(rows, 'json-closed (× of python)', 'CPU per request', 'python-rust')).toMatchObject({ ratio: 0.6907, ratioText: '0.691× of python', valueText: '140 µs', referenceText: '202 µs', n: 1, leftOut: 'go, rust (no valid run)' });
    expect(find(rows, 'json-closed (× of python)', 'p99 latency', 'python')).toMatchObject({ ratio: 1, ratioText: '1× (the reference)', valueText: '14.3 ms' });
    expect(find(rows, 'json-closed (× of python)', 'p99 latency', 'go')).toBeUndefined();
    expect(find(rows, 'process-sweep · 80 % of capacity (× of python)', 'p99 latency', 'go')).toMatchObject({ ratio: 2.228, valueText: '611 ms', referenceText: '274 ms' });
    expect(find(rows, 'process-sweep · 95 % of capacity (× of python)', 'CPU per request', 'rust')).toMatchObject({ ratio: 0.08411 });
    expect(find(rows, 'items-crud (× of go)', 'peak PSS', 'rust')).toMatchObject({ ratio: 0.7042, valueText: '12.1 MiB', referenceText: '17.2 MiB' });
    expect(rows.every((row) => row.missing === false)).toBe(true);
    const unit = (spec.spec as { spec: { layer: Array<{ encoding: Record<string, { scale?: unknown; axis?: { values: number[] } }> }> } }).spec.layer[1]!.encoding;
    expect(unit.x!.scale).toEqual({ type: 'log', domain: [0.0601, 3.12], nice: false });
    expect(unit.x!.axis!.values).toEqual([0.1, 0.2, 0.5, 1, 2]);
    expect(unit.color!.scale).toEqual({ domain: ['go', 'python', 'python-rust', 'rust'], range: ['#4c78a8', '#f58518', '#54a24b', '#e45756'] });
    expect(spec.caption).toContain('References: python and go (the scenario naming none: the first service by name with a valid run at all of its points, else at the point).');
    expect(spec.caption).toContain('Left out for want of a valid run: go, rust at json-closed; go, python-rust, rust at process-sweep · 50 % of capacity;');
  });

  it('uses the reference a scenario names, and says so where it has no valid run', () => {
    const document = withReferences(loadFixture(), { 'items-crud': 'rust', 'json-closed': 'rust' });
    const model = modelOf(document);
    expect(pointReference(model.scenarios.find((scenario) => scenario.name === 'items-crud')!, model.scenarios.find((scenario) => scenario.name === 'items-crud')!.points[0]!)).toEqual({ service: 'rust', isNamed: true });
    const rows = rowsOf(document);
    expect(find(rows, 'items-crud (× of rust)', 'p99 latency', 'go')).toMatchObject({ ratio: 1.816, ratioText: '1.82× of rust', valueText: '10.9 ms', referenceText: '5.98 ms' });
    expect(rows.filter((row) => row.row === 'json-closed (× of rust)')).toEqual(
      ['CPU per request', 'p99 latency', 'peak PSS'].map((metric) => ({ row: 'json-closed (× of rust)', metric, missing: true, text: 'no valid run of rust', leftOut: 'go, rust (no valid run)' })),
    );
    expect(relativeSpec(model)!.caption).toContain('References: rust (named by the scenario as its reference); python and go (the scenario naming none');
  });

  it('compares each machine with its own reference run when merged; nothing valid, no chart', () => {
    const rows = rowsOf(onHost(loadFixture(), 'x')); // one source: no machine names
    expect(rows.some((row) => String(row.ratioText).includes(' on '))).toBe(false);
    const merged = dataOf(relativeSpec(modelOf(loadFixture(), onHost(loadFixture(), 'ci-b')))!);
    expect(find(merged, 'gateway (× of go)', 'CPU per request', 'rust @ ci-b (b)')).toMatchObject({ ratio: 0.6214, ratioText: '0.621× of go on ci-b (b)' });
    const fixture = loadFixture();
    const invalid = { ...fixture, runs: fixture.runs.map((run) => ({ ...run, validity: { ...run.validity, valid: false } })) };
    expect(relativeSpec(modelOf(invalid))).toBeUndefined();
  });

  it('places log ticks at any magnitude and keeps log domains positive', () => {
    expect(decadeTicks(0.2, 150)).toEqual([0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]);
    expect(decadeTicks(0.03, 0.07)).toEqual([0.05]);
    expect(logAxisTicks([0.0625, 160_000])).toEqual([0.1, 1, 10, 100, 1000, 10_000, 100_000]);
    expect(logAxisTicks([0.05, 40], [0.5, 2, 50])).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]);
    expect(logAxisTicks([0.01, 40], [0.5, 2, 50])).toEqual([0.01, 0.1, 0.5, 1, 2, 10]);
    expect(logDomain([0, -1, 2, 8])).toEqual([1.25, 12.8]);
    expect(logDomain([0, Number.NaN])).toEqual([0.1, 10]);
  });
});

describe('spectrumPercentiles', () => {
  it('steps a tenth of a decade of 1 / (1 - p) up to the count', () => {
    expect(spectrumPercentiles(0)).toEqual([]);
    expect(spectrumPercentiles(1)).toEqual([0]);
    const ten = spectrumPercentiles(10);
    expect(ten).toHaveLength(11);
    expect(ten[10]).toBeCloseTo(90, 9);
    const fifteen = spectrumPercentiles(15);
    expect(fifteen).toHaveLength(13);
    expect(fifteen[11]).toBeCloseTo(92.0567, 3);
    expect(fifteen[12]).toBeCloseTo(93.3333, 3);
  });
});

describe('headline tables', () => {
  it('shows services side by side, invalid ones as invalid with their reason, the load method with the latency', () => {
    const [table] = headlineTables(buildModel([{ file: 'results.json', document: loadFixture() }]));
    expect(table!.scenario).toBe('json-closed');
    expect(table!.columns.map((column) => column.service)).toEqual(['go', 'python', 'python-rust', 'rust']);
    const p99 = table!.rows.find((row) => row.metric === 'p99')!;
    expect(p99.cells.map((cell) => cell.text)).toEqual(['invalid', '14.3 ms', '9.97 ms', 'invalid']);
    expect(table!.columns[0]!.invalidReasons[0]).toMatch(/^rep 1: the load generator used 0\.94 of its core/);
    expect(table!.method).toMatch(/^autocannon 9\.0\.0: closed loop, 32 connections/);
    expect(table!.rows.some((row) => row.metric === 'artifactBytes' || row.metric === 'cleanBuildSeconds')).toBe(false);
    expect(table!.note).toMatch(/single valid run/);
  });

  it('shows build and code once, not in every scenario table, with what "incremental" means', () => {
    const model = buildModel([{ file: 'results.json', document: loadFixture() }]);
    const builds = buildTable(model)!;
    expect(builds.columns.map((column) => column.service)).toEqual(['go', 'python', 'python-rust', 'rust']);
    const cells = (metric: string): string[] => builds.rows.find((row) => row.metric === metric)!.cells.map((cell) => cell.text);
    expect(cells('artifactBytes')[0]).toBe('12.9 MiB (binary)');
    expect(cells('cleanBuildSeconds')[3]).toBe('106.6 s (106.8 s all steps)');
    // The fixture predates the one-line edit: its incremental timings were touches, and say so.
    expect(cells('incrementalBuildSeconds')[0]).toBe('0.12 s (file touched, not edited: a content-keyed cache such as Go’s may rebuild nothing)');
    const edited = { ...loadFixture() };
    edited.builds = edited.builds.map((build) => (build.lastIncremental === undefined ? build : { ...build, lastIncremental: { ...build.lastIncremental, trigger: 'edit' as const } }));
    expect(buildTable(buildModel([{ file: 'results.json', document: edited }]))!.rows.find((row) => row.metric === 'incrementalBuildSeconds')!.cells[3]!.text).toBe('20.9 s (21.0 s all steps)');
    expect(builds.note).toContain('Go caches builds by content');
    const report = renderReport([{ file: 'results.json', document: loadFixture() }], BUNDLES);
    expect(report.html.match(/<table class="headline builds">/g)).toHaveLength(1);
    expect(report.html).not.toContain('Build and code (per service');
    expect(report.html.match(/href="#builds"/g)!.length).toBeGreaterThan(headlineTables(model).length);
    expect(report.markdown.match(/\| clean build \(compile step\)/g)).toHaveLength(1);
    expect(report.markdown).toContain('[Build and code size](#build-and-code-size)');
  });

  it('gives medians with intervals and their real coverage when there are repetitions (3 runs: 75 %)', () => {
    const tables = headlineTables(buildModel([{ file: 'results.json', document: withRepetitions(loadFixture()) }]));
    const crud = tables.find((table) => table.scenario === 'items-crud')!;
    const p99 = crud.rows.find((row) => row.metric === 'p99')!.cells[0]!;
    expect(p99).toEqual({ text: '10.9 ms', detail: '75 % CI 9.77 ms – 11.9 ms · n = 3', state: 'value', warningMarks: [1] });
    // Warning 1 (client lag of the Node generator) concerns every latency of go's runs, not its memory.
    expect(crud.warnings[0]).toMatch(/^go: the load generator's event-loop delay p99/);
    expect(crud.rows.find((row) => row.metric === 'peakPssBytes')!.cells[0]!.warningMarks).toEqual([]);
    expect(crud.note).toBeUndefined();
  });

  it('merges sources: each run keeps its machine and file, services sit side by side per source', () => {
    const model = buildModel([
      { file: 'a/results.json', document: loadFixture() },
      { file: 'b/results.json', document: onHost(loadFixture(), 'ci-b') },
    ]);
    expect(model.sources.map((source) => source.label)).toEqual(['vm (a)', 'ci-b (b)']);
    expect(model.series.slice(0, 2)).toEqual(['go @ vm (a)', 'go @ ci-b (b)']);
    const [table] = headlineTables(model);
    expect(table!.columns.map((column) => `${column.service}|${column.source}`).slice(0, 3)).toEqual(['go|vm (a)', 'go|ci-b (b)', 'python|vm (a)']);
  });

  it('labels every results.json by its run folder, then start time and commit when those alone are equal', () => {
    const labels = (inputs: Array<{ file: string; document: ResultsDocument }>): string[] => labelSources(inputs).map((source) => source.label);
    expect(labels([{ file: 'reports/runs/2026-11-27-000602/results.json', document: loadFixture() }, { file: 'ci/2026-11-28-101500/results.json', document: loadFixture() }])).toEqual(['vm (2026-11-27-000602)', 'vm (2026-11-28-101500)']);
    expect(labels([{ file: 'b.json', document: loadFixture() }, { file: 'results.json', document: loadFixture() }])).toEqual(['vm (b.json)', 'vm (results.json)']);
    const later = { ...loadFixture(), startedAt: '2026-11-28T10:15:00.000Z' };
    expect(labels([{ file: 'x/run/results.json', document: loadFixture() }, { file: 'y/run/results.json', document: later }, { file: 'c.json', document: loadFixture() }])).toEqual([
      'vm (run, started 2026-11-27 00:06 UTC)',
      'vm (run, started 2026-11-28 10:15 UTC)',
      'vm (c.json)',
    ]);
    const otherCommit = { ...loadFixture(), environment: { ...loadFixture().environment, gitCommit: 'abcdef0123456789' } };
    expect(labels([{ file: 'x/run/results.json', document: loadFixture() }, { file: 'y/run/results.json', document: otherCommit }])).toEqual([
      'vm (run, started 2026-11-27 00:06 UTC, commit 582102e)',
      'vm (run, started 2026-11-27 00:06 UTC, commit abcdef0)',
    ]);
    expect(labels([{ file: 'x/run/results.json', document: loadFixture() }, { file: 'y/run/results.json', document: loadFixture() }])).toEqual([
      'vm (run, started 2026-11-27 00:06 UTC, commit 582102e)',
      'vm (run, started 2026-11-27 00:06 UTC, commit 582102e) #2',
    ]);
    expect(runName('a/b/results.json')).toBe('b');
    expect(runName('./results.json')).toBe('results.json');
  });

  it('finds two inputs that hold the same run', () => {
    const pair = findSameRun([{ file: 'a.json', document: loadFixture() }, { file: 'b.json', document: onHost(loadFixture(), 'ci-b') }, { file: 'c.json', document: loadFixture() }]);
    expect(pair?.map((input) => input.file)).toEqual(['a.json', 'c.json']);
    expect(findSameRun([{ file: 'a.json', document: loadFixture() }, { file: 'b.json', document: onHost(loadFixture(), 'ci-b') }])).toBeUndefined();
  });

  it('gives every series its own colour, however many are merged', () => {
    const palette = seriesPalette(40);
    expect(new Set(palette).size).toBe(40);
    expect(palette.slice(0, 3)).toEqual(['#4c78a8', '#f58518', '#54a24b']);
    expect(palette.every((colour) => /^#[0-9a-f]{6}$/.test(colour))).toBe(true);
    const hosts = ['a', 'b', 'c'].map((host) => ({ file: `${host}/results.json`, document: onHost(loadFixture(), host) }));
    const model = buildModel(hosts);
    expect(model.series.length).toBeGreaterThan(8);
    const bars = chart(buildCharts(model), 'headline-bars', 'json-closed').spec as { encoding?: unknown };
    const ranges = JSON.stringify(bars).match(/"range":\[("#[0-9a-f]{6}",?)+\]/g) ?? [];
    for (const range of ranges) {
      const colours = JSON.parse(range.slice('"range":'.length)) as string[];
      expect(new Set(colours).size).toBe(colours.length);
    }
    expect(ranges.length).toBeGreaterThan(0);
  });
});

describe('escaping', () => {
  const report = renderReport([{ file: 'results.json', document: withHostileStrings(loadFixture()) }], BUNDLES);

  it('shows a hostile claim text, description and failure as text in the HTML', () => {
    expect(report.html).toContain(escapeHtml(XSS_CLAIM));
    expect(report.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(report.html).not.toContain('<img');
    expect(report.html).toContain('&lt;b onmouseover=alert(3)&gt;go &amp; &quot;friends&quot;&lt;/b&gt;');
    expect(report.html).toContain('&lt;script&gt;alert(4)&lt;/script&gt;');
    expect(report.html).not.toContain('alert(2)</script>');
    expect(report.html).not.toContain(XSS_CHECK);
    expect(report.html).toContain(escapeHtml(XSS_CHECK));
  });

  it('keeps chart data in a JSON block that cannot end the script element and parses back unchanged', () => {
    const match = /<script type="application\/json" id="report-charts">([\s\S]*?)<\/script>/.exec(report.html);
    expect(match).not.toBeNull();
    const block = match![1]!;
    expect(block).not.toMatch(/<\/script/i);
    expect(block).not.toContain('<');
    const charts = JSON.parse(block) as Array<{ id: string; spec: { data?: { values: Array<{ series?: string }> } } }>;
    expect(charts.map((entry) => entry.id)).toEqual(report.charts.map((entry) => entry.id));
    expect(charts.some((entry) => entry.spec.data?.values.some((row) => row.series === XSS_SERVICE))).toBe(true);
    // The claims chart labels its rows with the check as written: data, never markup.
    expect(charts[0]!.spec.data?.values.some((row) => (row as { check?: string }).check === XSS_CHECK)).toBe(true);
    // Exactly the JSON block and the four inlined scripts.
    expect(report.html.match(/<script\b/g)).toHaveLength(5);
  });

  it('allows by CSP hash exactly the page scripts, and no network', () => {
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(report.html)![1]!.replaceAll('&#39;', "'");
    const scripts = [...report.html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((entry) => entry[1]!);
    expect(scripts).toHaveLength(4);
    for (const script of scripts) expect(policy).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'none'");
  });

  it('escapes Markdown and CSV', () => {
    expect(report.markdown).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(report.markdown).not.toContain('<img');
    expect(report.markdown).not.toContain('<script>');
    expect(markdownCode('a | b `c`')).toBe("`a \\| b 'c'`");
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(undefined)).toBe('');
    expect(jsonForScript({ text: '</script><!--' })).toBe('{"text":"\\u003c/script\\u003e\\u003c!--"}');
    expect(inlineScript('var s = "</script>";\n//# sourceMappingURL=x.js.map', 'test')).toBe('var s = "<\\/script>";\n');
    expect(() => inlineScript('a<!--b', 'test')).toThrow(/<!--/);
  });
});

describe('outputs', () => {
  const document = loadFixture();
  const report = renderReport([{ file: 'results.json', document }], BUNDLES);

  it('writes one CSV row per run with units in the column names', () => {
    const lines = report.csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(document.runs.length + 1);
    // RFC 4180: quoted fields may hold commas (reasons and next steps do).
    const split = (line: string): string[] => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((match) => match[1]!.replace(/^"|"$/g, '').replaceAll('""', '"'));
    const header = split(lines[0]!);
    expect(header).toEqual(expect.arrayContaining(['run_id', 'valid', 'latency_p99_us', 'cpu_us_per_request', 'peak_pss_bytes', 'startup_ms', 'achieved_rps']));
    const row = split(lines.find((line) => line.includes(',json-closed/python/rep1/rate0,'))!);
    expect(row[header.indexOf('latency_p99_us')]).toBe('14287');
    expect(row[header.indexOf('valid')]).toBe('true');
    expect(row[header.indexOf('hostname')]).toBe('vm');
  });

  it('writes Markdown with claims, headline tables and invalid runs', () => {
    expect(report.markdown).toContain('## Claims');
    expect(report.markdown).toMatch(/❌ \*\*REFUTED\*\* \| \*\*c-crud\*\*/);
    expect(report.markdown).toContain('### json-closed — closed loop, 32 connections');
    expect(report.markdown).toContain('| p99 latency | _invalid_ | 14.3 ms | 9.97 ms | _invalid_ |');
    expect(report.markdown).toContain('- go, rep 1: the load generator used 0.94 of its core');
    expect(report.markdown).toContain('git checkout 582102e5ee1a673142d93e1e707a5583d02798c4');
  });

  it('renders a document without runs or claims (a run that failed early)', () => {
    const empty = renderReport([{ file: 'results.json', document: { ...document, runs: [], claims: undefined, state: 'failed' } }], BUNDLES);
    expect(empty.tables).toEqual([]);
    expect(empty.charts.map((spec) => spec.kind)).toEqual(['builds']);
    expect(empty.html).toContain('Partial results');
    expect(empty.html).toContain('No claims were evaluated');
    expect(empty.csv.trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('puts the environment and the command to reproduce at the bottom of the page', () => {
    const environment = report.html.indexOf('id="environment"');
    expect(environment).toBeGreaterThan(report.html.indexOf('id="claims"'));
    expect(report.html.indexOf('npx rewrite-bench run --quick --out /tmp/rb-sample')).toBeGreaterThan(environment);
    expect(report.html).toContain('closed loop</span>');
    expect(report.html).toContain('open loop</span>');
  });
});

describe('equivalence section', () => {
  it('shows the requests compared, each verdict with the first difference and both answers, and the noise learnt', async () => {
    const { renderEquivalence } = await import('../../harness/report/html-equivalence.js');
    const document = {
      ...loadFixture(),
      equivalence: [
        {
          scenario: 'quote',
          reference: 'legacy',
          requests: 200,
          noise: ['`GET /quote`: `$.generated_at` differed in 200 of 200 requests between two instances of the reference: ignored'],
          ignore: ['$.request_id'],
          verdicts: [
            { service: 'rewrite', state: 'pass' as const, checked: 200 },
            { service: '<b>wrong</b>', state: 'fail' as const, checked: 200, difference: { request: 'GET /quote?sku=7&qty=2', field: '$.total_cents', described: '$.total_cents: expected `1299`, found `1300`', referenceBody: '{"total_cents":1299}', candidateBody: '{"total_cents":1300}' } },
          ],
        },
      ],
    };
    const html = renderEquivalence([{ file: 'results.json', document, label: 'vm', index: 0 }])!;
    expect(html).toContain('the same 200 seeded requests as the reference service <strong>legacy</strong>');
    expect(html).toContain('<strong>rewrite</strong>: 200 of 200 requests answered like legacy');
    expect(html).toContain('<strong>&lt;b&gt;wrong&lt;/b&gt;</strong> (not measured): <code>GET /quote?sku=7&amp;qty=2</code>: $.total_cents: expected `1299`, found `1300`');
    expect(html).toContain('`$.generated_at` differed in 200 of 200 requests');
    // A file without `rules` (written before reasons) lists its ignored paths, with no reason.
    expect(html).toContain('<li>ignore `$.request_id` — no reason given</li>');
    expect(renderEquivalence([{ file: 'results.json', document: loadFixture(), label: 'vm', index: 0 }])).toBeUndefined();
  });
});
