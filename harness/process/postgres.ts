/**
 * A PostgreSQL server for a scenario's `fixtures.database.postgres`: a fresh cluster (initdb) in a
 * temporary folder, started by the harness on the load CPUs (its own process tree, measured apart
 * from the service), one template database per seed, and a fresh database per service run
 * (`CREATE DATABASE … TEMPLATE …`). As root the server runs as the `postgres` user, or `nobody`
 * (PostgreSQL refuses root). I/O.
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ConfigError, InfrastructureError, messageOf } from '../errors.js';
import { findFreePort } from './ports.js';
import { findPostgres, libraryPath, type PostgresBinaries } from './postgres-binaries.js';
import { childPrefix, ownerTag, register, signalGroup } from './registry.js';
import type { SeedPlan } from './seed.js';
import { LineTail } from './tail.js';

/** How to start a server. */
export interface PostgresLaunch {
  /** taskset CPU list of the server's processes (the load side's); undefined: not pinned. */
  readonly cpuList: string | undefined;
  /** `-c name=value` settings from the scenario. */
  readonly settings: Readonly<Record<string, string | number>>;
  readonly binDir: string | undefined;
  readonly projectRoot: string;
  readonly scenarioFile: string;
}

/** Who the server runs as: this user, or (as root) an unprivileged one. */
async function serverUser(): Promise<{ uid: number; gid: number; name: string } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const entries = passwd.split('\n').map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = entries.find((fields) => fields[0] === name);
    if (entry !== undefined) return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new InfrastructureError('PostgreSQL cannot run as root and this machine has neither a `postgres` nor a `nobody` user to run it as. Create one (`useradd --system postgres`) or run the harness as another user.');
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** A running server of one scenario. */
export class PostgresServer {
  readonly pid: number;
  readonly port: number;
  readonly cpuList: string | undefined;
  readonly binaries: PostgresBinaries;
  readonly #password: string;
  readonly #stop: () => Promise<void>;
  readonly #templates = new Map<string, Promise<string>>();
  #count = 0;

  private constructor(fields: { pid: number; port: number; cpuList: string | undefined; binaries: PostgresBinaries; password: string; stop: () => Promise<void> }) {
    this.pid = fields.pid;
    this.port = fields.port;
    this.cpuList = fields.cpuList;
    this.binaries = fields.binaries;
    this.#password = fields.password;
    this.#stop = fields.stop;
  }

