/**
 * A throwaway Prometheus stack on 127.0.0.1 for the remote-metrics test and bench: a fixture
 * process that burns a known CPU share and holds memory, a process-exporter grouping it by its
 * command line, and a Prometheus scraping the exporter every second, with its data and config
 * in a temporary folder. And one comparison of the fixture's /proc figures with Prometheus'.
 * Dev-only (not in the package). I/O.
 */
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TOOLS_BIN_DIR } from '../dev/test-tools-plan.js';
import { ROOT } from '../paths.js';
import { findFreePort } from '../process/ports.js';
import { coresBetween, TreeSampler } from '../process/sampler.js';
import { findExecutable } from '../process/toolchain.js';
import { measureRemote, type RemoteMeasurement } from '../remote/measure.js';
import { createPrometheusClient } from '../remote/prometheus.js';
import { resolveRemoteMetrics, type ResolvedRemoteMetrics } from '../remote/schema.js';

/** The two binaries: from PROMETHEUS_BIN / PROCESS_EXPORTER_BIN, else the test set-up's cache folder, else PATH. */
export interface StackBinaries {
  readonly prometheus: string;
  readonly processExporter: string;
}

const INSTALL_HINT = `Run \`npm run test:tools\` (npm test runs it first): it builds the pinned versions with Go into ${TOOLS_BIN_DIR}. Or point PROMETHEUS_BIN and PROCESS_EXPORTER_BIN at the binaries.`;

/**
 * Finds prometheus and process-exporter: an explicit PROMETHEUS_BIN / PROCESS_EXPORTER_BIN first,
 * then the pinned builds in `binDir` (.cache/test-tools/bin of this repository), then PATH
 * (Debian's names too).
 * @throws Error naming what is missing and how to get it.
 */
