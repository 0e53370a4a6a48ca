/**
 * The claims chart as a Vega-Lite spec: one row per check of every claim, the measured
 * statistic as a dot with its interval as a bar, against the claimed threshold (a black tick)
 * with the claimed side of it shaded, on a log scale so that a claimed 28× against a measured
 * 4.4× shows as the distance it is. Colour is the check's verdict; not-measured checks are listed
 * without a dot, and so are values ≤ 0 (a log scale has no place for them). Pure; undefined when
 * no source has claims.
 */
import type { CheckResult, ClaimResult, Verdict } from '../results/claims.js';
import { formatBound, formatNumber, isOpenEnd } from '../claims/format.js';
import type { Check } from '../claims/expression.js';
import { formatCoverage } from '../stats/interval.js';
import type { ReportModel } from './sources.js';
import type { CaptionedSpec } from './spec-latency.js';
import { logAxisTicks, logDomain, round, topLevel } from './spec-common.js';

const VERDICT_WORDS: Readonly<Record<Verdict, string>> = { holds: 'holds', refuted: 'refuted', inconclusive: 'inconclusive', 'not-measured': 'not measured' };
/** The page's verdict badge colours (html-style.ts), in the same order as the legend. */
const VERDICT_COLOURS = { domain: ['holds', 'refuted', 'inconclusive', 'not measured'], range: ['#1a7f37', '#cf222e', '#bf8700', '#8c959f'] };
const COMPARATOR_SYMBOLS: Readonly<Record<Check['comparator'], string>> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };
const SHAPES = { domain: ['median with interval', 'no interval'], range: ['circle', 'diamond'] };

