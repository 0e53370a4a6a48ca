/**
 * Starts a service from its manifest on 127.0.0.1 with HOST/PORT/WORKERS, pinned with taskset,
 * waits for its ready path, and stops its whole process group. I/O.
 */
import { execa } from 'execa';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { substituteArgv, substituteEnv } from '../config/fixture-env.js';
import type { ResolvedManifest } from '../config/manifest.js';
import { inheritedEnv } from '../config/service-env.js';
import { ConfigError, InfrastructureError } from '../errors.js';
import { findFreePort } from './ports.js';
import { childPrefix, ownerTag, register, signalGroup } from './registry.js';
import { findListenerOwner } from './socket-owner.js';
import type { ListeningSocket } from './net-parse.js';
import { LineTail } from './tail.js';
import { findExecutable, installHint } from './toolchain.js';

/** How to start one service. */
export interface ServiceLaunch {
  readonly manifest: ResolvedManifest;
  /** WORKERS given to the service. */
  readonly workers: number;
  /** taskset CPU list for the service's process tree, e.g. "0"; undefined: not pinned. */
  readonly cpuList?: string | undefined;
  /** The scenario's `service.env` (may use `${NAME}`); wins over the manifest's env. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * What the fixtures fill (DB_PATH, DATABASE_URL, UPSTREAM_URL, or the names a scenario chose):
   * set as they are, and usable as `${NAME}` in the manifest's `env` and `start` and in `env`.
   */
  readonly provided?: Readonly<Record<string, string>>;
  /** How long to wait for the ready path to answer 200. */
  readonly readyTimeoutMs: number;
  /** Grace period after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
}

/** A service's environment from its scenario: the scenario's `service.env` and what its fixtures fill (ServiceLaunch). */
export type ServiceEnvironment = Pick<ServiceLaunch, 'env' | 'provided'>;

/** How a service process ended. */
export interface ExitInfo {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
}

/** A started, ready service. */
export interface RunningService {
  readonly label: string;
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** Spawn to first 200 on the ready path. */
  readonly startupMs: number;
  /** The sockets listening on its port once it was ready: a wildcard one (`0.0.0.0`, `::`) ignored HOST. */
  readonly listening?: readonly ListeningSocket[];
  /** Last lines of stdout and stderr. */
  outputTail(): string;
  /** Set once the process has exited. */
  exitInfo(): ExitInfo | undefined;
  /** Stops the process group; resolves with how it ended and whether it needed SIGKILL. */
  stop(): Promise<{ exit: ExitInfo; killed: boolean }>;
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|Address in use/i;

/**
 * Why the started process is not the server, or undefined when a process of its tree (the root
 * or a child that stayed) holds the socket listening on `port`. Measuring and pinning a wrapper
 * (`docker run`, a script that daemonises the server, `cargo run`) would report the wrapper's
 * CPU and memory, near zero, as the service's.
 */
async function wrapperProblem(manifest: ResolvedManifest, pid: number, port: number): Promise<{ problem: string } | { sockets: readonly ListeningSocket[] }> {
  const owner = await findListenerOwner(pid, port);
  if (owner.state === 'tree') return { sockets: owner.sockets };
  const where =
    owner.state === 'none'
      ? 'no socket listens on that port in this network namespace (a container\'s port forwarded in, or a proxy?)'
      : owner.owner === undefined
        ? 'the socket listening on it belongs to a process outside that tree'
        : `the socket listening on it belongs to pid ${owner.owner.pid} (\`${owner.owner.command}\`), outside that tree`;
  return {
    problem:
    `Service ${manifest.name} is not measurable as started: 127.0.0.1:${port} answered ${manifest.ready}, but no process started by \`start\` (${manifest.file}: \`${manifest.start!.join(' ')}\`, pid ${pid}, and its children) holds it: ${where}. ` +
    'The harness measures and pins the process tree `start` creates, so it would report the wrapper\'s CPU and memory, not the server\'s. ' +
    'Start the server process itself: `exec` it at the end of a script, run the built binary instead of `cargo run` or `go run`, the server\'s own command instead of `docker run`, and keep it in the foreground (no daemonising).',
  };
}

async function probe(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts the service and waits until its ready path answers 200.
 * Retries with another port when the chosen one was taken before the service bound it.
 * @throws ConfigError when the start program does not exist or an `envFrom` variable is not set;
 *   InfrastructureError when the service exits or is not ready in time (with its output tail).
 */
export async function startService(launch: ServiceLaunch): Promise<RunningService> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(launch);
    } catch (error) {
      if (attempt < 3 && error instanceof PortTakenError) continue;
      throw error;
    }
  }
}

