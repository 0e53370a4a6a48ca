/**
 * The native engine (rewrite-bench-engine, Rust, harness/engine/): started pinned to the load
 * CPUs, it reads one JSON job on stdin and answers with JSON lines on stdout — `ready`, the
 * window edges as they happen (from its clock), then `done` with the outcome, or `failed`. The
 * outcome is the same LoadOutcome as the Node engines' and is validated against the results
 * schema before anyone reads it. I/O.
 */
import { execa } from 'execa';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatZodIssue } from '../../config/zod-message.js';
import { InfrastructureError } from '../../errors.js';
import { ROOT } from '../../paths.js';
import { childPrefix, ownerTag, register, signalGroup } from '../../process/registry.js';
import { LineTail } from '../../process/tail.js';
import { loadOutcomeSchema } from '../../results/schema.js';
import type { GeneratorEvents, LoadJob } from '../job.js';
import type { LoadOutcome } from '../outcome.js';

/** Where `cargo build --release` in harness/engine puts the engine (build/engine.ts builds it). */
export const ENGINE_BINARY = path.join(ROOT, 'harness/engine/target/release/rewrite-bench-engine');

type EngineLine =
  | { readonly type: 'ready'; readonly engine: { readonly name: string; readonly version: string }; readonly threads: number }
  | { readonly type: 'window'; readonly edge: 'start' | 'end' }
  | { readonly type: 'done'; readonly outcome: unknown }
  | { readonly type: 'failed'; readonly message: string };

/** The job as the engine reads it: the LoadJob without the harness's own `engine` field. */
export function nativeJobText(job: LoadJob): string {
  const { engine: _engine, ...rest } = job;
  return JSON.stringify(rest);
}

/** Checks the engine's outcome against the schema and names it `native`. @throws InfrastructureError naming the bad field */
export function readNativeOutcome(outcome: unknown): LoadOutcome {
  const named = outcome !== null && typeof outcome === 'object' ? { ...(outcome as Record<string, unknown>), engine: { name: 'native', version: ((outcome as { engine?: { version?: unknown } }).engine?.version as string) ?? 'unknown' } } : outcome;
  const parsed = loadOutcomeSchema.safeParse(named);
  if (!parsed.success) throw new InfrastructureError(`The native load engine answered an outcome the harness cannot read: ${formatZodIssue('its outcome', parsed.error.issues[0]!, named)} This is a bug of the engine: please report it.`);
  // Validated: JSON null stands for "not measured", which the harness spells undefined.
  return JSON.parse(JSON.stringify(named), (_key, value: unknown) => (value === null ? undefined : value)) as LoadOutcome;
}

/**
 * Runs one job in a fresh native engine process.
 * @param binary the engine's executable (ENGINE_BINARY, built by build/engine.ts)
 * @throws InfrastructureError when the engine fails, exits without an outcome, or rejects the job (its message names the field)
 */
export async function runNativeJob(binary: string, job: LoadJob, cpuList: string | undefined, events: GeneratorEvents): Promise<LoadOutcome> {
  const argv = [...childPrefix(), ...(cpuList === undefined ? [] : ['taskset', '-c', cpuList]), binary];
  const stderr = new LineTail(30);
  const child = execa(argv[0]!, argv.slice(1), { input: nativeJobText(job), env: { REWRITE_BENCH_OWNER: ownerTag() }, stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, detached: true, cleanup: true });
  const pid = child.pid;
  if (pid === undefined) throw new InfrastructureError(`Cannot start the native load engine ${binary}.`);
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const unregister = register({
    pid,
    label: `native load engine (pid ${pid})`,
    stop: async () => {
      signalGroup(pid, 'SIGKILL');
      await child;
    },
  });
  events.onStart(pid);
  try {
    let outcome: unknown;
    let failed: string | undefined;
    const lines = createInterface({ input: child.stdout! });
    for await (const text of lines) {
      let line: EngineLine;
      try {
        line = JSON.parse(text) as EngineLine;
      } catch {
        stderr.push(`(stdout) ${text}\n`);
        continue;
      }
      if (line.type === 'window') events.onWindow(line.edge);
      else if (line.type === 'done') outcome = line.outcome;
      else if (line.type === 'failed') failed = line.message;
    }
    const result = await child;
    if (failed !== undefined) throw new InfrastructureError(`The native load engine failed (exit ${String(result.exitCode)}): ${failed}`);
    if (outcome === undefined) {
      const how = result.signal === undefined ? `exit code ${String(result.exitCode)}` : `signal ${result.signal}`;
      throw new InfrastructureError(`The native load engine ended (${how}) without an outcome. Its last output:\n${stderr.text() || '(none)'}`);
    }
    return readNativeOutcome(outcome);
  } finally {
    unregister();
  }
}
