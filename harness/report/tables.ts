/**
 * The headline tables of the report as plain data (rows of formatted cells), shared by the HTML
 * page and the Markdown summary: per scenario and load point, services side by side, medians of
 * valid runs with their order-statistic CI and its coverage. A service with no valid run shows `invalid` and its
 * reasons, never a number. The platform floor's columns follow the services' (latency and
 * throughput only: it is not a service), and a service's p50, p99 or p99.9 at the floor carries
 * `atFloor` with the floor's values (stats/floor.ts has the rule). Pure.
 */
import type { BuildRecord } from '../results/document.js';
import { formatNumber } from '../claims/format.js';
import { formatBytes, formatMicros } from '../format.js';
import { formatCoverage, type Estimate } from '../stats/interval.js';
import { describeLoad } from '../stats/summarize.js';
import { describeFinding } from '../results/validity.js';
import type { ReportModel, ScenarioPoint, SourcePoint } from './sources.js';
import { describeSpread, FLOOR_PERCENTILES, judgeAgainstFloor, type FloorPercentile } from '../stats/floor.js';

/** One formatted value: `text`, and the interval line under it. */
export interface Cell {
  readonly text: string;
  /** "96.9 % CI 1.1 ms – 1.4 ms · n = 6"; undefined with one run. */
  readonly detail: string | undefined;
  /** `bound`: no valid run, but a true lower bound (a closed loop the load engine saturated first). */
  readonly state: 'value' | 'invalid' | 'missing' | 'bound';
  /** Numbers of the warnings (1-based, in the table's `warnings`) that concern this value: marked beside it. */
  readonly warningMarks: readonly number[];
  /** A service's latency figure at the platform floor: "at the platform floor (the floor's p99 beside it: 180 µs – 2.10 ms over 2 runs)". */
  readonly atFloor?: string;
}

/** One service (of one source) in a table. */
export interface Column {
  readonly service: string;
  readonly source: string;
  readonly series: string;
  /** This service's load at the point, e.g. "open loop, 80 % of capacity (493 req/s)". */
  readonly load: string;
  readonly validRuns: number;
  readonly runs: number;
  /** "reps 1, 2: the load generator used 0.94 of its core …": each reason once, with its repetitions. */
  readonly invalidReasons: readonly string[];
  /** `floor`: the platform floor's column (shown beside the services, never compared). */
  readonly role?: 'floor';
}

/** One metric across the columns. */
export interface Row {
  readonly metric: string;
  readonly label: string;
  readonly group: 'latency' | 'throughput' | 'cpu' | 'memory' | 'startup';
  readonly cells: readonly Cell[];
}

/** The headline table of one scenario at one load point. */
export interface HeadlineTable {
  readonly scenario: string;
  readonly rateIndex: number;
  readonly pointLabel: string;
  readonly model: 'closed' | 'open';
  /** The distinct `load.method` texts of the point (how latency was measured). */
  readonly methods: readonly string[];
  /** The methods as one text when they differ only in the offered rate (open loop), else the first. */
  readonly method: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  /** "go (host): rep 1: the load generator used 0.94 of its core …" per invalid run. */
  readonly invalid: readonly string[];
  /** Validity warnings of valid runs, deduplicated, each with its next step; cells refer to them by number. */
  readonly warnings: readonly string[];
  /** Said once under the table: why some values have no interval. */
  readonly note: string | undefined;
}

type Formatter = (value: number) => string;

const fixed = (digits: number, unit: string): Formatter => (value) => `${value.toFixed(digits)} ${unit}`;
const perSecond: Formatter = (value) => `${formatNumber(value)} req/s`;
const bytes: Formatter = (value) => formatBytes(value);
const micros: Formatter = (value) => formatMicros(value);