export async function findStackBinaries(env: Readonly<Record<string, string | undefined>> = process.env, binDir = path.join(ROOT, TOOLS_BIN_DIR)): Promise<StackBinaries> {
  const find = async (names: readonly string[]): Promise<string | undefined> => {
    for (const name of names) {
      const found = (await findExecutable(name, process.cwd(), binDir)) ?? (await findExecutable(name, process.cwd(), env.PATH ?? ''));
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const prometheus = await find([env.PROMETHEUS_BIN ?? 'prometheus']);
  const processExporter = await find(env.PROCESS_EXPORTER_BIN === undefined ? ['process-exporter', 'prometheus-process-exporter'] : [env.PROCESS_EXPORTER_BIN]);
  const missing = [prometheus === undefined ? 'prometheus' : undefined, processExporter === undefined ? 'process-exporter' : undefined].filter((name) => name !== undefined);
  if (prometheus === undefined || processExporter === undefined) throw new Error(`The remote-metrics tests need ${missing.join(' and ')}, found neither in ${binDir} nor on PATH. ${INSTALL_HINT}`);
  return { prometheus, processExporter };
}

/** The fixture: spins `duty` of every 20 ms slot (on the slot clock, so timer lateness does not add up) and holds `memoryMiB` of touched pages. */
const BURNER = `const duty = Number(process.argv[2]);
const held = Buffer.alloc(Number(process.argv[3]) * 1024 * 1024).fill(1);
const periodMs = 20;
function slot() {
  const slotStart = Math.floor(performance.now() / periodMs) * periodMs;
  while (performance.now() < slotStart + duty * periodMs) {}
  setTimeout(slot, Math.max(0, slotStart + periodMs - performance.now()));
}
slot();
console.log(JSON.stringify({ pid: process.pid, heldBytes: held.length }));
`;

export interface StackOptions {
  /**
   * Watch this program instead of the burner: copied into the stack's folder under a unique name
   * (process-exporter groups by command line) and started there with `env` — e.g. a built
   * service with PORT set, the remote target of the harness's tests.
   */
  readonly target?: { readonly executable: string; readonly args?: readonly string[]; readonly env: Readonly<Record<string, string>> };
  /** CPU share the fixture burns (0–1 of one core); default 0.5. */
  readonly duty?: number;
  /** Memory the fixture holds; default 96 MiB. */
  readonly memoryMiB?: number;
  /** Prometheus' scrape interval; default 1 s. */
  readonly scrapeIntervalSeconds?: number;
}

/** A running stack; stop() ends the three processes by pid and removes the folder. */
export interface PrometheusStack {
  readonly prometheusUrl: string;
  readonly exporterUrl: string;
  /** The watched process: the burner, or the target. */
  readonly burnerPid: number;
  readonly groupname: string;
  readonly scrapeIntervalSeconds: number;
  /** The `metrics:` block a manifest would hold for the fixture (process-exporter preset). */
  readonly metrics: ResolvedRemoteMetrics;
  readonly dir: string;
  stop(): Promise<void>;
}

interface Child {
  readonly name: string;
  readonly process: ResultPromise;
  /** stderr (where Prometheus logs) and stdout. */
  readonly logFile: string;
  readonly outFile: string;
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== undefined && child.process.exitCode !== null) return;
  child.process.kill('SIGTERM');
  const killTimer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await child.process.catch(() => undefined);
  clearTimeout(killTimer);
}

async function logTail(child: Child): Promise<string> {
  const text = `${await readFile(child.outFile, 'utf8').catch(() => '')}\n${await readFile(child.logFile, 'utf8').catch(() => '')}`;
  return text.trim().split('\n').slice(-5).join('\n');
}

/** Polls `check` every 100 ms until it is true, or throws after `timeoutMs` with the child's log. */
async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, child: Child): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.process.exitCode !== undefined && child.process.exitCode !== null) break;
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms (${child.name} ${child.process.exitCode === undefined || child.process.exitCode === null ? 'still running' : `exited with ${child.process.exitCode}`}). Its log ends with:\n${await logTail(child)}`);
}

/**
 * Starts the fixture, process-exporter and Prometheus on loopback ports, and waits until
 * Prometheus holds a few scrapes of the fixture's group. On any failure, whatever started is
 * stopped before the error is thrown.
 * @throws Error when a binary is missing or a process does not become ready.
 */
export async function startPrometheusStack(options: StackOptions = {}): Promise<PrometheusStack> {
  // A free port is found by binding port 0 and closing it; until Prometheus or the exporter binds
  // it, another process's outgoing connection can take it (load tests open thousands). Such a
  // start is tried again on new ports, at most three times in all.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startStackOnce(options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('address already in use')) throw error;
    }
  }
}

async function startStackOnce(options: StackOptions): Promise<PrometheusStack> {
  const binaries = await findStackBinaries();
  const duty = options.duty ?? 0.5;
  const memoryMiB = options.memoryMiB ?? 96;
  const scrapeIntervalSeconds = options.scrapeIntervalSeconds ?? 1;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-prom-'));
  // A unique script name: process-exporter groups by command line, and another run's fixture must not match.
  const tag = randomBytes(4).toString('hex');
  const burnerFile = path.join(dir, `burner-${tag}.mjs`);
  const groupname = options.target === undefined ? `burner-${tag}` : `target-${tag}`;
  const watchedFile = options.target === undefined ? burnerFile : path.join(dir, `target-${tag}`);
  const children: Child[] = [];
  const spawn = (name: string, file: string, args: string[], env?: Readonly<Record<string, string>>): Child => {
    const logFile = path.join(dir, `${name}.log`);
    const outFile = path.join(dir, `${name}.out`);
    const child: Child = { name, process: execa(file, args, { cwd: dir, stdin: 'ignore', stdout: { file: outFile }, stderr: { file: logFile }, reject: false, ...(env === undefined ? {} : { env }) }), logFile, outFile };
    children.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    for (const child of [...children].reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (options.target === undefined) await writeFile(burnerFile, BURNER);
    else await copyFile(options.target.executable, watchedFile);
    const pattern = options.target === undefined ? `burner-${tag}\\.mjs` : `target-${tag}`;
    await writeFile(path.join(dir, 'process-exporter.yml'), `process_names:\n  - name: ${JSON.stringify(groupname)}\n    cmdline:\n      - ${JSON.stringify(pattern)}\n`);
    const exporterPort = await findFreePort();
    const prometheusPort = await findFreePort();
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: ${scrapeIntervalSeconds}s\n  scrape_timeout: ${scrapeIntervalSeconds}s\n  evaluation_interval: 1m\nscrape_configs:\n  - job_name: process-exporter\n    static_configs:\n      - targets: ['127.0.0.1:${exporterPort}']\n`,
    );
    const burner = options.target === undefined ? spawn('burner', process.execPath, [burnerFile, String(duty), String(memoryMiB)]) : spawn('target', watchedFile, [...(options.target.args ?? [])], options.target.env);
    const exporterUrl = `http://127.0.0.1:${exporterPort}`;
    const exporter = spawn('process-exporter', binaries.processExporter, [
      `-config.path=${path.join(dir, 'process-exporter.yml')}`,
      `-web.listen-address=127.0.0.1:${exporterPort}`,
      '-children=true',
      '-gather-smaps=true',
      '-threads=false',
    ]);
    const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    const prometheus = spawn('prometheus', binaries.prometheus, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ]);
    if (options.target === undefined) await waitUntil('The fixture did not start', 10_000, async () => (await readFile(burner.outFile, 'utf8')).includes('"pid"'), burner);
    await waitUntil(`process-exporter did not report group ${groupname} on ${exporterUrl}`, 15_000, async () => (await (await fetch(`${exporterUrl}/metrics`)).text()).includes(`groupname="${groupname}"`), exporter);
    await waitUntil(`Prometheus did not become ready on ${prometheusUrl}`, 20_000, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, prometheus);
    const metrics = resolveRemoteMetrics({ prometheus: prometheusUrl, preset: 'process-exporter', groupname }, 'the Prometheus test stack');
    const client = createPrometheusClient({ baseUrl: prometheusUrl, auth: metrics.auth, timeoutMs: 5000, env: {} });
    // The rate of the first samples is not trusted (the exporter had only just seen the process):
    // wait for 4 rate windows' worth of scrapes before any window starts.
    const scrapesNeeded = 10;
    await waitUntil(`Prometheus did not collect ${scrapesNeeded} scrapes of ${groupname}`, 20_000 + scrapesNeeded * scrapeIntervalSeconds * 1000, async () => {
      const result = await client.queryInstant(`count_over_time(${metrics.templates.selector!}[5m])`);
      return result.length > 0 && result.every((series) => (series.samples[0]?.value ?? 0) >= scrapesNeeded);
    }, prometheus);
    return { prometheusUrl, exporterUrl, burnerPid: burner.process.pid!, groupname, scrapeIntervalSeconds, metrics, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** /proc and Prometheus over one window of the fixture. */
export interface Comparison {
  readonly windowSeconds: number;
  /** Cores between the window's edges (coresBetween); peaks of PSS (smaps_rollup) and RSS (stat) read every 500 ms. */
  readonly proc: { readonly cpuCores: number; readonly peakPssBytes: number; readonly peakRssBytes: number };
  readonly prometheus: RemoteMeasurement;
  /** From the window's end to the measurement's return (the wait for a scrape after it, and the queries). */
  readonly lagMs: number;
}

/**
 * Measures the fixture over `windowSeconds` both ways: TreeSampler (cores between the window's
 * edges, PSS and RSS every 500 ms) and measureRemote over the same epoch window.
 */
export async function compareOnce(stack: PrometheusStack, windowSeconds: number): Promise<Comparison> {
  const sampler = new TreeSampler(stack.burnerPid);
  const epochSecondsOf = (atMs: number): number => (performance.timeOrigin + atMs) / 1000;
  const first = await sampler.read(true);
  let peakPssBytes = 0;
  let peakRssBytes = first.rssBytes;
  // As the harness does: RSS from stat (what process-exporter's `resident` reads too), PSS from smaps_rollup.
  const sampleMemory = async (): Promise<void> => {
    peakPssBytes = Math.max(peakPssBytes, (await sampler.memory()).pssBytes);
  };
  await sampleMemory();
  const endAtMs = first.atMs + windowSeconds * 1000;
  let last = first;
  while (performance.now() < endAtMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(0, endAtMs - performance.now()))));
    last = await sampler.read();
    peakRssBytes = Math.max(peakRssBytes, last.rssBytes);
    await sampleMemory();
  }
  const client = createPrometheusClient({ baseUrl: stack.prometheusUrl, auth: stack.metrics.auth, timeoutMs: 5000, env: {} });
  const startEpochSeconds = epochSecondsOf(first.atMs);
  const endEpochSeconds = epochSecondsOf(last.atMs);
  const measuredAt = performance.now();
  const prometheus = await measureRemote({ startEpochSeconds, endEpochSeconds, metrics: stack.metrics, client });
  return {
    windowSeconds: endEpochSeconds - startEpochSeconds,
    proc: { cpuCores: coresBetween(first, last, sampler.constants), peakPssBytes, peakRssBytes },
    prometheus,
    lagMs: performance.now() - measuredAt,
  };
}
