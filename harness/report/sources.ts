/**
 * The report's data model: one or more results documents (a CI matrix of machines, or one run),
 * each labelled by its machine and run folder so runs from different files stay distinguishable, and
 * the per-source summaries (stats/summarize.ts) grouped by scenario and load point. Pure.
 */
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { groupKey, summarize, type PointSummary } from '../stats/summarize.js';
import { serviceRuns } from '../results/floor-runs.js';
import { floorLabel } from '../stats/floor.js';
import { combineLoadHosts, type CombinedRun } from './load-hosts.js';

/** A results document and the file it was read from (as the user named it). */
export interface ReportInput {
  readonly file: string;
  readonly document: ResultsDocument;
}

/** A labelled source of runs: `hostname (run folder)`, unique within one report. */
export interface ReportSource extends ReportInput {
  readonly label: string;
  /** Position in the input list (0-based); also the order of sources everywhere. */
  readonly index: number;
}

/** A point summary of one source, with its runs and the label used in charts. */
export interface SourcePoint extends PointSummary {
  readonly source: ReportSource;
  /** The column's name: the service, or the floor's (`floor`, `floor (beside rust)` at capacity fractions). */
  readonly name: string;
  /** `name`, or `name @ source` when the report merges several sources. */
  readonly series: string;
  readonly pointRuns: readonly RunRecord[];
}

/** Every point of one scenario at one rate index, across sources. */
export interface ScenarioPoint {
  readonly scenario: string;
  readonly rateIndex: number;
  /** The same for every service: "closed loop, 32 connections", "open loop, 80 % of capacity". */
  readonly label: string;
  /** For chart facets: "50 % of capacity", "2,000 req/s", "32 connections". */
  readonly shortLabel: string;
  readonly model: 'closed' | 'open';
  /** The services' points (never the floor's). */
  readonly points: readonly SourcePoint[];
  /** The platform floor at this point: one per rate and source (results/floor-runs.ts), shown beside the services, never compared. */
  readonly floor: readonly SourcePoint[];
}

/** One scenario of the report: its description (from the first source that ran it) and points. */
export interface ScenarioGroup {
  readonly name: string;
  readonly description: string | undefined;
  /** The service the scenario names as `reference` (its legacy service), from the first source that names one. */
  readonly reference: string | undefined;
  readonly points: readonly ScenarioPoint[];
}

/** The whole report model. */
export interface ReportModel {
  readonly sources: readonly ReportSource[];
  readonly isMerged: boolean;
  readonly scenarios: readonly ScenarioGroup[];
  /** Every series label in a stable order (service, then source): the colour domain of all charts (the floor is drawn grey, outside it). */
  readonly series: readonly string[];
  /** Runs of several sources (load hosts) against one remote target whose windows overlapped. */
  readonly combined: readonly CombinedRun[];
}

/**
 * What names a results file in a label: its folder for a `results.json` (every run writes one, in
 * a folder named by its start time), else its own name.
 */
export function runName(file: string): string {
  const parts = file.split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  const name = parts.at(-1) ?? file;
  return name === 'results.json' && parts.length > 1 ? parts.at(-2)! : name;
}

/** "2026-11-27 00:06 UTC" from an ISO time; undefined when missing or unreadable. */
function startTime(iso: string | undefined): string | undefined {
  const match = iso === undefined ? null : /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match === null ? undefined : `${match[1]} ${match[2]} UTC`;
}

/**
 * Labels sources `hostname (run)`, where run is the run folder of a results.json (else the file
 * name). Labels that would still be equal get the run's start time, then its git commit, and a
 * last resort ` #2`, ` #3`, so every label is unique.
 */
export function labelSources(inputs: readonly ReportInput[]): ReportSource[] {
  const parts = inputs.map((input) => ({
    host: input.document.environment?.hostname ?? 'unknown host',
    run: runName(input.file),
    started: startTime(input.document.startedAt),
    commit: input.document.environment?.gitCommit?.slice(0, 7),
  }));
  const levels = [
    (part: (typeof parts)[number]): string => `${part.host} (${part.run})`,
    (part: (typeof parts)[number]): string => `${part.host} (${part.run}, started ${part.started ?? 'at an unknown time'})`,
    (part: (typeof parts)[number]): string => `${part.host} (${part.run}, started ${part.started ?? 'at an unknown time'}, commit ${part.commit ?? 'unknown'})`,
  ];
  const labels = parts.map((part, index) => {
    const unique = levels.find((level) => parts.every((other, otherIndex) => otherIndex === index || level(other) !== level(part)));
    return (unique ?? levels.at(-1)!)(part);
  });
  const seen = new Map<string, number>();
  return inputs.map((input, index) => {
    const base = labels[index]!;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { ...input, label: count === 1 ? base : `${base} #${count}`, index };
  });
}

/**
 * The first pair of inputs that hold the same run (same host, start time and runs): merging a
 * run with itself would count each of its runs twice. Undefined when all differ.
 */