/** Run metrics shown in the headline table, in order, with their label and formatter. */
export const HEADLINE_METRICS: ReadonlyArray<{ metric: string; label: string; group: Row['group']; format: Formatter }> = [
  { metric: 'p50', label: 'p50 latency', group: 'latency', format: micros },
  { metric: 'p99', label: 'p99 latency', group: 'latency', format: micros },
  { metric: 'p999', label: 'p99.9 latency', group: 'latency', format: micros },
  { metric: 'rps', label: 'throughput (achieved)', group: 'throughput', format: perSecond },
  { metric: 'errors', label: 'failed requests', group: 'throughput', format: (value) => `${formatNumber(value)}` },
  { metric: 'cpuCores', label: 'CPU (cores)', group: 'cpu', format: fixed(2, 'cores') },
  { metric: 'cpuUsPerRequest', label: 'CPU time per request', group: 'cpu', format: micros },
  { metric: 'peakRssBytes', label: 'peak RSS', group: 'memory', format: bytes },
  { metric: 'peakPssBytes', label: 'peak PSS', group: 'memory', format: bytes },
  { metric: 'idleRssBytes', label: 'idle RSS', group: 'memory', format: bytes },
  { metric: 'idlePssBytes', label: 'idle PSS', group: 'memory', format: bytes },
  { metric: 'startupMs', label: 'startup (spawn to first 200)', group: 'startup', format: fixed(0, 'ms') },
];

/** How the incremental build was provoked, when it was not the one-line edit the label promises. */
function triggerNote(build: BuildRecord): string {
  const trigger = build.lastIncremental?.trigger;
  if (trigger === 'edit') return '';
  if (trigger === 'sources') return ' (after changed sources)';
  // Older records, or a file whose comment syntax is unknown: only the mtime changed.
  return ' (file touched, not edited: a content-keyed cache such as Go’s may rebuild nothing)';
}

/** Build metrics: one measurement per service and source (no interval). */
export const BUILD_ROWS: ReadonlyArray<{ metric: string; label: string; read: (build: BuildRecord) => string | undefined }> = [
  { metric: 'cleanBuildSeconds', label: 'clean build (compile step)', read: (build) => seconds(build.lastClean?.lastStepSeconds, build.lastClean?.seconds) },
  {
    metric: 'incrementalBuildSeconds',
    label: 'incremental build (after a one-line edit)',
    read: (build) => {
      const text = seconds(build.lastIncremental?.lastStepSeconds, build.lastIncremental?.seconds);
      return text === undefined ? undefined : `${text}${triggerNote(build)}`;
    },
  },
  { metric: 'artifactBytes', label: 'artifact size', read: (build) => (build.artifactBytes === undefined ? undefined : `${formatBytes(build.artifactBytes)}${build.artifactKind === 'directory' ? ' (venv)' : build.artifactKind === 'file' ? ' (binary)' : ''}`) },
  { metric: 'linesOfCode', label: 'lines of code', read: (build) => `${build.linesOfCode.total.toLocaleString('en-US')} lines` },
];

function seconds(step: number | undefined, total: number | undefined): string | undefined {
  if (step === undefined) return undefined;
  const text = `${step.toFixed(step < 10 ? 2 : 1)} s`;
  return total === undefined || Math.abs(total - step) < 0.005 ? text : `${text} (${total.toFixed(1)} s all steps)`;
}

/** The interval line of an estimate. */
export function intervalText(estimate: Estimate, format: Formatter): string | undefined {
  // One valid run has no interval; the table's runs row already says "1 of 1 valid".
  if (estimate.n < 2) return undefined;
  return `${formatCoverage(estimate.coverage)} CI ${format(estimate.low)} – ${format(estimate.high)} · n = ${estimate.n}`;
}

/** The warnings of the valid runs of a point, as the table lists them (text; next step). */
function warningTexts(point: SourcePoint, name: string): Array<{ text: string; concerns: readonly string[] }> {
  return point.pointRuns.filter((run) => run.validity.valid).flatMap((run) => run.validity.warnings.map((warning) => ({ text: `${name}: ${describeFinding(warning)}`, concerns: warning.concerns })));
}

function metricCell(point: SourcePoint, metric: string, format: Formatter, marks: readonly number[]): Cell {
  if (point.validRuns === 0) {
    const bounds = point.pointRuns.flatMap((run) => (run.validity.lowerBoundRps === undefined ? [] : [run.validity.lowerBoundRps]));
    if (metric === 'rps' && bounds.length > 0) return { text: `≥ ${format(Math.min(...bounds))}`, detail: 'lower bound: the load engine saturated first', state: 'bound', warningMarks: [] };
    return { text: 'invalid', detail: undefined, state: 'invalid', warningMarks: [] };
  }
  const estimate = point.metrics[metric];
  if (estimate === undefined) return { text: '–', detail: 'not measured', state: 'missing', warningMarks: [] };
  return { text: format(estimate.value), detail: intervalText(estimate, format), state: 'value', warningMarks: marks };
}

