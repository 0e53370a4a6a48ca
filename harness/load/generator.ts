/**
 * Starts the load-generator process pinned to the load CPUs, hands it a job and collects the
 * outcome, reporting the edges of the measured window as they happen. I/O.
 */
import { execa } from 'execa';
import path from 'node:path';
import { InfrastructureError } from '../errors.js';
import { ROOT } from '../paths.js';
import { childPrefix, ownerTag, register, signalGroup } from '../process/registry.js';
import { LineTail } from '../process/tail.js';
import type { LoadJob, WorkerMessage } from './job.js';
import type { LoadOutcome } from './outcome.js';

// Always the compiled worker (`npm run build`), also when the harness runs from source in tests.
const WORKER = path.join(ROOT, 'dist/harness/load/worker.js');

/** Callbacks of a running load generator. */
export interface GeneratorEvents {
  /** The generator process started (its pid, to sample its CPU). */
  readonly onStart: (pid: number) => void;
  readonly onWindow: (edge: 'start' | 'end') => void;
}

/** Runs one job in a fresh generator process; rejects with the generator's error output if it fails. */
export async function runLoadJob(job: LoadJob, cpuList: string | undefined, events: GeneratorEvents): Promise<LoadOutcome> {
  const argv = [...childPrefix(), ...(cpuList === undefined ? [] : ['taskset', '-c', cpuList]), process.execPath, WORKER];
  const tail = new LineTail(30);
  const child = execa(argv[0]!, argv.slice(1), { ipc: true, serialization: 'json', env: { REWRITE_BENCH_OWNER: ownerTag() }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, detached: true, cleanup: true });
  const pid = child.pid;
  if (pid === undefined) throw new InfrastructureError('Cannot start the load generator process.');
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  const unregister = register({
    pid,
    label: `load generator (pid ${pid})`,
    stop: async () => {
      signalGroup(pid, 'SIGKILL');
      await child;
    },
  });
  events.onStart(pid);
  try {
    const outcome = await new Promise<LoadOutcome>((resolve, reject) => {
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'window') events.onWindow(message.edge);
        else if (message.type === 'done') resolve(message.outcome);
        else if (message.type === 'failed') reject(new InfrastructureError(`Load generator failed: ${message.message}`));
      });
      void child.then((result) => reject(new InfrastructureError(`Load generator exited (code ${String(result.exitCode)}) without a result. Output:\n${tail.text()}`)));
      child.send(job);
    });
    await child;
    return outcome;
  } finally {
    unregister();
  }
}