class PortTakenError extends InfrastructureError {}

async function startOnce(launch: ServiceLaunch): Promise<RunningService> {
  const { manifest } = launch;
  if (manifest.start === undefined) throw new Error(`startService: ${manifest.name} is a remote target (${manifest.file}); connect to it with connectTarget`);
  const port = await findFreePort();
  const harness = { HOST: '127.0.0.1', PORT: String(port), WORKERS: String(launch.workers) };
  // Validated before anything started (config/fixture-env.ts): only given names are referred to.
  const given = { ...launch.provided, ...harness };
  const [program, ...args] = substituteArgv(manifest.start, given, `\`start\` of ${manifest.file}`);
  const executable = await findExecutable(program!, manifest.dir);
  if (executable === undefined) {
    throw new ConfigError(
      `Cannot start service ${manifest.name}: \`${program}\` not found (from \`start\` in ${manifest.file}). ` +
        (program!.includes('/') ? `Build it first: rewrite-bench build --services ${manifest.name}.` : installHint(program!)),
    );
  }
  // Only PATH, HOME, USER, LANG, LC_ALL, TMPDIR, TZ and the manifest's envFrom names pass from the harness's environment.
  const env = {
    ...inheritedEnv(manifest, process.env),
    // A manifest's env entry whose variable this scenario does not give is left out here.
    ...substituteEnv(manifest.env, given, true),
    ...substituteEnv(launch.env ?? {}, given, false),
    ...launch.provided,
    // Marks every process the harness starts, so a test can prove none is left behind.
    REWRITE_BENCH_OWNER: ownerTag(),
    ...harness,
  };
  const argv = [...childPrefix(), ...(launch.cpuList === undefined ? [] : ['taskset', '-c', launch.cpuList]), executable, ...args];
  const tail = new LineTail(60);
  const spawnedAt = performance.now();
  const child = execa(argv[0]!, argv.slice(1), {
    cwd: manifest.dir,
    env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cleanup: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new InfrastructureError(`Cannot start service ${manifest.name}: spawn of ${argv.join(' ')} failed.`);
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  let exit: ExitInfo | undefined;
  const exited = child.then((result) => {
    exit = { exitCode: result.exitCode, signal: result.signal };
    return exit;
  });
  const label = `${manifest.name} (pid ${pid}, 127.0.0.1:${port})`;
  let killed = false;
  let stopping: Promise<{ exit: ExitInfo; killed: boolean }> | undefined;
  const graceMs = launch.stopGraceMs ?? 12_000;
  const stop = (): Promise<{ exit: ExitInfo; killed: boolean }> => {
    stopping ??= (async () => {
      if (exit === undefined) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          killed = true;
          signalGroup(pid, 'SIGKILL');
        }, graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Workers that outlived their parent are still in the group.
      signalGroup(pid, 'SIGKILL');
      unregister();
      return { exit: await exited, killed };
    })();
    return stopping;
  };
  const unregister = register({ pid, label, stop });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = spawnedAt + launch.readyTimeoutMs;
  while (performance.now() < deadline) {
    if (exit !== undefined) break;
    if (await probe(`${baseUrl}${manifest.ready}`)) {
      const startupMs = performance.now() - spawnedAt;
      const listener = await wrapperProblem(manifest, pid, port);
      if ('problem' in listener) {
        await stop();
        throw new ConfigError(listener.problem);
      }
      return { label, pid, port, baseUrl, startupMs, listening: listener.sockets, outputTail: () => tail.text(), exitInfo: () => exit, stop };
    }
    await sleep(25);
  }
  const exitedEarly = exit;
  await stop();
  const output = tail.text();
  const shownOutput = output === '' ? '(no output)' : output.split('\n').slice(-20).join('\n');
  if (exitedEarly !== undefined && ADDRESS_IN_USE.test(output)) {
    throw new PortTakenError(`Service ${manifest.name} could not bind 127.0.0.1:${port}: the port was taken. Retrying with another port.`);
  }
  const why =
    exitedEarly !== undefined
      ? `exited (code ${String(exitedEarly.exitCode)}, signal ${String(exitedEarly.signal)}) before answering ${manifest.ready}`
      : `no 200 on ${baseUrl}${manifest.ready} within ${launch.readyTimeoutMs} ms`;
  throw new InfrastructureError(
    `Service ${manifest.name} not ready: ${why}. Check that it reads PORT and HOST, or raise the ready timeout. ` +
      `Last output of ${path.relative(process.cwd(), manifest.dir) || '.'}:\n${shownOutput}`,
  );
}