function buildCell(build: BuildRecord, read: (build: BuildRecord) => string | undefined): Cell {
  const text = read(build);
  return text === undefined ? { text: '–', detail: 'not measured (run rewrite-bench build --timings)', state: 'missing', warningMarks: [] } : { text, detail: undefined, state: 'value', warningMarks: [] };
}

/** The build table: per service (and source), the same in every scenario, so shown once. */
export interface BuildTable {
  readonly columns: ReadonlyArray<{ readonly service: string; readonly source: string }>;
  readonly rows: ReadonlyArray<{ readonly metric: string; readonly label: string; readonly cells: readonly Cell[] }>;
  /** What the incremental build is, per language: said once under the table. */
  readonly note: string;
}

/** What "incremental build" means here, and why the languages' figures differ in kind. */
export const INCREMENTAL_NOTE =
  'Incremental build: the compile step after a one-line edit of one source file (a comment appended to the file the manifest names under incremental, removed afterwards), what a developer waits for after changing a file. ' +
  'A touch would not do: Go caches builds by content, so a touched file recompiles nothing. Python has no compile step: its build is a pip install that finds nothing to do.';

/** The build table of the report, or undefined when no source recorded a build. */
export function buildTable(model: ReportModel): BuildTable | undefined {
  const builds = model.sources.flatMap((source) => source.document.builds.map((build) => ({ source, build })));
  if (builds.length === 0) return undefined;
  return {
    columns: builds.map(({ source, build }) => ({ service: build.service, source: source.label })),
    rows: BUILD_ROWS.map(({ metric, label, read }) => ({ metric, label, cells: builds.map(({ build }) => buildCell(build, read)) })),
    note: INCREMENTAL_NOTE,
  };
}

/** "reps 1, 2, 3: reason; next step" — identical reasons of several repetitions said once. */
function invalidReasons(point: SourcePoint): string[] {
  const byReason = new Map<string, number[]>();
  for (const run of point.pointRuns.filter((candidate) => !candidate.validity.valid)) {
    const reasons = run.validity.reasons.length === 0 ? ['invalid'] : run.validity.reasons.map(describeFinding);
    for (const reason of reasons) byReason.set(reason, [...(byReason.get(reason) ?? []), run.repetition]);
  }
  return [...byReason].map(([reason, repetitions]) => `${repetitions.length === 1 ? 'rep' : 'reps'} ${repetitions.join(', ')}: ${reason}`);
}

function columnName(point: SourcePoint, isMerged: boolean): string {
  return isMerged ? `${point.name} (${point.source.label})` : point.name;
}

const RATE = /\d[\d,]*(?:\.\d+)? req\/s/g;

/**
 * One description of how the load was made: the method itself when all agree; when they differ
 * only in the offered rate (open loop at a fraction of each service's capacity), the text with
 * the rate replaced by a pointer to the load row; otherwise the texts joined.
 */
export function summarizeMethods(methods: readonly string[]): string {
  if (methods.length <= 1) return methods[0] ?? '';
  const generalized = new Set(methods.map((method) => method.replace(RATE, "each service's offered rate (see the load row)")));
  return generalized.size === 1 ? [...generalized][0]! : methods.join(' · ');
}

/** Said under a table with the floor's columns. */
export const FLOOR_TABLE_NOTE =
  "floor: the platform floor, a server that answers at once, measured in the same rounds at the same load (each service's own rate at capacity fractions): what this machine, its kernel and the load engine show with no service time at all. A service's figure at or under the highest of the floor's runs beside it is marked at the platform floor (≈floor): it cannot be told from the machine's own.";

