/**
 * Drift between results files (issue 22 item 11). On a shared or virtual machine the same service
 * measured 691 req/s in one run and 899 twenty minutes later, with no steal and no other load
 * flagged, while the ratios of interleaved rounds held (15.1× and 14.8×). So absolute figures are
 * not comparable across runs; ratios within a run are. When a report merges several results
 * files, this shows how far each service's medians moved between them: the same scenario, service
 * and load point in an earlier file and a later one, both medians and their ratio.
 *
 * The floor service (`role: 'floor'` on its runs: the smallest HTTP server, measured in every
 * round) moves only with the machine. Where its runs are in both files, its own ratio is shown
 * first and each service's ratio is also given relative to it (service ratio ÷ floor ratio, same
 * scenario, point and metric): what the machine explains is divided out. Pure.
 */
import { formatNumber } from '../claims/format.js';
import { formatMicros } from '../format.js';
import { RUN_METRICS } from '../stats/metrics.js';
import type { RunRecord } from '../results/document.js';
import type { ReportModel, SourcePoint } from './sources.js';

/** Said wherever absolute figures are shown beside each other from different runs. */
export const ABSOLUTE_FIGURES_NOTE =
  'Absolute figures (req/s, µs, cores) are not comparable across runs on a shared or virtual machine: the same service has measured 691 req/s in one run and 899 twenty minutes later with nothing flagged. Ratios between services within one run, measured in interleaved rounds, are: compare those.';

/** The metrics drift is shown for: what the load model leaves free to move. */
const DRIFT_METRICS: Readonly<Record<'closed' | 'open', readonly string[]>> = {
  // A closed loop's throughput is the service's; an open loop's is the offered rate.
  closed: ['rps', 'cpuUsPerRequest'],
  open: ['p50', 'cpuUsPerRequest'],
};

/** A median of one source. */
export interface DriftSide {
  readonly source: string;
  readonly value: number;
  /** Valid runs behind the median. */
  readonly n: number;
}

/** One service, point and metric in an earlier and a later results file. */
export interface DriftRow {
  readonly scenario: string;
  readonly pointLabel: string;
  readonly service: string;
  readonly isFloor: boolean;
  readonly metric: string;
  readonly unit: string;
  readonly earlier: DriftSide;
  readonly later: DriftSide;
  /** later ÷ earlier. */
  readonly ratio: number;
  /** This row's ratio ÷ the floor's ratio at the same scenario, point, metric and files; undefined without floor runs in both. */
  readonly relativeToFloor: number | undefined;
}

/** The drift of a merged report: rows, and whether a floor service measured the machine's own. */
export interface DriftTable {
  readonly rows: readonly DriftRow[];
  readonly hasFloor: boolean;
}

/** A run's role in its round (`floor` for the floor service, added by the floor member of rounds); undefined for a service. */
function roleOf(run: RunRecord): string | undefined {
  const role = (run as { readonly role?: unknown }).role;
  return typeof role === 'string' ? role : undefined;
}

const isFloorPoint = (point: SourcePoint): boolean => point.pointRuns.length > 0 && point.pointRuns.every((run) => roleOf(run) === 'floor');

/**
 * The drift rows of a report merging several results files; undefined for a single file. Each
 * later file is compared with the earliest file (in the order given) that has the same service
 * and point. Floor rows come first in each point.
 */
