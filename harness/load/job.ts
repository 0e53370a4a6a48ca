/**
 * The job the harness sends to the load-generator process, and the messages it answers with.
 * Plain data (crosses IPC). Pure.
 */
import type { LoadOutcome } from './outcome.js';
import type { PreparedSource } from './requests.js';

export interface LoadJob {
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
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'window'; readonly edge: 'start' | 'end' }
  | { readonly type: 'done'; readonly outcome: LoadOutcome }
  | { readonly type: 'failed'; readonly message: string };