/** Metrics the floor's columns show: it is the machine's latency, not a service's CPU or memory. */
const FLOOR_ROWS: ReadonlySet<string> = new Set(['p50', 'p99', 'p999', 'rps', 'errors']);
const FLOOR_LABELS: Readonly<Record<FloorPercentile, string>> = { p50: 'p50', p99: 'p99', p999: 'p99.9' };

/** The floor's mark on a service's latency cell: the rule of stats/floor.ts, against the floor runs of the same source beside it. */
function floorMark(point: ScenarioPoint, sourcePoint: SourcePoint, metric: string): string | undefined {
  if (!(FLOOR_PERCENTILES as readonly string[]).includes(metric)) return undefined;
  const floorRuns = point.floor.filter((floor) => floor.source === sourcePoint.source).flatMap((floor) => floor.pointRuns);
  const judged = judgeAgainstFloor(floorRuns, sourcePoint.pointRuns.filter((run) => run.validity.valid), metric as FloorPercentile);
  if (judged === undefined || !judged.atFloor) return undefined;
  return `at the platform floor (the floor's ${FLOOR_LABELS[metric as FloorPercentile]} beside it: ${describeSpread(judged.spread, formatMicros)})`;
}

/** The headline table of one scenario point. */
export function headlineTable(point: ScenarioPoint, isMerged: boolean): HeadlineTable {
  const all = [...point.points, ...point.floor];
  const columns: Column[] = all.map((sourcePoint) => ({
    service: sourcePoint.name,
    source: sourcePoint.source.label,
    series: sourcePoint.series,
    load: describeLoad(sourcePoint.pointRuns[0]!),
    validRuns: sourcePoint.validRuns,
    runs: sourcePoint.runs,
    invalidReasons: invalidReasons(sourcePoint),
    ...(sourcePoint.role === 'floor' ? { role: 'floor' as const } : {}),
  }));
  const warned = all.map((sourcePoint) => warningTexts(sourcePoint, columnName(sourcePoint, isMerged)));
  const warnings = [...new Set(warned.flat().map((warning) => warning.text))];
  const marksOf = (column: number, metric: string): number[] =>
    [...new Set(warned[column]!.filter((warning) => warning.concerns.includes(metric)).map((warning) => warnings.indexOf(warning.text) + 1))].sort((a, b) => a - b);
  // Build metrics are per service, not per scenario: buildTable shows them once.
  const rows: Row[] = HEADLINE_METRICS.map(({ metric, label, group, format }) => ({
    metric,
    label,
    group,
    cells: all.map((sourcePoint, column): Cell => {
      if (sourcePoint.role === 'floor' && !FLOOR_ROWS.has(metric)) return { text: '–', detail: 'the platform floor: not a service', state: 'missing', warningMarks: [] };
      const cell = metricCell(sourcePoint, metric, format, marksOf(column, metric));
      const atFloor = sourcePoint.role === 'floor' || cell.state !== 'value' ? undefined : floorMark(point, sourcePoint, metric);
      return atFloor === undefined ? cell : { ...cell, atFloor };
    }),
  }));
  const runs = all.flatMap((sourcePoint) => sourcePoint.pointRuns.map((run) => ({ run, name: columnName(sourcePoint, isMerged) })));
  const methods = [...new Set(runs.map(({ run }) => run.load.method))];
  return {
    scenario: point.scenario,
    rateIndex: point.rateIndex,
    pointLabel: point.label,
    model: point.model,
    methods,
    method: summarizeMethods(methods),
    columns,
    rows,
    invalid: runs.filter(({ run }) => !run.validity.valid).map(({ run, name }) => `${name}, rep ${run.repetition}: ${run.validity.reasons.map(describeFinding).join(' · ') || 'invalid'}`),
    warnings,
    note: columns.some((column) => column.validRuns === 1)
      ? `${columns.every((column) => column.validRuns <= 1) ? 'Every service has' : 'Some services have'} a single valid run here, so those values have no confidence interval: run more repetitions (the default, not --quick) before citing a difference.`
      : undefined,
  };
}

/** Every headline table of the report, scenario by scenario. */
export function headlineTables(model: ReportModel): HeadlineTable[] {
  return model.scenarios.flatMap((scenario) => scenario.points.map((point) => headlineTable(point, model.isMerged)));
}
