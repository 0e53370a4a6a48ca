/**
 * Samples a process tree from /proc: CPU ticks (utime+stime, counting processes that exit
 * during the window at their last reading), RSS, PSS (smaps_rollup) and VmHWM. I/O through a
 * ProcReader, so tests can feed captured text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { descendants, parseCpuTimes, parseSmapsRollup, parseStat, parseStatus, type CpuTimes, type ProcStat } from './proc-parse.js';

/** Reads /proc; injectable for tests. */
export interface ProcReader {
  /** The text of a /proc file, or undefined when it does not exist (process gone). */
  read(path: string): Promise<string | undefined>;
  /** Numeric entries of /proc. */
  pids(): Promise<number[]>;
}

/**
 * The real /proc. Synchronous reads on purpose: a /proc file is generated in microseconds, and
 * going through libuv's thread pool would cost more CPU on the load generator's cores.
 */
export const systemProc: ProcReader = {
  async read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  async pids() {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  },
};

/** Every how many readings the whole of /proc is scanned for new children of the tree. */
const RESCAN_EVERY = 20;

/** One reading of a tree. */
export interface TreeReading {
  /** performance.now() of the reading, in ms. */
  readonly atMs: number;
  /** Σ utime+stime of every process seen in the tree so far (exited ones at their last reading). */
  readonly cpuTicks: number;
  /** Σ RSS of the live processes. */
  readonly rssBytes: number;
  readonly processCount: number;
  readonly pids: readonly number[];
}

/** Memory of the live tree from smaps_rollup and status. */
export interface TreeMemory {
  readonly pssBytes: number;
  readonly rssBytes: number;
  /** Σ VmHWM (peak RSS) per process: double-counts shared pages like RSS does. */
  readonly vmHwmBytesSum: number;
}

export interface SamplerConstants {
  readonly clockTicksPerSecond: number;
  readonly pageBytes: number;
}

/** Linux x86-64 defaults; `getconf CLK_TCK` and `getconf PAGESIZE` on these machines. */
export const LINUX_CONSTANTS: SamplerConstants = { clockTicksPerSecond: 100, pageBytes: 4096 };

/** Tracks one process tree rooted at `rootPid`. */
export class TreeSampler {
  readonly #rootPid: number;
  readonly #reader: ProcReader;
  readonly #constants: SamplerConstants;
  /** Last ticks per process, keyed by pid and start time so a reused pid is a new process. */
  readonly #ticks = new Map<string, number>();
  #livePids: number[] = [];
  #readings = 0;

  constructor(rootPid: number, reader: ProcReader = systemProc, constants: SamplerConstants = LINUX_CONSTANTS) {
    this.#rootPid = rootPid;
    this.#reader = reader;
    this.#constants = constants;
  }

  get constants(): SamplerConstants {
    return this.#constants;
  }

