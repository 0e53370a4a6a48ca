/**
 * Parses /proc/interrupts: how many device interrupts each CPU has taken since boot. Pure.
 */

/** Device interrupts per CPU, from the numbered rows of /proc/interrupts (the NICs', disks', ...). */
export interface DeviceInterrupts {
  /** CPU number → interrupts taken since boot, for every CPU column of the file. */
  readonly byCpu: ReadonlyMap<number, number>;
  /** Per CPU, the devices that took the most interrupts there (at most 3, most first), e.g. `virtio1-req.0`. */
  readonly topDevicesByCpu: ReadonlyMap<number, readonly string[]>;
}

/**
 * Sums the numbered rows (device interrupts: network, disk, ...) per CPU. The named rows (LOC,
 * RES, CAL, TLB, ...) are the kernel's own per-CPU interrupts, which every CPU takes and no
 * pinning avoids, and are left out.
 * @returns undefined when the text has no `CPUn` header
 */
export function parseDeviceInterrupts(text: string): DeviceInterrupts | undefined {
  const [header, ...lines] = text.split('\n');
  const cpus = [...(header ?? '').matchAll(/CPU(\d+)/g)].map((match) => Number(match[1]));
  if (cpus.length === 0) return undefined;
  const byCpu = new Map(cpus.map((cpu) => [cpu, 0]));
  const devices = new Map<number, Array<{ name: string; count: number }>>(cpus.map((cpu) => [cpu, []]));
  for (const line of lines) {
    const match = /^\s*(\d+):(.*)$/.exec(line);
    if (match === null) continue;
    const fields = match[2]!.trim().split(/\s+/);
    const counts = fields.slice(0, cpus.length).map(Number);
    if (counts.length < cpus.length || counts.some((count) => !Number.isSafeInteger(count))) continue;
    // After the counts: the chip, its hardware IRQ and trigger, then the device's name(s).
    const name = fields.slice(cpus.length).at(-1) ?? `irq ${match[1]}`;
    counts.forEach((count, column) => {
      const cpu = cpus[column]!;
      byCpu.set(cpu, byCpu.get(cpu)! + count);
      if (count > 0) devices.get(cpu)!.push({ name, count });
    });
  }
  const topDevicesByCpu = new Map(
    [...devices].map(([cpu, list]) => [
      cpu,
      list
        .sort((a, b) => b.count - a.count)
        .slice(0, 3)
        .map((device) => device.name),
    ]),
  );
  return { byCpu, topDevicesByCpu };
}