  /**
   * Makes a cluster and starts its server, pinned to `cpuList`; resolves once it accepts connections.
   * @throws ConfigError when no server is installed; InfrastructureError when initdb fails or it does not start (with its output)
   */
  static async start(launch: PostgresLaunch): Promise<PostgresServer> {
    const binaries = await findPostgres(launch.binDir, launch.projectRoot, launch.scenarioFile);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-pg-'));
    try {
      return await PostgresServer.#startIn(dir, binaries, launch);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  static async #startIn(dir: string, binaries: PostgresBinaries, launch: PostgresLaunch): Promise<PostgresServer> {
    const user = await serverUser();
    const data = path.join(dir, 'data');
    const password = randomBytes(12).toString('hex');
    const passwordFile = path.join(dir, 'password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user !== undefined) {
      await chown(dir, user.uid, user.gid);
      await chown(passwordFile, user.uid, user.gid);
    }
    const libraries = await libraryPath(binaries, path.join(dir, 'lib'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...(libraries === undefined ? {} : { LD_LIBRARY_PATH: libraries }), REWRITE_BENCH_OWNER: ownerTag() };
    // setpriv execs the program in place (the pid stays the server's), unlike su or runuser.
    const asUser = user === undefined ? [] : ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'];
    const initdbArgv = [...asUser, path.join(binaries.binDir, 'initdb'), '-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C', '--no-sync'];
    const initdb = await execa(initdbArgv[0]!, initdbArgv.slice(1), { env, extendEnv: false, cwd: dir, stdin: 'ignore', all: true, reject: false });
    if (initdb.failed) throw new InfrastructureError(`initdb failed (${binaries.binDir}, as ${user?.name ?? 'this user'}): ${String(initdb.all).split('\n').slice(-10).join('\n')}`);
    const port = await findFreePort();
    const settings = Object.entries({ listen_addresses: '127.0.0.1', unix_socket_directories: dir, ...launch.settings }).flatMap(([name, value]) => ['-c', `${name}=${String(value)}`]);
    const argv = [...childPrefix(), ...(launch.cpuList === undefined ? [] : ['taskset', '-c', launch.cpuList]), ...asUser, path.join(binaries.binDir, 'postgres'), '-D', data, '-p', String(port), ...settings];
    const tail = new LineTail(40);
    const child = execa(argv[0]!, argv.slice(1), { env, extendEnv: false, cwd: dir, detached: true, stdin: 'ignore', buffer: false, reject: false, cleanup: true, all: true });
    child.all?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
    const pid = child.pid;
    if (pid === undefined) throw new InfrastructureError(`Cannot start PostgreSQL: spawn of ${argv.join(' ')} failed.`);
    let exited = false;
    const ended = child.then(() => {
      exited = true;
    });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        // SIGINT is PostgreSQL's fast shutdown: it ends open sessions instead of waiting for them.
        if (!exited) signalGroup(pid, 'SIGINT');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
        await ended;
        clearTimeout(timer);
        signalGroup(pid, 'SIGKILL');
        unregister();
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    };
    const unregister = register({ pid, label: `postgres (pid ${pid}, 127.0.0.1:${port})`, stop });
    const server = new PostgresServer({ pid, port, cpuList: launch.cpuList, binaries, password, stop });
    const deadline = performance.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited) break;
      try {
        await server.#query('postgres', 'SELECT 1');
        return server;
      } catch {
        if (performance.now() > deadline) break;
        await sleep(50);
      }
    }
    await stop();
    throw new InfrastructureError(`PostgreSQL (${binaries.binDir}) did not accept connections on 127.0.0.1:${port}${exited ? ' (it exited)' : ` within ${READY_TIMEOUT_MS} ms`}. Last output:\n${tail.text() || '(no output)'}`);
  }

  /** The URL of `database` on this server (user postgres, its password, 127.0.0.1). */
  url(database: string): string {
    return `postgresql://postgres:${this.#password}@127.0.0.1:${this.port}/${database}`;
  }

  async #query(database: string, sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** The template database of `plan`, seeded on first use (the seed SQL, then the seed commands with its URL). */
  template(plan: SeedPlan): Promise<string> {
    let template = this.#templates.get(plan.key);
    if (template === undefined) {
      const name = `template_${this.#templates.size + 1}`;
      template = (async () => {
        await this.#query('postgres', `CREATE DATABASE ${name}`);
        if (plan.sqlFile !== undefined) {
          const sql = await readFile(plan.sqlFile, 'utf8');
          try {
            await this.#query(name, sql);
          } catch (cause) {
            throw new ConfigError(`Cannot seed the database from ${plan.sqlFile}: ${messageOf(cause)}. Fix the seed SQL (it runs once per scenario, into a template database that each run copies).`, { cause });
          }
        }
        await plan.runCommands?.(this.url(name));
        return name;
      })();
      this.#templates.set(plan.key, template);
    }
    return template;
  }

  /** A new database copied from `plan`'s template for one service run; its URL. */
  async fresh(plan: SeedPlan): Promise<string> {
    const template = await this.template(plan);
    this.#count += 1;
    const name = `run_${this.#count}`;
    // Needs no session on the template: its seeding ended, and services never connect to it.
    await this.#query('postgres', `CREATE DATABASE ${name} TEMPLATE ${template}`);
    return this.url(name);
  }

  /** Stops the server (fast shutdown, then SIGKILL after 10 s) and removes its cluster. */
  stop(): Promise<void> {
    return this.#stop();
  }
}