/** One row of the chart's data: a check, with what can be drawn of it on a log scale. */
export interface ClaimCheckRow {
  /** The y label, unique in the chart: `claim-id: check as written` (`· source` when merged). */
  readonly row: string;
  readonly claim: string;
  readonly check: string;
  readonly verdict: string;
  /** `point`: a dot; `not-measured`, `non-positive`: a text in place of the dot. */
  readonly state: 'point' | 'not-measured' | 'non-positive';
  readonly value?: number;
  /** The interval's drawn ends (the low end clipped to the axis when it is ≤ 0). */
  readonly low?: number;
  readonly high?: number;
  readonly hasInterval: boolean;
  readonly kind: string;
  readonly threshold?: number;
  /** The axis end on the claimed side of the threshold (the shaded region runs to it). */
  readonly edge?: number;
  /** Where the `claimed` label sits: away from the threshold on its claimed side, unless that runs off the axis. */
  readonly labelAlign?: 'left' | 'right';
  /** `claimed ≥ 28 →` or `← claimed ≤ 2`. */
  readonly claimed: string;
  readonly side: 'above' | 'below';
  readonly text: string;
  readonly valueText: string;
  readonly intervalText: string;
  readonly coverageText: string;
  readonly nText: string;
  readonly note: string;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function intervalText(check: CheckResult): string {
  if (!isNumber(check.low) || !(isNumber(check.high) || isOpenEnd(check.high))) return isNumber(check.value) ? 'single measurement: no interval' : '–';
  if (check.n !== undefined && check.n < 2) return 'n = 1: no interval';
  return `${formatNumber(check.low)} – ${formatBound(check.high)}`;
}

/** Chart rows of one check, before the axis domain is known (`edge` is added later). */
function checkRow(claim: ClaimResult, check: CheckResult, row: string): Omit<ClaimCheckRow, 'edge' | 'labelAlign'> {
  const symbol = COMPARATOR_SYMBOLS[check.comparator] ?? check.comparator;
  const side = check.comparator === '>=' || check.comparator === '>' ? 'above' : 'below';
  const claimedText = `claimed ${symbol} ${formatNumber(check.threshold)}`;
  const value = isNumber(check.value) ? check.value : undefined;
  // An upper end the test cannot bound at its level (+∞; null once read back) runs to the axis.
  const openHigh = isOpenEnd(check.high);
  const hasSpread = isNumber(check.low) && (openHigh || (isNumber(check.high) && check.high > check.low));
  const state = check.verdict === 'not-measured' || value === undefined ? 'not-measured' : value > 0 ? 'point' : 'non-positive';
  const lowNote = state === 'point' && hasSpread && check.low! <= 0 ? 'the interval reaches 0 or below: its bar is cut at the axis' : undefined;
  const highNote = state === 'point' && hasSpread && openHigh ? 'the interval has no upper end at its level and number of rounds: its bar runs to the axis' : undefined;
  const thresholdNote = isNumber(check.threshold) && check.threshold > 0 ? undefined : 'the threshold is ≤ 0: not on the log scale';
  return {
    row,
    claim: claim.id,
    check: check.source,
    verdict: VERDICT_WORDS[check.verdict] ?? String(check.verdict),
    state,
    ...(state === 'point' ? { value: round(value!) } : {}),
    ...(state === 'point' && hasSpread ? { ...(check.low! > 0 ? { low: round(check.low!) } : {}), ...(openHigh ? {} : { high: round(check.high!) }) } : {}),
    hasInterval: state === 'point' && hasSpread,
    kind: hasSpread ? 'median with interval' : 'no interval',
    ...(thresholdNote === undefined ? { threshold: check.threshold } : {}),
    claimed: side === 'above' ? `${claimedText} →` : `← ${claimedText}`,
    side,
    text: state === 'not-measured' ? 'not measured' : state === 'non-positive' ? `${formatNumber(value)}: ≤ 0, not on the log scale` : '',
    valueText: formatNumber(value),
    intervalText: intervalText(check),
    coverageText: isNumber(check.coverage) ? formatCoverage(check.coverage) : '–',
    nText: check.n !== undefined ? String(check.n) : state === 'not-measured' ? '–' : '– (build metric)',
    note: [check.note, lowNote, highNote, thresholdNote].filter((part): part is string => part !== undefined && part !== '').join('; ') || '–',
  };
}

/**
 * Every check of every source's claims as chart rows, in claim then check order (sources side
 * by side when merged), with y labels made unique.
 */
export function claimCheckRows(model: ReportModel): Array<Omit<ClaimCheckRow, 'edge' | 'labelAlign'>> {
  const entries = model.sources.flatMap((source) => {
    const claims = source.document.claims;
    if (claims === undefined || claims === null) return [];
    return claims.results.flatMap((claim, claimIndex) => claim.checks.map((check, checkIndex) => ({ claim, check, source, order: [claimIndex, checkIndex, source.index] })));
  });
  // Merged: the same check of every machine next to each other.
  entries.sort((a, b) => a.order[0]! - b.order[0]! || a.order[1]! - b.order[1]! || a.order[2]! - b.order[2]!);
  const seen = new Map<string, number>();
  return entries.map(({ claim, check, source }) => {
    const base = `${claim.id}: ${check.source}${model.isMerged ? ` · ${source.label}` : ''}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return checkRow(claim, check, count === 1 ? base : `${base} #${count}`);
  });
}

const TOOLTIP = [
  { field: 'claim', title: 'claim' },
  { field: 'check', title: 'check' },
  { field: 'verdict', title: 'verdict' },
  { field: 'valueText', title: 'measured' },
  { field: 'intervalText', title: 'interval' },
  { field: 'coverageText', title: 'coverage' },
  { field: 'nText', title: 'n (valid runs)' },
  { field: 'claimed', title: 'claimed' },
  { field: 'note', title: 'note' },
];

/** A label of ~90 px on a 520 px axis: on the claimed side of the threshold unless within a fifth of that axis end. */
function labelAlign(side: 'above' | 'below', threshold: number, [low, high]: readonly [number, number]): 'left' | 'right' {
  const position = Math.log(threshold / low) / Math.log(high / low);
  if (side === 'above') return position > 0.8 ? 'right' : 'left';
  return position < 0.2 ? 'left' : 'right';
}

/** The claims chart, for the top of the claims section. */
export function claimsSpec(model: ReportModel): CaptionedSpec | undefined {
  const rows = claimCheckRows(model);
  if (rows.length === 0) return undefined;
  const domain = logDomain(rows.flatMap((row) => [row.value, row.low, row.high, row.threshold].filter(isNumber)));
  const values: ClaimCheckRow[] = rows.map((row) => (row.threshold === undefined ? row : { ...row, edge: row.side === 'above' ? domain[1] : domain[0], labelAlign: labelAlign(row.side, row.threshold, domain) }));
  const y = { field: 'row', type: 'nominal', title: null, sort: values.map((row) => row.row), axis: { labelLimit: 460, labelFontSize: 11 } };
  const x = { field: 'value', type: 'quantitative', title: 'measured statistic (log scale)', scale: { type: 'log', domain, nice: false }, axis: { values: logAxisTicks(domain), labelExpr: "format(datum.value, '~g')" } };
  const color = { field: 'verdict', type: 'nominal', title: 'verdict', scale: VERDICT_COLOURS, legend: { symbolOpacity: 1 } };
  const hasThreshold = { filter: 'isValid(datum.threshold)' };
  const claimedLabel = (align: 'left' | 'right'): Record<string, unknown> => ({
    transform: [hasThreshold, { filter: `datum.labelAlign === '${align}'` }],
    mark: { type: 'text', align, dx: align === 'left' ? 4 : -4, dy: -10, fontSize: 9.5, color: '#24292f' },
    encoding: { x: { field: 'threshold', type: 'quantitative' }, y, text: { field: 'claimed' } },
  });
  const lowClipped = values.some((row) => row.hasInterval && row.low === undefined);
  const highClipped = values.some((row) => row.hasInterval && row.high === undefined);
  const layer = [
    { transform: [hasThreshold], mark: { type: 'rect', color: '#0969da', opacity: 0.09, clip: true }, encoding: { x: { field: 'threshold', type: 'quantitative' }, x2: { field: 'edge' }, y } },
    { transform: [hasThreshold], mark: { type: 'tick', color: '#24292f', thickness: 2.5, size: 22 }, encoding: { x: { field: 'threshold', type: 'quantitative' }, y, tooltip: TOOLTIP } },
    claimedLabel('left'),
    claimedLabel('right'),
    ...(values.some((row) => row.hasInterval)
      ? [
          {
            transform: [
              { filter: 'datum.hasInterval' },
              ...(lowClipped ? [{ calculate: `isValid(datum.low) ? datum.low : ${domain[0]}`, as: 'low' }] : []),
              ...(highClipped ? [{ calculate: `isValid(datum.high) ? datum.high : ${domain[1]}`, as: 'high' }] : []),
            ],
            layer: [
              { mark: { type: 'rule', strokeWidth: 2.5, clip: true }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' }, y, color, tooltip: TOOLTIP } },
              // Caps: a short interval stays visible beside its dot on a wide axis.
              { transform: [{ fold: ['low', 'high'], as: ['end', 'at'] }, { filter: `datum.at > ${domain[0]} && datum.at < ${domain[1]}` }], mark: { type: 'tick', thickness: 2, size: 12 }, encoding: { x: { field: 'at', type: 'quantitative' }, y, color, tooltip: TOOLTIP } },
            ],
          },
        ]
      : []),
    {
      transform: [{ filter: "datum.state === 'point'" }],
      mark: { type: 'point', filled: true, size: 60, opacity: 1, stroke: '#fff', strokeWidth: 1 },
      encoding: { x, y, color, shape: { field: 'kind', type: 'nominal', title: 'measured', scale: SHAPES }, tooltip: TOOLTIP },
    },
    { transform: [{ filter: "datum.state !== 'point'" }], mark: { type: 'text', align: 'left', x: 4, fontSize: 10.5, fontStyle: 'italic' }, encoding: { y, color, text: { field: 'text' }, tooltip: TOOLTIP } },
  ];
  const notMeasured = values.filter((row) => row.state === 'not-measured').length;
  const nonPositive = values.filter((row) => row.state === 'non-positive').length;
  const noThreshold = values.filter((row) => row.threshold === undefined).length;
  const notes = [
    notMeasured === 0 ? '' : ` ${notMeasured} check${notMeasured === 1 ? ' was' : 's were'} not measured: listed, without a dot (the tooltip says why).`,
    nonPositive === 0 ? '' : ` ${nonPositive} check${nonPositive === 1 ? ' has' : 's have'} a value ≤ 0, which a log scale cannot place: listed with the value as text.`,
    noThreshold === 0 ? '' : ` ${noThreshold} threshold${noThreshold === 1 ? ' is' : 's are'} ≤ 0 and not drawn.`,
  ].join('');
  return {
    title: 'Claims against measurements',
    caption: `One row per check (claim id: the check as written). The black tick is the claimed threshold and the shaded side of it is where the claim says the statistic lies; the dot is what was measured (the estimate from paired rounds — Hodges–Lehmann, or the median for tail metrics — or a single build measurement), the bar its interval at the plan's per-look level (a diamond: no interval, from a single run or a build metric). A check holds when the whole bar lies in the shade, is refuted when it lies wholly outside (each wrong at most 2.5 % of the time over all looks of the sequential plan), and is inconclusive when it straddles the tick; colour is the verdict, the tooltip gives value, interval, coverage, n and the note. Log scale: equal distances are equal ratios, so a claimed 28× against a measured 4.4× is as far off as it looks.${notes}`,
    spec: topLevel('Claims: measured against claimed', values, { width: 520, height: { step: 30 }, layer }),
  };
}
