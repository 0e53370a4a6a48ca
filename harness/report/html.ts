/**
 * The report page: one self-contained HTML file that opens from disk and works offline. Tables and
 * text are server-rendered and escaped; chart specs go in as JSON in a
 * `<script type="application/json">` block (`<` as \u003c) and are drawn by the inlined vega,
 * vega-lite and vega-embed bundles (SVG, CSP-safe expression interpreter). A Content-Security-Policy
 * allows only the page's own scripts (by hash) and no network at all. Pure (hashing is computation).
 */
import { serviceRuns } from '../results/floor-runs.js';
import { createHash } from 'node:crypto';
import { ABSOLUTE_FIGURES_NOTE, describeDrift, driftCells, driftTable } from './drift.js';
import { escapeHtml, inlineScript, jsonForScript } from './escape.js';
import { describeLeftOut } from '../results/validity.js';
import { renderClaims } from './html-claims.js';
import { renderEquivalence } from './html-equivalence.js';
import { renderRemoteHtml } from './remote.js';
import { renderEnvironment, renderFailures, renderServices } from './html-environment.js';
import { REPORT_CSS } from './html-style.js';
import { loadModelBadge, renderBuildTable, renderHeadlineTable } from './html-table.js';
import type { ChartSpec } from './spec-common.js';
import type { ReportModel } from './sources.js';
import { buildTable, type HeadlineTable } from './tables.js';

/** The minified browser builds, read from node_modules by write.ts. */
export interface ReportBundles {
  readonly vega: string;
  readonly vegaLite: string;
  readonly vegaEmbed: string;
}

/** Everything the page shows: the model, its tables and charts, and the bundles to inline. */
export interface PageInput {
  readonly model: ReportModel;
  readonly tables: readonly HeadlineTable[];
  readonly charts: readonly ChartSpec[];
  readonly bundles: ReportBundles;
}

/** Draws every chart; failures are shown in place and logged. Data comes only from the JSON block. */
const BOOT_SCRIPT = `(function () {
  var charts = JSON.parse(document.getElementById('report-charts').textContent);
  var options = { mode: 'vega-lite', renderer: 'svg', ast: true, actions: { export: true, source: false, compiled: false, editor: false } };
  charts.forEach(function (chart) {
    var element = document.getElementById(chart.id);
    if (!element) return;
    vegaEmbed(element, chart.spec, Object.assign({ downloadFileName: chart.id }, options)).then(function () {
      element.setAttribute('data-rendered', 'true');
    }).catch(function (error) {
      element.setAttribute('data-rendered', 'error');
      element.textContent = 'This chart could not be drawn: ' + (error && error.message ? error.message : String(error));
      console.error(error);
    });
  });
})();`;

const scriptHash = (source: string): string => `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;

function contentSecurityPolicy(scripts: readonly string[]): string {
  return [`default-src 'none'`, `script-src ${scripts.map(scriptHash).join(' ')}`, `style-src 'unsafe-inline'`, 'img-src data: blob:', 'font-src data:', `connect-src 'none'`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}

function renderChart(chart: ChartSpec): string {
  return `<figure class="chart chart-${chart.kind}"><figcaption><h4>${escapeHtml(chart.title)}</h4><p>${escapeHtml(chart.caption)}</p></figcaption><div class="vega-chart" id="${chart.id}" data-kind="${chart.kind}" data-rendered="pending"></div></figure>`;
}

function renderScenario(model: ReportModel, index: number, tables: readonly HeadlineTable[], charts: readonly ChartSpec[]): string {
  const scenario = model.scenarios[index]!;
  const ofScenario = tables.filter((table) => table.scenario === scenario.name);
  const models = [...new Set(scenario.points.map((point) => point.model))];
  const parts = [
    `<section class="scenario" id="scenario-${index + 1}">`,
    `<h2>${escapeHtml(scenario.name)} ${models.map(loadModelBadge).join(' ')}</h2>`,
    scenario.description === undefined ? '' : `<p class="description">${escapeHtml(scenario.description)}</p>`,
    ...ofScenario.map((table) => `${ofScenario.length > 1 ? `<h3>${escapeHtml(table.pointLabel)}</h3>` : ''}${renderHeadlineTable(table, model.isMerged)}`),
  ];
  const scenarioCharts = charts.filter((chart) => chart.scenario === scenario.name);
  parts.push(scenarioCharts.length === 0 ? '<p class="muted">No valid run to chart.</p>' : `<div class="charts">${scenarioCharts.map(renderChart).join('')}</div>`);
  parts.push('</section>');
  return parts.join('\n');
}

function renderHeader(model: ReportModel): string {
  const runs = model.sources.flatMap((source) => source.document.runs);
  const valid = runs.filter((run) => run.validity.valid).length;
  const busy = describeLeftOut(runs);
  const services = new Set(serviceRuns(runs).map((run) => run.service));
  const sources = model.sources.map((source) => `<li><code>${escapeHtml(source.file)}</code> <span class="muted">(${escapeHtml(source.label)}, ${escapeHtml(source.document.finishedAt ?? source.document.startedAt ?? '')})</span></li>`).join('');
  const incomplete = model.sources.filter((source) => source.document.state !== 'complete');
  const banner = incomplete.length === 0 ? '' : `<p class="banner">Partial results: ${incomplete.map((source) => `${escapeHtml(source.label)} is <strong>${escapeHtml(String(source.document.state))}</strong>`).join('; ')}. Only what was measured before it stopped is shown.</p>`;
  return [
    '<header class="page-header">',
    '<h1>rewrite-bench report</h1>',
    `<p class="summary">${model.scenarios.length} scenario${model.scenarios.length === 1 ? '' : 's'} · ${services.size} service${services.size === 1 ? '' : 's'} (${[...services].sort().map(escapeHtml).join(', ')}) · ${runs.length} runs, ${valid} valid · ${model.sources.length} results file${model.sources.length === 1 ? '' : 's'}</p>`,
    busy === undefined ? '' : `<p class="banner">${escapeHtml(busy)}.</p>`,
    `<ul class="sources">${sources}</ul>`,
    banner,
    `<p class="muted">Medians over valid runs with distribution-free confidence intervals (order statistics of the runs), each with the coverage it has. Invalid runs are listed with their reason and never mixed in. Latency: open loop from the planned send time, closed loop from the send. ${escapeHtml(ABSOLUTE_FIGURES_NOTE)}</p>`,
    '</header>',
  ].join('\n');
}

function renderNav(model: ReportModel, hasComparison: boolean, hasRemote = false): string {
  const scenarios = model.scenarios.map((scenario, index) => `<li><a href="#scenario-${index + 1}">${escapeHtml(scenario.name)}</a></li>`).join('');
  return `<nav class="toc"><strong>Contents</strong><ol><li><a href="#claims">Claims and verdicts</a></li>${hasComparison ? '<li><a href="#comparison">Across scenarios</a></li>' : ''}${scenarios}${driftTable(model) === undefined ? '' : '<li><a href="#drift">Drift between the results files</a></li>'}<li><a href="#builds">Build and code size</a></li>${hasRemote ? '<li><a href="#remote">Remote targets and load hosts</a></li>' : ''}<li><a href="#environment">Environment and reproduction</a></li></ol></nav>`;
}

/** The drift between merged results files (report/drift.ts); '' for one file. */
function renderDrift(model: ReportModel): string {
  const table = driftTable(model);
  if (table === undefined) return '';
  const { header, rows } = driftCells(table);
  const head = `<tr>${header.map((cell) => `<th scope="col">${escapeHtml(cell)}</th>`).join('')}</tr>`;
  const body = rows.map((row, index) => `<tr${table.rows[index]!.isFloor ? ' class="floor"' : ''}>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('');
  return `<section id="drift"><h2>Drift between the results files</h2><p>${escapeHtml(describeDrift(table))}</p><table class="drift"><thead>${head}</thead><tbody>${body}</tbody></table></section>`;
}

