/**
 * The metric names that claims, budgets and the gate refer to, and how each is read from a run
 * or a build. Units are in the names' documentation and in the report. Pure.
 */
import type { BuildRecord } from '../results/document.js';
import { countFailures } from '../load/outcome.js';
import type { RunRecord } from '../results/document.js';

export interface RunMetric {
  readonly unit: 'µs' | 'ms' | 'req/s' | 'cores' | 'bytes' | 'count';
  readonly lowerIsBetter: boolean;
  readonly describe: string;
  readonly read: (run: RunRecord) => number | undefined;
}

const failures = (run: RunRecord): number => countFailures(run.load.counts);

/** Per-run metrics: one value per valid run; claims compare medians of them with order-statistic CIs. */
export const RUN_METRICS: Readonly<Record<string, RunMetric>> = {
  p50: { unit: 'µs', lowerIsBetter: true, describe: 'median latency of the run', read: (run) => run.load.latencyUs?.p50Us },
  p90: { unit: 'µs', lowerIsBetter: true, describe: '90th percentile latency', read: (run) => run.load.latencyUs?.p90Us },
  p99: { unit: 'µs', lowerIsBetter: true, describe: '99th percentile latency', read: (run) => run.load.latencyUs?.p99Us },
  p999: { unit: 'µs', lowerIsBetter: true, describe: '99.9th percentile latency', read: (run) => run.load.latencyUs?.p999Us },
  max: { unit: 'µs', lowerIsBetter: true, describe: 'slowest response of the window', read: (run) => run.load.latencyUs?.maxUs },
  mean: { unit: 'µs', lowerIsBetter: true, describe: 'mean latency', read: (run) => run.load.latencyUs?.meanUs },
  rps: { unit: 'req/s', lowerIsBetter: false, describe: 'achieved throughput: responses with the expected status ÷ window', read: (run) => run.load.achievedRps },
  cpuCores: { unit: 'cores', lowerIsBetter: true, describe: "CPU cores of the service's process tree over the window", read: (run) => run.measured.cpuCores },
  cpuUsPerRequest: { unit: 'µs', lowerIsBetter: true, describe: 'CPU time of the tree per completed request', read: (run) => run.measured.cpuUsPerRequest },
  peakRssBytes: { unit: 'bytes', lowerIsBetter: true, describe: 'peak Σ RSS of the tree during the window', read: (run) => run.measured.peakRssBytes },
  peakPssBytes: { unit: 'bytes', lowerIsBetter: true, describe: 'peak Σ PSS of the tree during the window', read: (run) => run.measured.peakPssBytes },
  idleRssBytes: { unit: 'bytes', lowerIsBetter: true, describe: 'Σ RSS after start, before load', read: (run) => run.measured.idleRssBytes },
  idlePssBytes: { unit: 'bytes', lowerIsBetter: true, describe: 'Σ PSS after start, before load', read: (run) => run.measured.idlePssBytes },
  startupMs: { unit: 'ms', lowerIsBetter: true, describe: 'spawn to the first 200 on the ready path', read: (run) => run.measured.startupMs },
  errors: { unit: 'count', lowerIsBetter: true, describe: 'errors + timeouts + unexpected statuses + body mismatches + dropped sends', read: failures },
};

export interface BuildMetric {
  readonly unit: 's' | 'bytes' | 'lines';
  readonly describe: string;
  readonly read: (build: BuildRecord) => number | undefined;
}

/** Per-service build metrics: one measurement each (no interval). */
export const BUILD_METRICS: Readonly<Record<string, BuildMetric>> = {
  cleanBuildSeconds: { unit: 's', describe: 'last step (the compile) of the most recent clean build', read: (build) => build.lastClean?.lastStepSeconds },
  incrementalBuildSeconds: { unit: 's', describe: 'last step of the most recent incremental build (after a one-line edit of one source file)', read: (build) => build.lastIncremental?.lastStepSeconds },
  artifactBytes: { unit: 'bytes', describe: 'binary, or virtual environment, size', read: (build) => build.artifactBytes },
  linesOfCode: { unit: 'lines', describe: 'non-blank, non-comment lines of the service’s own source', read: (build) => build.linesOfCode.total },
};

/** Whether `name` is a known metric, and which kind. */
/**
 * Whether `name` is a known metric, and which kind: a run metric, a build metric, or one a
 * service's micro-benchmark reports (its manifest's `microbenchmark.metrics`).
 */
export function metricKind(name: string, microMetrics: ReadonlySet<string> = new Set()): 'run' | 'build' | 'micro' | undefined {
  if (Object.hasOwn(RUN_METRICS, name)) return 'run';
  if (Object.hasOwn(BUILD_METRICS, name)) return 'build';
  if (microMetrics.has(name)) return 'micro';
  return undefined;
}
