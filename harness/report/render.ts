/**
 * The whole report from results documents: the model (per-source summaries), the headline tables,
 * the Vega-Lite charts, and the three outputs as strings. Pure; write.ts puts them on disk.
 */
import { renderCsv } from './csv.js';
import { renderPage, type ReportBundles } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildModel, type ReportInput, type ReportModel } from './sources.js';
import { buildCharts, type ChartSpec } from './spec.js';
import { headlineTables, type HeadlineTable } from './tables.js';

export interface RenderedReport {
  readonly model: ReportModel;
  readonly tables: readonly HeadlineTable[];
  readonly charts: readonly ChartSpec[];
  /** index.html */
  readonly html: string;
  /** summary.md */
  readonly markdown: string;
  /** runs.csv */
  readonly csv: string;
}

/** Renders the report of one or more results documents (merged, each source labelled). */
export function renderReport(inputs: readonly ReportInput[], bundles: ReportBundles): RenderedReport {
  const model = buildModel(inputs);
  const tables = headlineTables(model);
  const charts = buildCharts(model);
  return {
    model,
    tables,
    charts,
    html: renderPage({ model, tables, charts, bundles }),
    markdown: renderMarkdown(model, tables),
    csv: renderCsv(model.sources),
  };
}
