/**
 * Samples a process tree from /proc: CPU ticks (utime+stime, counting processes that exit
 * during the window at their last reading), RSS, PSS (smaps_rollup) and VmHWM. I/O through a
 * ProcReader, so tests can feed captured text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ResourcePoint } from '../results/document.js';
import { descendants, parseCpuTimes, parseSchedstat, parseSmapsRollup, parseStat, parseStatus, type CpuTimes, type ProcStat } from './proc-parse.js';

/** Reads /proc; injectable for tests. */
export interface ProcReader {
  /** The text of a /proc file, or undefined when it does not exist (process gone). */
  read(path: string): Promise<string | undefined>;
  /** Numeric entries of /proc. */
  pids(): Promise<number[]>;
  /** Thread ids of a process (/proc/PID/task), empty when it is gone. */
  tasks(pid: number): Promise<number[]>;
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
  async tasks(pid) {
    try {
      return readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      return [];
    }
  },
};

/**
 * Every how many readings the whole of /proc is scanned for new processes of the tree (1 s at the
 * 250 ms default): new workers' memory shows within a second. CPU of children that live shorter
 * than that is not lost: it reaches their parent's cutime + cstime when they are reaped.
 */
const RESCAN_EVERY = 4;

/** One reading of a tree. */
export interface TreeReading {
  /** performance.now() of the reading, in ms. */
  readonly atMs: number;
  /**
   * CPU of the tree so far, in clock ticks: Σ (utime + stime + cutime + cstime) of the live
   * processes — the last two hold children they reaped, however short-lived — plus the last
   * reading of processes that exited without being reaped inside the tree. Only differences
   * between readings mean anything.
   */
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

/** Linux x86-64 defaults, for tests; runs pass the machine's (`getconf CLK_TCK`, `getconf PAGESIZE`). */
export const LINUX_CONSTANTS: SamplerConstants = { clockTicksPerSecond: 100, pageBytes: 4096 };

/** What the sampler remembers of a process of the tree. */
export interface Known {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime. */
  readonly ownTicks: number;
  /** cutime + cstime (reaped children). */
  readonly childTicks: number;
}

/** Tracks one process tree rooted at `rootPid`. */
export class TreeSampler {
  readonly #rootPid: number;
  readonly #reader: ProcReader;
  readonly #constants: SamplerConstants;
  /** Live processes at the last reading, keyed by pid and start time so a reused pid is a new process. */
  #live = new Map<string, Known>();
  /** Ticks of processes that exited and that no live process of the tree reaped (their last reading). */
  #frozenTicks = 0;
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
   * Reads every process of the tree once. The whole of /proc is scanned on the first and every
   * RESCAN_EVERY-th reading; in between only the known processes are read, which keeps the
   * sampler off the load generator's back. A window edge must pass `rescan = true`: a process
   * born since the last scan is otherwise missing from that reading, and its CPU so far lands
   * between the edges. A process stays in the tree once seen (a worker orphaned by its parent's
   * exit still counts).
   */
  async read(rescan = this.#readings % RESCAN_EVERY === 0): Promise<TreeReading> {
    this.#readings += 1;
    const stats = new Map<number, ProcStat>();
    const parentOf = new Map<number, number>();
    const candidates = rescan || this.#live.size === 0 ? await this.#reader.pids() : [...this.#live.values()].map((known) => known.pid);
    for (const pid of candidates) {
      const text = await this.#reader.read(`/proc/${pid}/stat`);
      const stat = text === undefined ? undefined : parseStat(text);
      if (stat === undefined) continue;
      stats.set(pid, stat);
      parentOf.set(pid, stat.ppid);
    }
    const atMs = performance.now();
    const members = new Set(stats.has(this.#rootPid) ? descendants(this.#rootPid, parentOf) : []);
    for (const known of this.#live.values()) if (stats.has(known.pid)) members.add(known.pid);
    const live = new Map<string, Known>();
    let rssPages = 0;
    for (const pid of members) {
      const stat = stats.get(pid)!;
      live.set(`${pid}@${stat.startTicks}`, { pid, ppid: stat.ppid, ownTicks: stat.cpuTicks, childTicks: stat.childTicks });
      rssPages += stat.rssPages;
    }
    this.#frozenTicks += unreapedTicks(this.#live, live);
    this.#live = live;
    let cpuTicks = this.#frozenTicks;
    for (const known of live.values()) cpuTicks += known.ownTicks + known.childTicks;
    const pids = [...members];
    return { atMs, cpuTicks, rssBytes: rssPages * this.#constants.pageBytes, processCount: pids.length, pids };
  }

  /** PSS, RSS and Σ VmHWM of the processes alive at the last read(). */
  async memory(): Promise<TreeMemory> {
    let pssBytes = 0;
    let rssBytes = 0;
    let vmHwmBytesSum = 0;
    for (const { pid } of this.#live.values()) {
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

  /**
   * Σ over every thread of the live processes of the scheduler's run delay (time runnable but
   * waiting for a CPU), in ns: read at the window's edges to tell when the machine was busy.
   */
  async schedulerWaitNs(): Promise<number> {
    let waitNs = 0;
    for (const { pid } of this.#live.values()) {
      for (const tid of await this.#reader.tasks(pid)) {
        const text = await this.#reader.read(`/proc/${pid}/task/${tid}/schedstat`);
        waitNs += (text === undefined ? undefined : parseSchedstat(text))?.waitNs ?? 0;
      }
    }
    return waitNs;
  }
}

/**
 * Ticks of processes that left the tree between two readings and will not show up in a live
 * parent's cutime + cstime: their parent is gone too, or it did not reap them (auto-reaping when
 * SIGCHLD is ignored, or reaped outside the tree). A parent's children ticks grow by at least
 * what its reaped children had; what is missing from that growth is kept as their last reading.
 */
export function unreapedTicks(before: ReadonlyMap<string, Known>, after: ReadonlyMap<string, Known>): number {
  const afterByPid = new Map([...after.values()].map((known) => [known.pid, known]));
  const beforeByPid = new Map([...before.values()].map((known) => [known.pid, known]));
  let frozen = 0;
  const owed = new Map<number, number>();
  for (const [key, known] of before) {
    if (after.has(key)) continue;
    const total = known.ownTicks + known.childTicks;
    if (afterByPid.has(known.ppid)) owed.set(known.ppid, (owed.get(known.ppid) ?? 0) + total);
    else frozen += total;
  }
  for (const [parent, ticks] of owed) {
    const grewBy = afterByPid.get(parent)!.childTicks - (beforeByPid.get(parent)?.childTicks ?? afterByPid.get(parent)!.childTicks);
    frozen += Math.max(0, ticks - grewBy);
  }
  return frozen;
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


/**
 * Reads the tree every `intervalMs` and its PSS every `pssEvery` readings, until stopped.
 * Returns the readings' series relative to `originMs` (set once the window starts).
 */
export class PeriodicSampler {
  readonly #sampler: TreeSampler;
  readonly #intervalMs: number;
  readonly #pssEvery: number;
  readonly #points: Array<ResourcePoint & { atMs: number; cpuCores: number; rssBytes: number }> = [];
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
