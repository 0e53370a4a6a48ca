/**
 * Parsers of /proc text (proc(5)): per-process CPU ticks, parent, RSS; PSS from smaps_rollup;
 * VmHWM from status; steal from /proc/stat. Pure: they take the text, never read files.
 */

/** The fields of /proc/PID/stat this harness uses. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** utime + stime of this process (not of waited-for children), in clock ticks. */
  readonly cpuTicks: number;
  /** cutime + cstime: CPU of children this process has waited for (reaped), in clock ticks. */
  readonly childTicks: number;
  readonly rssPages: number;
  /** Start time after boot, in clock ticks: with pid, identifies a process across PID reuse. */
  readonly startTicks: number;
}

/**
 * Parses /proc/PID/stat. The command name may contain spaces and parentheses, so fields are
 * counted after the last `)`.
 * @returns undefined when the text is not a stat line.
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state) of proc(5); field N is fields[N - 3].
  const at = (field: number): number => Number(fields[field - 3]);
  const result = {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0] ?? '?',
    ppid: at(4),
    cpuTicks: at(14) + at(15),
    childTicks: at(16) + at(17),
    rssPages: at(24),
    startTicks: at(22),
  };
  return Number.isInteger(pid) && Number.isFinite(result.cpuTicks) && Number.isFinite(result.childTicks) && Number.isFinite(result.rssPages) ? result : undefined;
}

/** Memory of /proc/PID/smaps_rollup, in bytes. */
export interface SmapsRollup {
  readonly rssBytes: number;
  readonly pssBytes: number;
  readonly sharedCleanBytes: number;
  readonly privateDirtyBytes: number;
}

function kilobyteFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const match of text.matchAll(/^([A-Za-z_]+):\s+(\d+) kB$/gm)) fields.set(match[1]!, Number(match[2]) * 1024);
  return fields;
}

/** Parses /proc/PID/smaps_rollup; undefined when it has no Pss line. */
export function parseSmapsRollup(text: string): SmapsRollup | undefined {
  const fields = kilobyteFields(text);
  const pssBytes = fields.get('Pss');
  if (pssBytes === undefined) return undefined;
  return {
    rssBytes: fields.get('Rss') ?? 0,
    pssBytes,
    sharedCleanBytes: fields.get('Shared_Clean') ?? 0,
    privateDirtyBytes: fields.get('Private_Dirty') ?? 0,
  };
}

/** VmHWM (peak RSS) and VmRSS of /proc/PID/status, in bytes; undefined for a kernel thread or zombie. */
export function parseStatus(text: string): { vmHwmBytes: number; vmRssBytes: number } | undefined {
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  if (hwm === null || rss === null) return undefined;
  return { vmHwmBytes: Number(hwm[1]) * 1024, vmRssBytes: Number(rss[1]) * 1024 };
}

/** Totals of the `cpu` line of /proc/stat, in ticks, and the busy ticks of each CPU. */
export interface CpuTimes {
  readonly totalTicks: number;
  readonly stealTicks: number;
  /**
   * Per CPU number: ticks it ran nothing of this machine's (idle + iowait + steal). Under NO_HZ
   * idle and iowait come from the kernel's precise idle clock; user and system are sampled at
   * ticks, and on this VM their per-CPU sums over a 2 s window ran 0.015 to 1.21 of the wall
   * clock for a service using 0.18 to 0.72 of the core (measured), so busy time is wall − this.
   */
  readonly idleTicksByCpu: ReadonlyMap<number, number>;
  /**
   * Per CPU number: the tick-sampled counters of work done on it, split into the kernel's
   * interrupt work (irq + softirq: on loopback, receiving the packets of the processes there) and
   * everything busy (user + nice + system + irq + softirq). Sampled, so only their proportion is
   * used (run/contention.ts). Absent from /proc/stat text without these columns.
   */
  readonly interruptTicksByCpu?: ReadonlyMap<number, number>;
  readonly sampledBusyTicksByCpu?: ReadonlyMap<number, number>;
}

/** Parses /proc/stat: the aggregate `cpu` line and the idle ticks of every `cpuN` line. */
export function parseCpuTimes(text: string): CpuTimes | undefined {
  let aggregate: number[] | undefined;
  const idleTicksByCpu = new Map<number, number>();
  const interruptTicksByCpu = new Map<number, number>();
  const sampledBusyTicksByCpu = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (match === null) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const values = match[2]!.trim().split(/\s+/).map(Number);
    if (match[1] === '') aggregate = values;
    else {
      const cpu = Number(match[1]);
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
      idleTicksByCpu.set(cpu, idle + iowait + steal);
      interruptTicksByCpu.set(cpu, irq + softirq);
      sampledBusyTicksByCpu.set(cpu, user + nice + system + irq + softirq);
    }
  }
  if (aggregate === undefined) return undefined;
  const totalTicks = aggregate.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { totalTicks, stealTicks: aggregate[7] ?? 0, idleTicksByCpu, interruptTicksByCpu, sampledBusyTicksByCpu };
}

/** Parses a CPU list such as `0-1,4` (Cpus_allowed_list, taskset -c) into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [low, high] = part.split('-').map(Number);
    if (low === undefined || !Number.isInteger(low)) throw new RangeError(`bad CPU list \`${text}\``);
    for (let cpu = low; cpu <= (high ?? low); cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

/** Formats CPU numbers as a taskset list: [0,1,2,5] → "0-2,5". */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end += 1;
    parts.push(end === index ? `${sorted[index]}` : `${sorted[index]}-${sorted[end]}`);
    index = end + 1;
  }
  return parts.join(',');
}

/** Every descendant of `root` (and root itself) given a pid → ppid map. */
export function descendants(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  const result: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    result.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return result;
}

/** The scheduler's own account of a task (/proc/PID/task/TID/schedstat), in ns: not tick-sampled. */
export interface SchedulerTimes {
  /** Time on a CPU. */
  readonly cpuNs: number;
  /** Time runnable but waiting for a CPU (other load on its CPUs). */
  readonly waitNs: number;
}

/** Parses a schedstat line (`cpu_ns wait_ns timeslices`); undefined when it is not one. */
export function parseSchedstat(text: string): SchedulerTimes | undefined {
  const [cpu, wait] = text.trim().split(/\s+/).map(Number);
  return cpu === undefined || wait === undefined || !Number.isFinite(cpu) || !Number.isFinite(wait) ? undefined : { cpuNs: cpu, waitNs: wait };
}
