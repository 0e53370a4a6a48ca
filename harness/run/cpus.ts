/**
 * Splits the CPUs this process may use into disjoint sets: the service's and the load
 * generator's (which also runs the harness and the upstream). The service gets the CPUs that
 * took the fewest device interrupts (network, disk) since boot, read from /proc/interrupts:
 * interrupts usually land on CPU 0, and a service sharing its CPU with them has its latency
 * and its CPU figures moved by work that is not its own. Pure.
 */
import { ConfigError } from '../errors.js';
import { parseDeviceInterrupts } from '../process/interrupts.js';
import { formatCpuList } from '../process/proc-parse.js';
import type { CpuChoice } from '../results/document.js';

export interface CpuPlan {
  /** taskset list of the service's CPUs ('' when every service of the scenario is a remote target). */
  readonly serviceCpus: string;
  /** taskset list of the load generator's, harness's and upstream's CPUs. */
  readonly loadCpus: string;
  /** Why the service got its CPUs (results.json's `cpuPlan.choice`). */
  readonly choice: CpuChoice;
}

/**
 * The `serviceCount` allowed CPUs that took the fewest device interrupts go to the service (ties:
 * the lower number first), the rest to the load side, which may take the interrupts: the load
 * engine's latency clock starts at the planned send, so its CPU being interrupted delays sends,
 * which the engine measures and judges, whereas a service's stolen time is invisible in its own
 * figures. Without /proc/interrupts (`interruptsText` undefined) or with no device interrupt
 * counted on the allowed CPUs, the lowest-numbered CPUs go to the service.
 * @param interruptsText the text of /proc/interrupts, read once per harness process (counts since boot)
 * @throws ConfigError when fewer than serviceCount + 1 CPUs are allowed.
 */
export function planCpus(allowed: readonly number[], serviceCount: number, interruptsText?: string): CpuPlan {
  const sorted = [...allowed].sort((a, b) => a - b);
  if (sorted.length < serviceCount + 1) {
    throw new ConfigError(
      `Cannot pin ${serviceCount} CPU(s) to the service and keep one for the load generator: only ${sorted.length} CPU(s) allowed (${formatCpuList(sorted)}). Lower \`service.cpus\`.`,
    );
  }
  const interrupts = interruptsText === undefined ? undefined : parseDeviceInterrupts(interruptsText);
  const countOf = (cpu: number): number => interrupts?.byCpu.get(cpu) ?? 0;
  const split = (order: readonly number[]) => {
    const service = order.slice(0, serviceCount).sort((a, b) => a - b);
    return { serviceCpus: formatCpuList(service), loadCpus: formatCpuList(order.slice(serviceCount).sort((a, b) => a - b)), service };
  };
  if (interrupts === undefined || sorted.every((cpu) => countOf(cpu) === 0)) {
    const { serviceCpus, loadCpus } = split(sorted);
    const why = interrupts === undefined ? '/proc/interrupts could not be read' : 'no device interrupt was counted on the allowed CPUs';
    return { serviceCpus, loadCpus, choice: { by: 'lowest-numbers', reason: `${why}: the service got the lowest-numbered CPUs (${serviceCpus})` } };
  }
  const { serviceCpus, loadCpus, service } = split([...sorted].sort((a, b) => countOf(a) - countOf(b) || a - b));
  const interruptsByCpu = Object.fromEntries(sorted.map((cpu) => [String(cpu), countOf(cpu)]));
  const describe = (cpu: number): string => {
    const devices = interrupts.topDevicesByCpu.get(cpu) ?? [];
    return `CPU ${cpu} ${countOf(cpu)}${devices.length === 0 ? '' : ` (${devices.join(', ')})`}`;
  };
  const serviceShare = service.reduce((sum, cpu) => sum + countOf(cpu), 0) / sorted.reduce((sum, cpu) => sum + countOf(cpu), 0);
  return {
    serviceCpus,
    loadCpus,
    choice: {
      by: 'device-interrupts',
      interruptsByCpu,
      reason:
        `the service got the ${serviceCount === 1 ? 'CPU' : `${serviceCount} CPUs`} that took the fewest device interrupts since boot ` +
        `(${(serviceShare * 100).toFixed(1)} % of the allowed CPUs'): ${sorted.map(describe).join('; ')}`,
    },
  };
}

/** Every allowed CPU to the load side: the services are remote targets, none runs here. */
export function planCpusForRemote(allowed: readonly number[]): CpuPlan {
  const loadCpus = formatCpuList([...allowed].sort((a, b) => a - b));
  return { serviceCpus: '', loadCpus, choice: { by: 'remote', reason: `every service is a remote target: all allowed CPUs (${loadCpus}) to the load side` } };
}
