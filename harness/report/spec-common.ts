/**
 * What every Vega-Lite spec of the report shares: the chart record, the schema, the look, one
 * colour per service (the same in every chart) and faceting by load point. Pure.
 *
 * Specs are plain JSON objects (vega-lite's own types are checked by compiling every spec in
 * tests/unit/report-spec.test.ts). User strings (service, scenario names) only ever appear as data
 * or titles, never inside a Vega expression.
 */

/** A Vega-Lite spec as JSON. */
export type VegaLiteSpec = Readonly<Record<string, unknown>>;

/** One chart of the report. */
export interface ChartSpec {
  /** `chart-1`, `chart-2`, …: the page's element id (never derived from user strings). */
  readonly id: string;
  /** The scenario whose section the chart belongs to; undefined for report-wide charts. */
  readonly scenario: string | undefined;
  readonly kind: 'claims' | 'relative' | 'headline-bars' | 'spectrum' | 'latency-over-time' | 'sweep' | 'resources' | 'builds';
  readonly title: string;
  /** One or two sentences under the chart: what it shows and what was left out. */
  readonly caption: string;
  readonly spec: VegaLiteSpec;
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Vega's category10-like base colours, then ten more distinct hues (no light/dark pairs as in tableau20). */
const PALETTE = [
  '#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac',
  '#1b3a6b', '#8db600', '#882d17', '#00a6a6', '#6a3d9a', '#e25822', '#2b3d26', '#dcd300', '#0067a5', '#be0032',
];

/** `#rrggbb` of a hue (degrees), saturation and lightness (0–1): the usual HSL → RGB formula. */
function hslHex(hue: number, saturation: number, lightness: number): string {
  const amplitude = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const value = lightness - amplitude * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/**
 * `count` distinct colours, the same for the same position in every chart: the fixed palette,
 * then hues spaced by the golden angle at alternating lightness, so a merged report of many
 * machines never recycles a colour.
 */
export function seriesPalette(count: number): string[] {
  const colours = PALETTE.slice(0, count);
  for (let index = PALETTE.length; index < count; index += 1) colours.push(hslHex((index * 137.508) % 360, 0.65, index % 2 === 0 ? 0.42 : 0.62));
  return colours;
}

/** The shared look: system fonts, quiet axes. */
export const CHART_CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#333', labelColor: '#333', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', orient: 'right' },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'bold', titleFontWeight: 'normal' },
  title: { fontSize: 13, fontWeight: 'bold', anchor: 'start' },
  view: { stroke: '#ddd' },
} as const;

/**
 * The colour encoding of `series`: one fixed colour per service (and source) in every chart,
 * taken from its place in `series` (all of the report's; never recycled, see seriesPalette); the
 * legend lists only those in `values`.
 */
export function seriesColor(series: readonly string[], values: ReadonlyArray<{ readonly series?: unknown }>, title = 'service'): Record<string, unknown> {
  const present = new Set(values.map((value) => value.series));
  const domain = series.filter((label) => present.has(label));
  const palette = seriesPalette(series.length);
  const scale = { domain, range: domain.map((label) => palette[series.indexOf(label)]!) };
  return { field: 'series', type: 'nominal', title, scale, legend: { title, labelLimit: 320 } };
}

/** The top-level wrapper: schema, config, data and a title. */
export function topLevel(title: string, values: readonly object[], body: Record<string, unknown>): VegaLiteSpec {
  return { $schema: VEGA_LITE_SCHEMA, title, config: CHART_CONFIG, data: { values }, ...body };
}

/**
 * Facets `unit` (a unit or layer spec without data) into one column per load point when there is
 * more than one; otherwise returns it with the full width. Rows of the data carry `point`.
 */
export function facetByPoint(unit: Record<string, unknown>, pointLabels: readonly string[], height = 260): Record<string, unknown> {
  if (pointLabels.length <= 1) return { width: 640, height, ...unit };
  const width = Math.max(200, Math.floor(760 / pointLabels.length));
  return {
    facet: { column: { field: 'point', type: 'nominal', title: null, sort: [...pointLabels], header: { labelLimit: width } } },
    spec: { width, height, ...unit },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** Axis ticks for a log scale of µs: 10, 100, 1 000, … up to `maxUs`. */
export function logTicks(minValue: number, maxValue: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(Math.max(minValue, 1))); 10 ** exponent <= maxValue * 10; exponent += 1) {
    for (const mantissa of [1, 2, 5]) {
      const tick = mantissa * 10 ** exponent;
      if (tick >= minValue / 2 && tick <= maxValue * 2) ticks.push(tick);
    }
  }
  return ticks;
}

/**
 * Axis ticks 1, 2, 5 × 10^k (or other `mantissas`) for a log axis of any magnitude (0.01 … 1 000)
 * whose domain is [minValue, maxValue]: those within it. Both bounds must be positive (see logDomain).
 */
export function decadeTicks(minValue: number, maxValue: number, mantissas: readonly number[] = [1, 2, 5]): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(minValue)); 10 ** exponent <= maxValue; exponent += 1) {
    for (const mantissa of mantissas) {
      // toPrecision: 10 ** -2 * 5 is 0.05000000000000001.
      const tick = Number((mantissa * 10 ** exponent).toPrecision(6));
      if (tick >= minValue && tick <= maxValue) ticks.push(tick);
    }
  }
  return ticks;
}

/**
 * Ticks of a log axis with domain [low, high]: 1, 2, 5 × 10^k over up to 3 decades, only the
 * decades beyond (their labels would overlap), plus `extra` ticks within the domain.
 */
export function logAxisTicks([low, high]: readonly [number, number], extra: readonly number[] = []): number[] {
  const ticks = decadeTicks(low, high, high / low <= 1000 ? [1, 2, 5] : [1]);
  return [...new Set([...ticks, ...extra.filter((tick) => tick >= low && tick <= high)])].sort((a, b) => a - b);
}

/**
 * The [low, high] domain of a log axis holding `values` (those > 0; the rest cannot be placed):
 * padded by `padding` on both sides, and [0.1, 10] when no value is positive.
 */
export function logDomain(values: readonly number[], padding = 1.6): [number, number] {
  const positive = values.filter((value) => Number.isFinite(value) && value > 0);
  if (positive.length === 0) return [0.1, 10];
  return [round(Math.min(...positive) / padding, 3), round(Math.max(...positive) * padding, 3)];
}

/** A latency y axis on a log scale, labelled in µs / ms / s. */
export function latencyAxis(field: string, values: readonly number[], title: string): Record<string, unknown> {
  const positive = values.filter((value) => value > 0);
  const low = positive.length === 0 ? 1 : Math.min(...positive);
  const high = positive.length === 0 ? 1000 : Math.max(...positive);
  return {
    field,
    type: 'quantitative',
    title,
    scale: { type: 'log', domain: [Math.max(1, low / 1.5), high * 1.5], nice: false },
    axis: { values: logTicks(low, high), labelExpr: "datum.value >= 1000000 ? format(datum.value / 1000000, '~g') + ' s' : datum.value >= 1000 ? format(datum.value / 1000, '~g') + ' ms' : format(datum.value, '~g') + ' µs'" },
  };
}

/** A number rounded to `significant` digits for chart data (keeps the embedded JSON small). */
export function round(value: number, significant = 5): number {
  return Number(value.toPrecision(significant));
}