  /**
   * Reads every process of the tree once. The whole of /proc is scanned for new children on the
   * first and every RESCAN_EVERY-th reading (workers are spawned at start); in between only the
   * known processes are read, which keeps the sampler off the load generator's back.
   */
  async read(rescan = this.#readings % RESCAN_EVERY === 0): Promise<TreeReading> {
    this.#readings += 1;
    const stats = new Map<number, ProcStat>();
    const parentOf = new Map<number, number>();
    const candidates = rescan || this.#livePids.length === 0 ? await this.#reader.pids() : this.#livePids;
    for (const pid of candidates) {
      const text = await this.#reader.read(`/proc/${pid}/stat`);
      const stat = text === undefined ? undefined : parseStat(text);
      if (stat === undefined) continue;
      stats.set(pid, stat);
      parentOf.set(pid, stat.ppid);
    }
    const atMs = performance.now();
    const tree = stats.has(this.#rootPid) ? descendants(this.#rootPid, parentOf) : [];
    let rssPages = 0;
    for (const pid of tree) {
      const stat = stats.get(pid)!;
      this.#ticks.set(`${pid}@${stat.startTicks}`, stat.cpuTicks);
      rssPages += stat.rssPages;
    }
    this.#livePids = tree;
    let cpuTicks = 0;
    for (const ticks of this.#ticks.values()) cpuTicks += ticks;
    return { atMs, cpuTicks, rssBytes: rssPages * this.#constants.pageBytes, processCount: tree.length, pids: tree };
  }

  /** PSS, RSS and Σ VmHWM of the processes alive at the last read(). */
  async memory(): Promise<TreeMemory> {
    let pssBytes = 0;
    let rssBytes = 0;
    let vmHwmBytesSum = 0;
    for (const pid of this.#livePids) {
      const rollupText = await this.#reader.read(`/proc/${pid}/smaps_rollup`);
      const rollup = rollupText === undefined ? undefined : parseSmapsRollup(rollupText);
      if (rollup !== undefined) {
        pssBytes += rollup.pssBytes;
        rssBytes += rollup.rssBytes;
      }
      const statusText = await this.#reader.read(`/proc/${pid}/status`);
      const status = statusText === undefined ? undefined : parseStatus(statusText);
      if (status !== undefined) vmHwmBytesSum += status.vmHwmBytes;
    }
    return { pssBytes, rssBytes, vmHwmBytesSum };
  }
}

/** CPU cores used between two readings: Δticks ÷ ticks-per-second ÷ Δwall seconds. */
export function coresBetween(start: TreeReading, end: TreeReading, constants: SamplerConstants): number {
  const seconds = (end.atMs - start.atMs) / 1000;
  if (seconds <= 0) return 0;
  return (end.cpuTicks - start.cpuTicks) / constants.clockTicksPerSecond / seconds;
}

/** Machine-wide CPU times (for steal). */
export async function readCpuTimes(reader: ProcReader = systemProc): Promise<CpuTimes | undefined> {
  const text = await reader.read('/proc/stat');
  return text === undefined ? undefined : parseCpuTimes(text);
}

/** One point of a run's resource time series. */
export interface ResourcePoint {
  /** ms since the start of the measured window (negative during warm-up). */
  readonly tMs: number;
  readonly cpuCores: number;
  readonly rssBytes: number;
  readonly pssBytes?: number;
}

/**
 * Reads the tree every `intervalMs` and its PSS every `pssEvery` readings, until stopped.
 * Returns the readings' series relative to `originMs` (set once the window starts).
 */
export class PeriodicSampler {
  readonly #sampler: TreeSampler;
  readonly #intervalMs: number;
  readonly #pssEvery: number;
  readonly #points: Array<ResourcePoint & { atMs: number }> = [];
  #timer: NodeJS.Timeout | undefined;
  #previous: TreeReading | undefined;
  #count = 0;
  #busy: Promise<void> = Promise.resolve();

  constructor(sampler: TreeSampler, intervalMs: number, pssEvery: number) {
    this.#sampler = sampler;
    this.#intervalMs = intervalMs;
    this.#pssEvery = pssEvery;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#busy = this.#busy.then(() => this.#tick()).catch(() => {});
    }, this.#intervalMs);
  }

  async #tick(): Promise<void> {
    const reading = await this.#sampler.read();
    this.#count += 1;
    let pssBytes: number | undefined;
    if (this.#count % this.#pssEvery === 0) pssBytes = (await this.#sampler.memory()).pssBytes;
    const cpuCores = this.#previous === undefined ? 0 : coresBetween(this.#previous, reading, this.#sampler.constants);
    this.#previous = reading;
    this.#points.push({ atMs: reading.atMs, tMs: 0, cpuCores, rssBytes: reading.rssBytes, ...(pssBytes === undefined ? {} : { pssBytes }) });
  }

  /**
   * Stops sampling. The series is relative to `originMs`; peaks are over points between `fromMs`
   * and `toMs` (the measured window), or undefined when no point fell there.
   */
  async stop(originMs: number, fromMs = -Infinity, toMs = Infinity): Promise<{ series: ResourcePoint[]; peakRssBytes: number | undefined; peakPssBytes: number | undefined }> {
    clearInterval(this.#timer);
    await this.#busy;
    const series = this.#points.map(({ atMs, ...point }) => ({ ...point, tMs: Math.round(atMs - originMs) }));
    const inWindow = this.#points.filter((point) => point.atMs >= fromMs && point.atMs <= toMs);
    const rss = inWindow.map((point) => point.rssBytes);
    const pss = inWindow.flatMap((point) => (point.pssBytes === undefined ? [] : [point.pssBytes]));
    return { series, peakRssBytes: rss.length === 0 ? undefined : Math.max(...rss), peakPssBytes: pss.length === 0 ? undefined : Math.max(...pss) };
  }
}
