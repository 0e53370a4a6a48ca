/**
 * The terminal summary of a results document: per scenario and load point, the median over
 * valid runs of each service (invalid runs counted, never mixed in). Pure.
 */
import { median } from 'simple-statistics';
import { formatBytes, formatMicros, formatTable } from '../format.js';
import { describeLoad, groupRuns } from '../stats/summarize.js';
import type { ResultsDocument, RunRecord } from './results.js';

function medianOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
  return present.length === 0 ? undefined : median(present);
}

/** One table per scenario. */
export function formatRunSummary(document: ResultsDocument): string {
  const sections: string[] = [];
  const scenarios = [...new Set(document.runs.map((run) => run.scenario))];
  for (const scenario of scenarios) {
    const runs = document.runs.filter((run) => run.scenario === scenario);
    const rows = groupRuns(runs).map((group) => {
      const valid = group.filter((run) => run.validity.valid);
      const first = group[0]!;
      const pick = (get: (run: RunRecord) => number | undefined): number | undefined => medianOf(valid.map(get));
      const cores = pick((run) => run.measured.cpuCores);
      return [
        first.service,
        describeLoad(first),
        `${valid.length}/${group.length}`,
        formatMicros(pick((run) => run.load.latencyUs?.p50Us)),
        formatMicros(pick((run) => run.load.latencyUs?.p99Us)),
        formatMicros(pick((run) => run.load.latencyUs?.p999Us)),
        pick((run) => run.load.achievedRps)?.toFixed(0) ?? '–',
        cores === undefined ? '–' : cores.toFixed(2),
        formatMicros(pick((run) => run.measured.cpuUsPerRequest)),
        formatBytes(pick((run) => run.measured.peakPssBytes)),
        formatBytes(pick((run) => run.measured.peakRssBytes)),
      ];
    });
    const table = formatTable(['service', 'load', 'valid', 'p50', 'p99', 'p99.9', 'req/s', 'cores', 'CPU/req', 'peak PSS', 'peak RSS'], rows);
    const invalid = runs.filter((run) => !run.validity.valid).map((run) => `  invalid ${run.id}: ${run.validity.reasons.join('; ')}`);
    sections.push([`## ${scenario} (medians of valid runs)`, table, ...invalid].join('\n'));
  }
  const failures = document.failures.map((failure) => `  ${[failure.scenario, failure.service].filter(Boolean).join(' / ')}: ${failure.message.split('\n')[0]}`);
  if (failures.length > 0) sections.push(['## failures', ...failures].join('\n'));
  return sections.join('\n\n');
}
