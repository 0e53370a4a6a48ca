/**
 * What the results say about a run's validity: the findings (reasons a run is invalid, warnings
 * that do not invalidate it), which side was the bottleneck, and the one-line form of a finding.
 * Data shapes and formatting only; the rules that produce them are run/validity.ts. Pure.
 */

/** What kind of problem a finding is; stable names (tests retry `machine-busy` runs once). */
export type FindingCode =
  | 'service-died'
  | 'failures'
  | 'no-success'
  | 'saturated'
  | 'connections-exhausted'
  | 'connection-waits'
  | 'engine-late'
  | 'engine-bound'
  | 'machine-busy'
  | 'send-lag-share'
  | 'loop-delay'
  | 'steal'
  | 'thin-tail'
  | 'metrics-missing'
  | 'remote-metrics'
  // One load worker of several (load/workers/validity.ts), or one of several separately started load hosts (report/load-hosts.ts).
  | 'worker-not-ready'
  | 'worker-failed'
  | 'worker-late-start'
  | 'worker-skew'
  | 'worker-behind'
  | 'worker-share'
  | 'worker-connections'
  | 'binds-all-interfaces';

/** A run metric a warning concerns (table cells show a mark beside it). */
export type Concern = 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'rps' | 'cpuCores' | 'cpuUsPerRequest';

/** One reason or warning: what was seen (with its figure) and what to do about it. */
export interface Finding {
  readonly code: FindingCode;
  readonly text: string;
  readonly next: string;
  /** Numbers of the run this finding undermines. */
  readonly concerns: readonly Concern[];
}

/** Which side limited the run. */
export type Bottleneck = 'service' | 'load-engine' | 'engine-connections' | 'neither';

export interface Validity {
  readonly valid: boolean;
  /** Why the run is invalid (empty when valid). */
  readonly reasons: readonly Finding[];
  /** Caveats that do not invalidate the run. */
  readonly warnings: readonly Finding[];
  /**
   * Closed loop: `service` when the service used its CPUs, `load-engine` when the load side did
   * and the service did not, `neither` when both had CPU to spare (latency-bound: upstream waits,
   * few connections). Open loop: `neither` when the offered rate was sustained, `service` when it
   * was not, `engine-connections` when sends waited for a connection.
   */
  readonly bottleneck: Bottleneck;
  /** A load-engine-bound closed loop: the throughput reached, a true lower bound of the service's. */
  readonly lowerBoundRps: number | undefined;
}

/** The reasons and warnings of a run as one line each: "text (next step)". */
export function describeFinding(finding: Finding): string {
  return `${finding.text}; ${finding.next}`;
}

/**
 * Whether a run may decide a verdict (claims, the gate, capacity): it is valid, and no other
 * tenant of the machine moved its figures (a `machine-busy` warning: other processes used over
 * 10 % of the service's or the load CPUs in its window). The policy in one place: a busy run is
 * valid — what it measured happened, and the tables show it with the warning beside its numbers
 * — but it never decides a verdict, and every summary says how many were left out
 * (`describeLeftOut`). An invalid run has `machine-busy` among its reasons instead.
 */
export function countsForVerdicts(validity: Validity): boolean {
  return validity.valid && !validity.warnings.some((warning) => warning.code === 'machine-busy');
}

/** The valid runs that countsForVerdicts leaves out: the machine was busy in their windows. */
export function leftOutBusy<Run extends { readonly validity: Validity }>(runs: readonly Run[]): Run[] {
  return runs.filter((run) => run.validity.valid && !countsForVerdicts(run.validity));
}

/**
 * What the summaries say about busy runs: "2 runs left out of the claims and the gate: the
 * machine was busy (…)"; undefined when none was.
 */
export function describeLeftOut(runs: readonly { readonly validity: Validity }[]): string | undefined {
  const count = leftOutBusy(runs).length;
  if (count === 0) return undefined;
  return `${count} valid run${count === 1 ? '' : 's'} left out of the claims and the gate: the machine was busy (other processes used over 10 % of the service's or the load CPUs); run on a quieter machine`;
}
