/**
 * The job the harness sends to the load-generator process, and the messages it answers with.
 * Plain data (crosses IPC). Pure.
 */
import type { LoadOutcome } from './outcome.js';
import type { PreparedSource } from './requests.js';

/** A load engine by name: `native` (Rust, harness/engine), `pacer` (Node open loop), `autocannon` (Node closed loop). */
export type EngineName = 'native' | 'pacer' | 'autocannon';

/** TLS options of an `https://` job (the native engine's `tls`). */
export interface LoadTls {
  /** PEM certificates of CAs to trust beside the system's bundle (a private CA, a self-signed server). */
  readonly caPem?: string;
}

export interface LoadJob {
  /** Which engine runs the job (load/engines/select.ts picks it; the native engine gets the job without this field). */
  readonly engine: EngineName;
  /** Worker threads of the native engine (the Node engines use one). */
  readonly threads: number;
  readonly baseUrl: string;
  /** The request mix, prepared by the harness (prepareSources). */
  readonly sources: readonly PreparedSource[];
  readonly seed: number;
  readonly model: 'closed' | 'open';
  readonly connections: number;
  /** Open loop only. */
  readonly ratePerSecond?: number;
  readonly arrival?: 'constant' | 'poisson';
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly verifyEvery: number;
  /** `https://` targets only: extra trust for the native engine. */
  readonly tls?: LoadTls;
  /**
   * Native engine: this process is worker `index` of `count` splitting the job exactly — thread t
   * of T in worker w takes the global sends (w·T + t + k·W·T) / rate (Poisson: its own stream at
   * rate / (W·T)); connections and `{{seq}}` numbers split the same way. Needs connections ≥ threads × count.
   */
  readonly worker?: { readonly index: number; readonly count: number };
  /** Native engine: the wall-clock instant (ms since the epoch) every worker starts its schedule; absent, 50 ms after the job is read. */
  readonly startAtEpochMs?: number;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'window'; readonly edge: 'start' | 'end' }
  | { readonly type: 'done'; readonly outcome: LoadOutcome }
  | { readonly type: 'failed'; readonly message: string };

/** Callbacks of a running load engine. */
export interface GeneratorEvents {
  /** The engine process started (its pid, to sample its CPU). */
  readonly onStart: (pid: number) => void;
  readonly onWindow: (edge: 'start' | 'end') => void;
}
