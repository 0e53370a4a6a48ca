/**
 * The terminal summary of a results document: per scenario and load point, the median over
 * valid runs of each service (invalid runs counted, never mixed in). A value that a warning of
 * its runs concerns carries that warning's number (`⚠1`); invalid runs are listed with their
 * reasons, the figure that triggered each and what to do; valid runs left out of the verdicts
 * because the machine was busy are counted; a closed loop the load engine saturated first shows
 * its throughput as a lower bound (`≥ 128,000`). The platform floor's rows follow the services',
 * a service's p50, p99 or p99.9 at the floor is marked `≈floor` (summary-floor.ts), and the
 * machine's resolution at each floor rate is said under the table. Pure.
 */
import { median } from 'simple-statistics';
import { formatBytes, formatMicros, formatTable } from '../format.js';
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { describeLoad, groupRuns } from '../stats/summarize.js';
import { describeFinding, describeLeftOut, type Concern } from '../results/validity.js';
import { saturatedPoints } from './saturation.js';
import { floorRuns, serviceRuns } from '../results/floor-runs.js';
import { AT_FLOOR_MARK, CLOSED_LOOP_FLOOR_NOTE, atFloor, atFloorLine, floorRows, resolutionLines, type AtFloor } from './summary-floor.js';

function medianOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
  return present.length === 0 ? undefined : median(present);
}

/** One line per remote target of the runs: where it ran and where its CPU and memory figures come from. */
export function whereMeasured(runs: readonly RunRecord[]): string[] {
  const lines: string[] = [];
  for (const service of [...new Set(runs.map((run) => run.service))]) {
    const first = runs.find((run) => run.service === service && run.measured.targetUrl !== undefined);
    if (first === undefined) continue;
    const prometheus = runs.find((run) => run.service === service && run.measured.prometheus !== undefined)?.measured.prometheus;
    const figures =
      prometheus === undefined
        ? 'CPU and memory not measured (no `target.metrics`, or Prometheus failed)'
        : `CPU and ${prometheus.memoryKind === 'working-set' ? 'working-set memory' : prometheus.memoryKind.toUpperCase()} from Prometheus at ${prometheus.prometheusUrl} (${prometheus.source}; scrapes every ${prometheus.scrapeIntervalSeconds} s, step ${prometheus.stepSeconds} s) over each window`;
    lines.push(`  ${service}: remote target ${first.measured.targetUrl}, not started by the harness; latency includes the network from this host; ${figures}`);
  }
  return lines;
}

/** One table per scenario, with its warnings and invalid runs under it. */
export function formatRunSummary(document: Pick<ResultsDocument, 'runs' | 'failures'>): string {
  const sections: string[] = [];
  const scenarios = [...new Set(document.runs.map((run) => run.scenario))];
  const measuredFloor = floorRuns(document.runs).length > 0;
  for (const scenario of scenarios) {
    const scenarioRuns = document.runs.filter((run) => run.scenario === scenario);
    const runs = serviceRuns(scenarioRuns);
    const warnings: string[] = [];
    const marked: AtFloor[] = [];
    const rows = groupRuns(runs).map((group) => {
      const valid = group.filter((run) => run.validity.valid);
      const first = group[0]!;
      // A warning about the service's conduct (it concerns no number: a bind to every interface) holds whatever the run's validity.
      const warned = group.flatMap((run) => run.validity.warnings.filter((warning) => run.validity.valid || warning.concerns.length === 0));
      const own = warned.map((warning) => ({ text: `${first.service}: ${describeFinding(warning)}`, concerns: warning.concerns }));
      for (const warning of own) if (!warnings.includes(warning.text)) warnings.push(warning.text);
      const mark = (concern: Concern, text: string): string => {
        const numbers = [...new Set(own.filter((warning) => warning.concerns.includes(concern)).map((warning) => warnings.indexOf(warning.text) + 1))];
        return numbers.length === 0 || text === '–' ? text : `${text} ⚠${numbers.join(',')}`;
      };
      const pick = (get: (run: RunRecord) => number | undefined): number | undefined => medianOf(valid.map(get));
      const latency = (metric: 'p50' | 'p99' | 'p999', get: (run: RunRecord) => number | undefined): string => {
        const found = atFloor(scenarioRuns, valid, metric);
        if (found !== undefined) marked.push(found);
        const text = mark(metric, formatMicros(pick(get)));
        return found === undefined ? text : `${text} ${AT_FLOOR_MARK}`;
      };
      const cores = pick((run) => run.measured.cpuCores);
      const bound = valid.length === 0 ? medianOf(group.map((run) => run.validity.lowerBoundRps)) : undefined;
      const rps = pick((run) => run.load.achievedRps);
      return [
        first.service,
        describeLoad(first),
        `${valid.length}/${group.length}`,
        latency('p50', (run) => run.load.latencyUs?.p50Us),
        latency('p99', (run) => run.load.latencyUs?.p99Us),
        latency('p999', (run) => run.load.latencyUs?.p999Us),
        bound !== undefined ? `≥ ${Math.round(bound).toLocaleString('en-US')} (engine-bound)` : mark('rps', rps === undefined ? '–' : Math.round(rps).toLocaleString('en-US')),
        mark('cpuCores', cores === undefined ? '–' : cores.toFixed(2)),
        mark('cpuUsPerRequest', formatMicros(pick((run) => run.measured.cpuUsPerRequest))),
        formatBytes(pick((run) => run.measured.peakPssBytes)),
        formatBytes(pick((run) => run.measured.peakRssBytes)),
      ];
    });
    const header = ['service', 'load', 'valid', 'p50', 'p99', 'p99.9', 'req/s', 'cores', 'CPU/req', 'peak PSS', 'peak RSS'];
    const table = formatTable(header, [...rows, ...floorRows(scenarioRuns, header.length)]);
    const floorLines = [atFloorLine(marked), ...resolutionLines(scenarioRuns)].filter((line): line is string => line !== undefined);
    const closedNote = measuredFloor && runs.every((run) => run.load.model === 'closed') ? [CLOSED_LOOP_FLOOR_NOTE] : [];
    const listed = warnings.map((warning, index) => `  ⚠${index + 1} ${warning}`);
    const where = whereMeasured(runs);
    const invalid = scenarioRuns.filter((run) => !run.validity.valid).map((run) => `  invalid ${run.id}: ${run.validity.reasons.map(describeFinding).join(' · ')}`);
    const busy = describeLeftOut(runs);
    const saturated = saturatedPoints(runs, scenario).map((found) => `  saturated: ${found.text}`);
    sections.push([`## ${scenario} (medians of valid runs)`, table, ...floorLines, ...closedNote, ...where, ...listed, ...invalid, ...saturated, ...(busy === undefined ? [] : [`  ${busy}`])].join('\n'));
  }
  // The whole message: a difference from the reference names the request and both answers on its later lines.
  const failures = document.failures.map((failure) => `  ${[failure.scenario, failure.service].filter(Boolean).join(' / ')}: ${failure.message.split('\n').join('\n    ')}`);
  if (failures.length > 0) sections.push(['## failures', ...failures].join('\n'));
  return sections.join('\n\n');
}
