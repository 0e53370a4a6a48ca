/**
 * Entry point of the load-generator process (started pinned to the load CPUs by generator.ts):
 * receives one LoadJob over IPC, runs it, sends the outcome back and exits. Running the load in
 * its own process keeps the harness's sampling out of its event loop and gives the generator a
 * CPU account of its own.
 */
import type { LoadJob, WorkerMessage } from './job.js';
import { runClosedLoop } from './closed.js';
import { runOpenLoop } from './pacer.js';
import { RequestMix } from './requests.js';

function post(message: WorkerMessage): void {
  process.send?.(message);
}

async function run(job: LoadJob): Promise<void> {
  const mix = new RequestMix(job.sources, job.seed, job.sequenceStart);
  post({ type: 'ready' });
  const onWindow = (edge: 'start' | 'end'): void => post({ type: 'window', edge });
  const common = { baseUrl: job.baseUrl, mix, connections: job.connections, warmupSeconds: job.warmupSeconds, durationSeconds: job.durationSeconds, timeoutMs: job.timeoutMs, verifyEvery: job.verifyEvery, onWindow };
  const outcome =
    job.model === 'open'
      ? await runOpenLoop({ ...common, ratePerSecond: job.ratePerSecond!, arrival: job.arrival ?? 'constant', seed: job.seed })
      : await runClosedLoop(common);
  post({ type: 'done', outcome });
}

process.once('message', (job: LoadJob) => {
  run(job)
    .catch((error: unknown) => post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
    .finally(() => process.disconnect?.());
});