export function findSameRun(inputs: readonly ReportInput[]): [ReportInput, ReportInput] | undefined {
  const key = (input: ReportInput): string | undefined => {
    const { startedAt, environment, runs } = input.document;
    return startedAt === undefined ? undefined : JSON.stringify([environment?.hostname, startedAt, runs.length, runs[0]?.id]);
  };
  for (const [index, input] of inputs.entries()) {
    const own = key(input);
    if (own === undefined) continue;
    const other = inputs.slice(0, index).find((candidate) => key(candidate) === own);
    if (other !== undefined) return [other, input];
  }
  return undefined;
}

/** The chart and table label of a service in a source. */
export function seriesLabel(service: string, source: ReportSource, isMerged: boolean): string {
  return isMerged ? `${service} @ ${source.label}` : service;
}

/** The point's load without the service-specific rate: [long label, short label]. */
function pointLabels(runs: readonly RunRecord[]): [string, string] {
  const first = runs[0]!;
  if (first.load.model === 'closed') return [`closed loop, ${first.load.connections} connections`, `${first.load.connections} connections`];
  const fractions = new Set(runs.map((run) => run.capacityFraction));
  if (fractions.size === 1 && first.capacityFraction !== undefined) {
    const percent = Math.round(first.capacityFraction * 100);
    return [`open loop, ${percent} % of each service's capacity`, `${percent} % of capacity`];
  }
  const rates = new Set(runs.map((run) => Math.round(run.load.offeredRps ?? 0)));
  const rate = `${Math.round(first.load.offeredRps ?? 0).toLocaleString('en-US')} req/s`;
  if (rates.size === 1) return [`open loop, ${rate}`, rate];
  return [`open loop, rate point ${first.rateIndex + 1}`, `rate point ${first.rateIndex + 1}`];
}

/** A string field of the scenario named `name`, from the first source whose scenario has one. */
function scenarioField(sources: readonly ReportSource[], name: string, field: 'description' | 'reference'): string | undefined {
  for (const source of sources) {
    for (const scenario of source.document.scenarios) {
      if (scenario !== null && typeof scenario === 'object' && (scenario as { name?: unknown }).name === name) {
        const value = (scenario as Record<string, unknown>)[field];
        if (typeof value === 'string' && value !== '') return value;
      }
    }
  }
  return undefined;
}

const bySeries = (a: SourcePoint, b: SourcePoint): number => (a.service === b.service ? a.source.index - b.source.index : a.service < b.service ? -1 : 1);

/**
 * Builds the report model: summaries per source (medians with order-statistic CIs over valid runs),
 * grouped by scenario (first-seen order) and rate index; services sorted by name, then source.
 */
export function buildModel(inputs: readonly ReportInput[]): ReportModel {
  const sources = labelSources(inputs);
  const isMerged = sources.length > 1;
  const all: SourcePoint[] = sources.flatMap((source) =>
    summarize(source.document).map((summary) => {
      const pointRuns = source.document.runs.filter((run) => groupKey(run) === summary.key);
      const name = summary.role === 'floor' ? floorLabel({ beside: summary.beside ?? [], isFraction: pointRuns[0]?.capacityFraction !== undefined }) : summary.service;
      return { ...summary, source, name, series: seriesLabel(name, source, isMerged), pointRuns };
    }),
  );
  const scenarioNames = [...new Set(all.map((point) => point.scenario))];
  const scenarios = scenarioNames.map((name) => {
    const ofScenario = all.filter((point) => point.scenario === name);
    const rateIndexes = [...new Set(ofScenario.map((point) => point.rateIndex))].sort((a, b) => a - b);
    return {
      name,
      description: scenarioField(sources, name, 'description'),
      reference: scenarioField(sources, name, 'reference'),
      points: rateIndexes.flatMap((rateIndex) => {
        const atIndex = ofScenario.filter((point) => point.rateIndex === rateIndex);
        const points = atIndex.filter((point) => point.role !== 'floor').sort(bySeries);
        const floor = atIndex.filter((point) => point.role === 'floor');
        const runs = points.flatMap((point) => point.pointRuns);
        // A point where only the floor ran (every service failed there) has nothing to show it beside.
        if (runs.length === 0) return [];
        const [label, shortLabel] = pointLabels(runs);
        return [{ scenario: name, rateIndex, label, shortLabel, model: runs[0]!.load.model, points, floor }];
      }),
    };
  });
  const services = [...new Set(sources.flatMap((source) => [...serviceRuns(source.document.runs).map((run) => run.service), ...source.document.builds.map((build) => build.service)]))].sort();
  const series = services.flatMap((service) => sources.filter((source) => serviceRuns(source.document.runs).some((run) => run.service === service) || source.document.builds.some((build) => build.service === service)).map((source) => seriesLabel(service, source, isMerged)));
  return { sources, isMerged, scenarios, series, combined: combineLoadHosts(sources.map((source) => ({ label: source.label, runs: source.document.runs }))) };
}

/** The command lines that reproduce a source's run. */
export function reproduceCommands(source: ReportSource): string[] {
  const environment = source.document.environment;
  const lines: string[] = [];
  if (environment?.gitCommit !== undefined) lines.push(`git checkout ${environment.gitCommit}`);
  lines.push('npm ci && npm run build', 'npx rewrite-bench build --timings');
  lines.push(environment?.command === undefined ? 'npx rewrite-bench run' : environment.command.replace(/^rewrite-bench\b/, 'npx rewrite-bench'));
  return lines;
}
