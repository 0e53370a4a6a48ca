/**
 * The Node engines (the undici pacer for open loop, autocannon for closed loop): a Node worker
 * process pinned to the load CPUs gets the job over IPC and answers with the window edges and the
 * outcome. I/O.
 */
import { execa } from 'execa';
import path from 'node:path';
import { InfrastructureError } from '../../errors.js';
import { ROOT } from '../../paths.js';
import { childPrefix, ownerTag, register, signalGroup } from '../../process/registry.js';
import { LineTail } from '../../process/tail.js';
import type { GeneratorEvents, LoadJob, WorkerMessage } from '../job.js';
import type { LoadOutcome } from '../outcome.js';

// Always the compiled worker (`npm run build`), also when the harness runs from source in tests.
const WORKER = path.join(ROOT, 'dist/harness/load/worker.js');

/** Runs one job in a fresh Node worker process; rejects with its error output if it fails. */
export async function runNodeJob(job: LoadJob, cpuList: string | undefined, events: GeneratorEvents): Promise<LoadOutcome> {
  const argv = [...childPrefix(), ...(cpuList === undefined ? [] : ['taskset', '-c', cpuList]), process.execPath, WORKER];
  const tail = new LineTail(30);
  const child = execa(argv[0]!, argv.slice(1), { ipc: true, serialization: 'json', env: { REWRITE_BENCH_OWNER: ownerTag() }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, detached: true, cleanup: true });
  const pid = child.pid;
  if (pid === undefined) throw new InfrastructureError('Cannot start the load generator process.');
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  const unregister = register({
    pid,
    label: `Node load engine (pid ${pid})`,
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
        else if (message.type === 'failed') reject(new InfrastructureError(`The Node load engine failed: ${message.message}`));
      });
      void child.then((result) => reject(new InfrastructureError(`The Node load engine exited (code ${String(result.exitCode)}) without a result. Output:\n${tail.text()}`)));
      child.send(job);
    });
    await child;
    return outcome;
  } finally {
    unregister();
  }
}
