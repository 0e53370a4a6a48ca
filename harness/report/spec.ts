/**
 * Every Vega-Lite chart of the report, in page order: the claims against their measurements, the
 * comparison across scenarios relative to a reference service, then per scenario the headline bars, the
 * latency spectrum, latency over time, p99 against throughput (rate sweeps only) and CPU/memory
 * over time; then build time, artifact size and lines of code. A chart with nothing to draw is
 * left out (the scenario section says so). Pure.
 */
import { claimsSpec } from './spec-claims.js';
import type { ChartSpec } from './spec-common.js';
import { latencyOverTimeSpec, spectrumSpec, sweepSpec, type CaptionedSpec } from './spec-latency.js';
import { relativeSpec } from './spec-relative.js';
import { buildsSpec, headlineBarsSpec, resourcesSpec } from './spec-resources.js';
import type { ReportModel, ScenarioGroup } from './sources.js';

export type { ChartSpec, VegaLiteSpec } from './spec-common.js';

const SCENARIO_CHARTS: ReadonlyArray<{ kind: ChartSpec['kind']; build: (scenario: ScenarioGroup, series: readonly string[]) => CaptionedSpec | undefined }> = [
  { kind: 'headline-bars', build: headlineBarsSpec },
  { kind: 'spectrum', build: spectrumSpec },
  { kind: 'latency-over-time', build: latencyOverTimeSpec },
  { kind: 'sweep', build: sweepSpec },
  { kind: 'resources', build: resourcesSpec },
];

/** The charts of a report model; ids are `chart-1`, `chart-2`, … in page order. */
export function buildCharts(model: ReportModel): ChartSpec[] {
  const charts: Array<Omit<ChartSpec, 'id'>> = [];
  const claims = claimsSpec(model);
  if (claims !== undefined) charts.push({ scenario: undefined, kind: 'claims', ...claims });
  const relative = relativeSpec(model);
  if (relative !== undefined) charts.push({ scenario: undefined, kind: 'relative', ...relative });
  for (const scenario of model.scenarios) {
    for (const { kind, build } of SCENARIO_CHARTS) {
      const chart = build(scenario, model.series);
      if (chart !== undefined) charts.push({ scenario: scenario.name, kind, ...chart });
    }
  }
  const builds = buildsSpec(model);
  if (builds !== undefined) charts.push({ scenario: undefined, kind: 'builds', ...builds });
  return charts.map((chart, index) => ({ id: `chart-${index + 1}`, ...chart }));
}
