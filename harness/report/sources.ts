/**
 * The report's data model: one or more results documents (a CI matrix of machines, or one run),
 * each labelled by its machine and file so runs from different files stay distinguishable, and
 * the per-source summaries (stats/summarize.ts) grouped by scenario and load point. Pure.
 */
import type { ResultsDocument, RunRecord } from '../results/document.js';
import { summarize, type PointSummary } from '../stats/summarize.js';

/** A results document and the file it was read from (as the user named it). */
export interface ReportInput {
  readonly file: string;
  readonly document: ResultsDocument;
}

/** A labelled source of runs: `hostname (file)`, unique within one report. */
export interface ReportSource extends ReportInput {
  readonly label: string;
  /** Position in the input list (0-based); also the order of sources everywhere. */
  readonly index: number;
}

/** A point summary of one source, with its runs and the label used in charts. */
export interface SourcePoint extends PointSummary {
  readonly source: ReportSource;
  /** `service`, or `service @ source` when the report merges several sources. */
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
  readonly points: readonly SourcePoint[];
}

/** One scenario of the report: its description (from the first source that ran it) and points. */
export interface ScenarioGroup {
  readonly name: string;
  readonly description: string | undefined;
  readonly points: readonly ScenarioPoint[];
}

/** The whole report model. */
export interface ReportModel {
  readonly sources: readonly ReportSource[];
  readonly isMerged: boolean;
  readonly scenarios: readonly ScenarioGroup[];
  /** Every series label in a stable order (service, then source): the colour domain of all charts. */
  readonly series: readonly string[];
}

/** The base name of a path, for labels (pure: no node:path). */
export function baseName(file: string): string {
  const parts = file.split(/[\\/]/).filter((part) => part !== '');
  return parts.at(-1) ?? file;
}

/** Labels sources `hostname (file)`; duplicates (same machine, same file name) get ` #2`, ` #3`. */
export function labelSources(inputs: readonly ReportInput[]): ReportSource[] {
  const seen = new Map<string, number>();
  return inputs.map((input, index) => {
    const base = `${input.document.environment?.hostname ?? 'unknown host'} (${baseName(input.file)})`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { ...input, label: count === 1 ? base : `${base} #${count}`, index };
  });
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

function scenarioDescription(sources: readonly ReportSource[], name: string): string | undefined {
  for (const source of sources) {
    for (const scenario of source.document.scenarios) {
      if (scenario !== null && typeof scenario === 'object' && (scenario as { name?: unknown }).name === name) {
        const description = (scenario as { description?: unknown }).description;
        if (typeof description === 'string') return description;
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
    summarize(source.document).map((summary) => ({
      ...summary,
      source,
      series: seriesLabel(summary.service, source, isMerged),
      pointRuns: source.document.runs.filter((run) => run.scenario === summary.scenario && run.service === summary.service && run.rateIndex === summary.rateIndex),
    })),
  );
  const scenarioNames = [...new Set(all.map((point) => point.scenario))];
  const scenarios = scenarioNames.map((name) => {
    const ofScenario = all.filter((point) => point.scenario === name);
    const rateIndexes = [...new Set(ofScenario.map((point) => point.rateIndex))].sort((a, b) => a - b);
    return {
      name,
      description: scenarioDescription(sources, name),
      points: rateIndexes.map((rateIndex) => {
        const points = ofScenario.filter((point) => point.rateIndex === rateIndex).sort(bySeries);
        const runs = points.flatMap((point) => point.pointRuns);
        const [label, shortLabel] = pointLabels(runs);
        return { scenario: name, rateIndex, label, shortLabel, model: runs[0]!.load.model, points };
      }),
    };
  });
  const services = [...new Set(sources.flatMap((source) => [...source.document.runs.map((run) => run.service), ...source.document.builds.map((build) => build.service)]))].sort();
  const series = services.flatMap((service) => sources.filter((source) => source.document.runs.some((run) => run.service === service) || source.document.builds.some((build) => build.service === service)).map((source) => seriesLabel(service, source, isMerged)));
  return { sources, isMerged, scenarios, series };
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
