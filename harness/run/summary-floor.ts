/**
 * The platform floor in the terminal summary (issue 21): its rows under a scenario's services,
 * the `≈floor` mark on a service's p50, p99 or p99.9 that is at the floor (stats/floor.ts has the
 * rule) with the floor's values in a line under the table, and the machine's resolution at each
 * floor rate. Pure.
 */
import { median } from 'simple-statistics';
import { formatMicros } from '../format.js';
import type { RunRecord } from '../results/document.js';
import { describeSpread, floorLabel, floorResolution, groupFloorRuns, judgeAgainstFloor, type FloorPercentile } from '../stats/floor.js';
import { describeLoad } from '../stats/summarize.js';

/** The mark beside a figure at the platform floor. */
export const AT_FLOOR_MARK = '≈floor';

const LABELS: Record<FloorPercentile, string> = { p50: 'p50', p99: 'p99', p999: 'p99.9' };

/** A service's figure at the floor: what the line under the table says. */
export interface AtFloor {
  readonly service: string;
  readonly metric: FloorPercentile;
  readonly valueUs: number;
  readonly floor: string;
}

/**
 * The median (over `valid`, a service's valid runs at a point) of `metric` when it is at the
 * floor beside it; undefined when it is not, or no floor ran beside it.
 * @param scenarioRuns every run of the scenario (the floor's among them)
 */
export function atFloor(scenarioRuns: readonly RunRecord[], valid: readonly RunRecord[], metric: FloorPercentile): AtFloor | undefined {
  const judged = judgeAgainstFloor(scenarioRuns, valid, metric);
  if (judged === undefined || !judged.atFloor) return undefined;
  return { service: valid[0]!.service, metric, valueUs: judged.valueUs, floor: describeSpread(judged.spread, formatMicros) };
}

/** The floor's rows of a scenario's table: one per rate, the same columns as a service's (CPU and memory left out: it is not a service). */
export function floorRows(scenarioRuns: readonly RunRecord[], columns: number): string[][] {
  return groupFloorRuns(scenarioRuns).map((group) => {
    const valid = group.runs.filter((run) => run.validity.valid);
    const pick = (read: (run: RunRecord) => number | undefined): number | undefined => {
      const values = valid.flatMap((run) => (read(run) === undefined ? [] : [read(run)!]));
      return values.length === 0 ? undefined : median(values);
    };
    const rps = pick((run) => run.load.achievedRps);
    const row = [
      floorLabel(group),
      describeLoad(group.runs[0]!),
      `${valid.length}/${group.runs.length}`,
      formatMicros(pick((run) => run.load.latencyUs?.p50Us)),
      formatMicros(pick((run) => run.load.latencyUs?.p99Us)),
      formatMicros(pick((run) => run.load.latencyUs?.p999Us)),
      rps === undefined ? '–' : Math.round(rps).toLocaleString('en-US'),
    ];
    return [...row, ...Array.from({ length: Math.max(0, columns - row.length) }, () => '–')];
  });
}

/** The line under the table naming every figure marked `≈floor`, with the floor's values. */
export function atFloorLine(marked: readonly AtFloor[]): string | undefined {
  if (marked.length === 0) return undefined;
  const items = marked.map((entry) => `${entry.service} ${LABELS[entry.metric]} ${formatMicros(entry.valueUs)} (the floor's ${LABELS[entry.metric]} beside it: ${entry.floor})`);
  return `  ${AT_FLOOR_MARK} at the platform floor — within the range of a server that does nothing, on this machine at this load (README, "How accurate it is"): ${items.join('; ')}`;
}

/**
 * Per floor rate of a scenario: the smallest tail difference this machine can show there (the
 * floor's run-to-run range at p50, p99 and p99.9); the rates with fewer than two valid floor runs
 * (one round, or the floor stopped beside a service far above it) are named together in one line.
 */
export function resolutionLines(scenarioRuns: readonly RunRecord[]): string[] {
  const lines: string[] = [];
  const unknown: string[] = [];
  for (const group of groupFloorRuns(scenarioRuns)) {
    const rate = `${Math.round(group.offeredRps).toLocaleString('en-US')} req/s`;
    const valid = group.runs.filter((run) => run.validity.valid);
    const resolution = floorResolution(valid);
    if (resolution === undefined) {
      unknown.push(`${rate}${group.isFraction ? ` (${floorLabel(group)})` : ''}: ${valid.length}`);
      continue;
    }
    const parts = resolution.map((entry) => `${LABELS[entry.metric]} ${formatMicros(entry.rangeUs)} (${describeSpread(entry.spread, formatMicros)})`);
    lines.push(`  resolution (${floorLabel(group)} at ${rate}): the floor moved by ${parts.join(', ')} from run to run with no service time at all: differences between services smaller than these may be the machine's`);
  }
  if (unknown.length > 0) lines.push(`  resolution unknown (valid floor runs at ${unknown.join('; ')}): it needs two, to see how much the machine alone moves from run to run`);
  return lines;
}

/** Said under a closed-loop scenario's table when the run measured the floor elsewhere. */
export const CLOSED_LOOP_FLOOR_NOTE = '  floor: not measured in a closed loop — its latency is the service\'s own queue (connections ÷ throughput, Little\'s law), which no floor explains';