export function driftTable(model: ReportModel): DriftTable | undefined {
  if (!model.isMerged) return undefined;
  const rows: DriftRow[] = [];
  let hasFloor = false;
  for (const scenario of model.scenarios) {
    for (const point of scenario.points) {
      const metrics = DRIFT_METRICS[point.model];
      // The floor's points stand apart from the services' (report/sources.ts): one column per rate it ran at.
      const entriesOf = [...point.floor, ...point.points];
      const services = [...new Set(entriesOf.map((entry) => entry.service))];
      const floors = services.filter((service) => point.floor.some((entry) => entry.service === service) || entriesOf.some((entry) => entry.service === service && isFloorPoint(entry)));
      if (floors.length > 0) hasFloor = true;
      const ordered = [...floors, ...services.filter((service) => !floors.includes(service))];
      const ratioOf = (service: string, metric: string, earlierIndex: number, laterIndex: number): number | undefined => {
        const at = (index: number) => entriesOf.find((entry) => entry.service === service && entry.source.index === index)?.metrics[metric]?.value;
        const [a, b] = [at(earlierIndex), at(laterIndex)];
        return a === undefined || b === undefined || a <= 0 ? undefined : b / a;
      };
      for (const service of ordered) {
        const entries = entriesOf.filter((entry) => entry.service === service).sort((a, b) => a.source.index - b.source.index);
        const [earliest, ...later] = entries;
        if (earliest === undefined) continue;
        for (const entry of later) {
          for (const metric of metrics) {
            const before = earliest.metrics[metric];
            const after = entry.metrics[metric];
            if (before === undefined || after === undefined || before.value <= 0) continue;
            const ratio = after.value / before.value;
            const floorRatios = floors.filter((floor) => floor !== service).map((floor) => ratioOf(floor, metric, earliest.source.index, entry.source.index)).filter((value): value is number => value !== undefined);
            const isFloor = floors.includes(service);
            rows.push({
              scenario: scenario.name,
              pointLabel: point.label,
              service,
              isFloor,
              metric,
              unit: RUN_METRICS[metric]?.unit ?? '',
              earlier: { source: earliest.source.label, value: before.value, n: before.n },
              later: { source: entry.source.label, value: after.value, n: after.n },
              ratio,
              relativeToFloor: isFloor || floorRatios[0] === undefined ? undefined : ratio / floorRatios[0],
            });
          }
        }
      }
    }
  }
  return rows.length === 0 ? undefined : { rows, hasFloor };
}

/** What the drift table says under its title. */
export function describeDrift(table: DriftTable): string {
  const floor = table.hasFloor
    ? 'The floor service moved only with the machine: its own ratio comes first, and each service\'s ratio is also given relative to it (÷ the floor\'s), what remains once the machine\'s drift is divided out.'
    : 'No floor service was measured in both files, so the machine\'s own drift is not separated from the services\'.';
  return `The same service and load point in two results files: medians of valid runs and their ratio (later ÷ earlier). ${ABSOLUTE_FIGURES_NOTE} ${floor}`;
}

/** A median with its unit, as the tables print it. */
export function formatDriftValue(value: number, unit: string): string {
  if (unit === 'µs') return formatMicros(value);
  if (unit === 'req/s') return `${Math.round(value).toLocaleString('en-US')} req/s`;
  return `${formatNumber(value)} ${unit}`.trim();
}

/** `1.30×`. */
export const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}×`;

/** The table's cells, header first: strings to escape for Markdown or HTML. */
export function driftCells(table: DriftTable): { readonly header: readonly string[]; readonly rows: ReadonlyArray<readonly string[]> } {
  const header = ['scenario, load', 'service', 'metric', 'earlier', 'later', 'later ÷ earlier', ...(table.hasFloor ? ['÷ the floor\'s'] : [])];
  const rows = table.rows.map((row) => [
    `${row.scenario}, ${row.pointLabel}`,
    row.isFloor ? `${row.service} (floor)` : row.service,
    row.metric,
    `${formatDriftValue(row.earlier.value, row.unit)} (n=${row.earlier.n}, ${row.earlier.source})`,
    `${formatDriftValue(row.later.value, row.unit)} (n=${row.later.n}, ${row.later.source})`,
    formatRatio(row.ratio),
    ...(table.hasFloor ? [row.isFloor ? '–' : row.relativeToFloor === undefined ? 'no floor runs' : formatRatio(row.relativeToFloor)] : []),
  ]);
  return { header, rows };
}
