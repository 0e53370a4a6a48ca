/**
 * What a load run returns from the load-generator process (plain data, sent over IPC). Pure.
 */
import type { LatencySummary, SecondSummary } from './recorder.js';

/** Counts of one measured window. */
export interface LoadCounts {
  /** Responses to requests of the window (any status). */
  readonly responses: number;
  /** Responses with the expected status (2xx as the scenario expects). */
  readonly expectedStatus: number;
  readonly non2xx: number;
  /** 2xx but not the status the request expects (e.g. 200 where 201 was expected). */
  readonly unexpectedStatus: number;
  /** Connection errors and resets. */
  readonly errors: number;
  readonly timeouts: number;
  /** Sampled bodies that differed from the reference. */
  readonly mismatches: number;
  /** Sampled bodies compared. */
  readonly verified: number;
  /** Open loop: planned sends dropped because too many were outstanding. */
  readonly dropped: number;
  readonly statusCounts: Readonly<Record<string, number>>;
}

/** Requests that did not get the expected answer: every kind of failure the validity rules count. */
export function countFailures(counts: LoadCounts): number {
  return counts.errors + counts.timeouts + counts.non2xx + counts.unexpectedStatus + counts.mismatches + counts.dropped;
}

/** Which load engine made a run (recorded with every run). */
export interface EngineInfo {
  /** `native` (rewrite-bench-engine, Rust), `pacer` (Node, undici) or `autocannon` (Node). */
  readonly name: 'native' | 'pacer' | 'autocannon';
  readonly version: string;
}

/** The result of one run of the load generator. */
export interface LoadOutcome {
  /** How the load was made, shown next to every latency figure. */
  readonly method: string;
  readonly engine: EngineInfo;
  /** Worker threads of the engine (1 for the Node engines). */
  readonly threads: number;
  readonly model: 'closed' | 'open';
  readonly connections: number;
  readonly offeredRps: number | undefined;
  /** Open loop: sends planned in the measured window (responses + failures + dropped = planned). */
  readonly plannedInWindow: number | undefined;
  /** Measured window length. */
  readonly windowSeconds: number;
  readonly counts: LoadCounts;
  /** Expected-status responses completed inside the window ÷ window (open loop: whenever planned). */
  readonly achievedRps: number;
  /** Latency of every response of the window: from the planned send (open loop) or from the send (closed loop). */
  readonly latencyUs: LatencySummary | undefined;
  readonly latencyHistogram: string | undefined;
  /** Open loop only: from the actual send, which hides queueing (for comparison). */
  readonly uncorrectedLatencyUs: LatencySummary | undefined;
  readonly perSecond: readonly SecondSummary[];
  /** Open loop: how late the engine sent, p90 and p99 (timer, event-loop and platform lateness), of sends that found a free connection. */
  readonly sendLagP90Us: number | undefined;
  readonly sendLagP99Us: number | undefined;
  /**
   * Open loop: window sends that found every connection busy and waited for one (the engine ran
   * out of connections: rate × latency > connections, Little's law), and how long, p99.
   */
  readonly connectionWaits: number | undefined;
  readonly connectionWaitP99Us: number | undefined;
  /** The Node engines' event-loop delay p99 during the window (undefined for the native engine). */
  readonly eventLoopDelayP99Us: number | undefined;
  readonly firstError: string | undefined;
  /** Native engine: the `IP:port`s the load went to (the base URL's host resolved once, connections spread over them). */
  readonly addresses?: readonly string[];
  /** Native engine, a split job: which worker this outcome is (its offeredRps and connections are its share). */
  readonly worker?: { readonly index: number; readonly count: number } | undefined;
  /** Native engine with `startAtEpochMs`: how late this worker's schedule started after that instant (µs). */
  readonly startLatenessUs?: number | undefined;
}
