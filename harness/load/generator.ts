/**
 * Runs a load job on the engine it names, in a fresh process pinned to the load CPUs, reporting
 * the window edges as they happen. The one entry point above load/: callers never need to know
 * which engine ran, except to record the name the outcome carries. I/O.
 */
import type { GeneratorEvents, LoadJob } from './job.js';
import type { LoadOutcome } from './outcome.js';
import { ENGINE_BINARY, runNativeJob } from './engines/native.js';
import { runNodeJob } from './engines/node.js';

export type { GeneratorEvents } from './job.js';

/** Runs one job; rejects with the engine's error output if it fails. */
export function runLoadJob(job: LoadJob, cpuList: string | undefined, events: GeneratorEvents): Promise<LoadOutcome> {
  return job.engine === 'native' ? runNativeJob(ENGINE_BINARY, job, cpuList, events) : runNodeJob(job, cpuList, events);
}
