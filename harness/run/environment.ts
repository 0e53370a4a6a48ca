/**
 * The environment a run was measured in: CPU model, cores, kernel, cgroup mode, toolchain
 * versions, git commit, CPU sets, the exact command. I/O (files, short commands).
 */
import { execa } from 'execa';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { parseCpuList } from '../process/proc-parse.js';
import type { Environment } from '../results/document.js';


async function firstLine(file: string, argv: readonly string[]): Promise<string> {
  const result = await execa(file, argv, { reject: false, timeout: 10_000, stdin: 'ignore' });
  const text = `${result.stdout}\n${result.stderr}`.trim();
  return result.failed && text === '' ? 'not found' : (text.split('\n')[0] ?? 'not found');
}

let allowedAtStart: Promise<number[]> | undefined;

/**
 * The CPUs this process was allowed to use when it started. Read once: a run pins the harness to
 * the load CPUs, and a later run in the same process (gate batches, benchmarks) must still plan
 * with the machine's CPUs, not with the pinned set.
 */
export function allowedCpus(): Promise<number[]> {
  allowedAtStart ??= readFile('/proc/self/status', 'utf8')
    .catch(() => '')
    .then((status) => {
      const match = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status);
      return match === null ? Array.from({ length: os.availableParallelism() }, (_, cpu) => cpu) : parseCpuList(match[1]!);
    });
  return allowedAtStart;
}

let interruptsAtStart: Promise<string | undefined> | undefined;

/**
 * The text of /proc/interrupts (undefined when it cannot be read), read once per harness process
 * like allowedCpus: every run and gate stage of one process plans the same CPUs.
 */
export function interruptsText(): Promise<string | undefined> {
  interruptsAtStart ??= readFile('/proc/interrupts', 'utf8').catch(() => undefined);
  return interruptsAtStart;
}

/** Reads the environment once at the start of a run. */
export async function readEnvironment(projectRoot: string): Promise<Environment> {
  const cgroup = await stat('/sys/fs/cgroup/cgroup.controllers').then(
    () => 'v2' as const,
    () => stat('/sys/fs/cgroup/cpu').then(
      () => 'v1' as const,
      () => 'unknown' as const,
    ),
  );
  const [python, go, rustc, cargo, clockTicks, pageSize, commit, dirty] = await Promise.all([
    firstLine('python3', ['--version']),
    firstLine('go', ['version']),
    firstLine('rustc', ['--version']),
    firstLine('cargo', ['--version']),
    firstLine('getconf', ['CLK_TCK']),
    firstLine('getconf', ['PAGESIZE']),
    execa('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, reject: false }),
    execa('git', ['status', '--porcelain'], { cwd: projectRoot, reject: false }),
  ]);
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    logicalCpus: cpus.length,
    allowedCpus: (await allowedCpus()).join(','),
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    cgroup,
    versions: { node: process.version, python, go, rustc, cargo },
    gitCommit: commit.failed ? undefined : commit.stdout.trim(),
    gitDirty: dirty.failed ? undefined : dirty.stdout.trim() !== '',
    command: ['rewrite-bench', ...process.argv.slice(2)].join(' '),
    clockTicksPerSecond: Number(clockTicks) || 100,
    pageBytes: Number(pageSize) || 4096,
  };
}