/** The whole page as a string. */
export function renderPage(input: PageInput): string {
  const { model, tables, charts, bundles } = input;
  const scripts = [inlineScript(bundles.vega, 'vega'), inlineScript(bundles.vegaLite, 'vega-lite'), inlineScript(bundles.vegaEmbed, 'vega-embed'), BOOT_SCRIPT];
  const buildChart = charts.find((chart) => chart.kind === 'builds');
  const claimsChart = charts.find((chart) => chart.kind === 'claims');
  const relativeChart = charts.find((chart) => chart.kind === 'relative');
  const equivalence = renderEquivalence(model.sources);
  const remote = renderRemoteHtml(model.sources, model.combined);
  const builds = buildTable(model);
  const chartData = charts.map((chart) => ({ id: chart.id, spec: chart.spec }));
  const title = `rewrite-bench report: ${model.scenarios.map((scenario) => scenario.name).join(', ')}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(scripts))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="rewrite-bench">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<div class="page">',
    renderHeader(model),
    renderNav(model, relativeChart !== undefined, remote !== undefined),
    '<main>',
    `<section id="claims"><h2>Claims and verdicts</h2>${claimsChart === undefined ? '' : `<div class="charts">${renderChart(claimsChart)}</div>`}${renderClaims(model.sources)}</section>`,
    relativeChart === undefined ? '' : `<section id="comparison"><h2>Across scenarios</h2><div class="charts">${renderChart(relativeChart)}</div></section>`,
    equivalence === undefined ? '' : `<section id="equivalence"><h2>Same answers: checked against the reference service</h2>${equivalence}</section>`,
    ...model.scenarios.map((_, index) => renderScenario(model, index, tables, charts)),
    renderDrift(model),
    `<section id="builds"><h2>Build and code size</h2>${builds === undefined ? '' : renderBuildTable(builds, model.isMerged)}${renderServices(model.sources)}${buildChart === undefined ? '<p class="muted">No build measurements (run <code>rewrite-bench build --timings</code>).</p>' : `<div class="charts">${renderChart(buildChart)}</div>`}</section>`,
    remote === undefined ? '' : `<section id="remote"><h2>Remote targets and load hosts</h2>${remote}</section>`,
    `<section id="environment"><h2>Environment and reproduction</h2>${renderFailures(model.sources)}${renderEnvironment(model.sources)}</section>`,
    '</main>',
    '<footer><p class="muted">Generated by rewrite-bench from the results file(s) above. Self-contained: charts are drawn by the vega, vega-lite and vega-embed builds inlined in this file; nothing is fetched.</p></footer>',
    '</div>',
    `<script type="application/json" id="report-charts">${jsonForScript(chartData)}</script>`,
    ...scripts.map((script) => `<script>${script}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
