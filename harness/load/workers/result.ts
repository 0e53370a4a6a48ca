/**
 * What became of each load worker of one run: the data the coordinator returns and the pure
 * validity and merge read. Types only. Pure.
 */
import type { LoadOutcome } from '../outcome.js';
import type { ClockOffset } from './clock.js';

/** One worker's result. */
export interface WorkerResult {
  readonly index: number;
  /** The pod (or local process) that ran it; undefined when none ever ran. */
  readonly name: string | undefined;
  readonly node: string | undefined;
  /** `done`: an outcome; `not-ready`: never answered in time; `failed`: answered, then failed. */
  readonly state: 'done' | 'not-ready' | 'failed';
  /** Why it is not `done`, naming what it saw. */
  readonly problem: string | undefined;
  /** Its clock against the harness's (undefined when it never answered a ping). */
  readonly clock: ClockOffset | undefined;
  readonly outcome: LoadOutcome | undefined;
  /** How late its engine started the schedule after the start instant, by its own clock, in ms. */
  readonly startLatenessMs: number | undefined;
}

/** One coordinated run of W workers. */
export interface CoordinatedRun {
  /** The instant every worker was told to start its schedule (epoch ms, each on its own clock). */
  readonly startAtEpochMs: number;
  /** From the launch until the start line went out. */
  readonly readyMs: number;
  readonly workers: readonly WorkerResult[];
}
