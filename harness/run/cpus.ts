/**
 * Splits the CPUs this process may use into disjoint sets: the service's and the load
 * generator's (which also runs the harness and the upstream). Pure.
 */
import { ConfigError } from '../errors.js';
import { formatCpuList } from '../process/proc-parse.js';

export interface CpuPlan {
  /** taskset list of the service's CPUs ('' when every service of the scenario is a remote target). */
  readonly serviceCpus: string;
  /** taskset list of the load generator's, harness's and upstream's CPUs. */
  readonly loadCpus: string;
}

/**
 * The first `serviceCount` allowed CPUs go to the service, the rest to the load side.
 * @throws ConfigError when fewer than serviceCount + 1 CPUs are allowed.
 */
export function planCpus(allowed: readonly number[], serviceCount: number): CpuPlan {
  const sorted = [...allowed].sort((a, b) => a - b);
  if (sorted.length < serviceCount + 1) {
    throw new ConfigError(
      `Cannot pin ${serviceCount} CPU(s) to the service and keep one for the load generator: only ${sorted.length} CPU(s) allowed (${formatCpuList(sorted)}). Lower \`service.cpus\`.`,
    );
  }
  return { serviceCpus: formatCpuList(sorted.slice(0, serviceCount)), loadCpus: formatCpuList(sorted.slice(serviceCount)) };
}

/** Every allowed CPU to the load side: the services are remote targets, none runs here. */
export function planCpusForRemote(allowed: readonly number[]): CpuPlan {
  return { serviceCpus: '', loadCpus: formatCpuList([...allowed].sort((a, b) => a - b)) };
}
