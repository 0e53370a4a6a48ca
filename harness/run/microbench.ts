/**
 * Runs a service's in-process micro-benchmark (its manifest's `microbenchmark`): the argv in the
 * service folder, pinned to the service's CPUs, bounded in time; its stdout's last JSON line
 * `{"metrics": {"<name>": [value per run, ...]}}` is validated and kept. I/O.
 */
import { execa } from 'execa';
import { z } from 'zod';
import type { ResolvedManifest } from '../config/manifest.js';
import { InfrastructureError } from '../errors.js';
import { childPrefix, ownerTag } from '../process/registry.js';
import type { MicrobenchmarkRecord } from '../results/document.js';

const TIMEOUT_MS = 180_000;
const outputSchema = z.object({ metrics: z.record(z.string(), z.array(z.number().refine(Number.isFinite)).min(1)) });

/** Runs the micro-benchmark of `manifest`. @throws InfrastructureError with its output when it fails or prints no valid result */
export async function runMicrobenchmark(manifest: ResolvedManifest, cpuList: string | undefined): Promise<MicrobenchmarkRecord> {
  const command = manifest.microbenchmark!.command;
  const argv = [...childPrefix(), ...(cpuList === undefined ? [] : ['taskset', '-c', cpuList]), ...command];
  const startedMs = performance.now();
  const result = await execa(argv[0]!, argv.slice(1), { cwd: manifest.dir, reject: false, timeout: TIMEOUT_MS, stdin: 'ignore', env: { REWRITE_BENCH_OWNER: ownerTag() } });
  const output = `${String(result.stdout)}\n${String(result.stderr)}`.trim().split('\n').slice(-10).join('\n');
  if (result.failed) throw new InfrastructureError(`The micro-benchmark of ${manifest.name} (\`${command.join(' ')}\` in ${manifest.dir}) failed (${result.timedOut ? `no result within ${TIMEOUT_MS / 1000} s` : `exit code ${String(result.exitCode)}`}). Last output:\n${output}`);
  const line = String(result.stdout).trim().split('\n').reverse().find((candidate) => candidate.startsWith('{'));
  let parsed: z.infer<typeof outputSchema> | undefined;
  try {
    parsed = line === undefined ? undefined : outputSchema.parse(JSON.parse(line));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) throw new InfrastructureError(`The micro-benchmark of ${manifest.name} printed no \`{"metrics": {"name": [numbers…]}}\` line. Last output:\n${output}`);
  const missing = manifest.microbenchmark!.metrics.filter((metric) => parsed.metrics[metric] === undefined);
  if (missing.length > 0) throw new InfrastructureError(`The micro-benchmark of ${manifest.name} reported no ${missing.join(', ')} (its manifest lists ${manifest.microbenchmark!.metrics.join(', ')}). Last output:\n${output}`);
  return { service: manifest.name, command, metrics: parsed.metrics, cpuList, seconds: Math.round((performance.now() - startedMs) / 100) / 10 };
}
