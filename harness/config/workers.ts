/**
 * `load.workers` of a scenario: where the load comes from when one machine is not enough. Today
 * one platform, Kubernetes: the load runs as an Indexed Job of `parallelism` pods, each the native
 * engine on `cpus` CPUs taking its slice of one global schedule (harness/kube/, load/workers/).
 * Schema and the checks that span fields; pure.
 */
import { z } from 'zod';

/** A Kubernetes namespace name: an RFC 1123 label. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters starting and ending alphanumeric. */
const LABEL_VALUE = /^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/** The image the pods run when the scenario names none: it has sh, gzip, GNU date and the glibc the engine is linked against. */
export const DEFAULT_WORKER_IMAGE = 'debian:bookworm-slim';

export const kubernetesWorkersSchema = z.strictObject({
  /** Where the ConfigMap and the Job are created (it must exist; the harness's identity needs the Role in README "Beyond one machine"). */
  namespace: z.string().regex(NAMESPACE),
  /** Pods of the Indexed Job (completions = parallelism): each runs one engine taking 1/parallelism of the schedule. */
  parallelism: z.number().int().min(1).max(100),
  /** CPUs each pod requests and is limited to (Guaranteed QoS); the engine runs one thread per CPU. */
  cpus: z.number().int().min(1).max(64),
  /** The image that unpacks and runs the engine (it needs `sh`, `gzip`, `date +%N` and a glibc at least as new as the engine's build machine's). */
  image: z.string().min(1).default(DEFAULT_WORKER_IMAGE),
  /** Added to the pods' node selector (beside `kubernetes.io/os: linux` and the engine's `kubernetes.io/arch`). */
  nodeSelector: z.record(z.string().regex(LABEL_KEY), z.string().regex(LABEL_VALUE)).optional(),
  /** A kubeconfig file (relative to the scenario file); default: KUBECONFIG, else ~/.kube/config, else the in-cluster service account. */
  kubeconfig: z.string().min(1).optional(),
  /** How long every pod may take to be scheduled, pull its image and answer (a pod not ready by then makes the run invalid, named). */
  readyTimeoutSeconds: z.number().positive().max(1800).default(180),
});

export const workersSchema = z.strictObject({ kubernetes: kubernetesWorkersSchema });

/** A validated `load.workers.kubernetes`; `kubeconfig` is an absolute path once resolved. */
export type ResolvedKubernetesWorkers = Readonly<z.output<typeof kubernetesWorkersSchema>>;
export type ResolvedWorkers = Readonly<{ kubernetes: ResolvedKubernetesWorkers }>;

/** Defaults for `run --workers kubernetes` on a scenario without a `load.workers` block. */
export const DEFAULT_KUBERNETES_WORKERS: ResolvedKubernetesWorkers = Object.freeze({ namespace: 'default', parallelism: 2, cpus: 1, image: DEFAULT_WORKER_IMAGE, readyTimeoutSeconds: 180 });

/**
 * What a scenario with workers must also satisfy, as house messages (empty when it does): the
 * native engine (the Node engines do not run in the pods), and a connection for every engine
 * thread of every pod (connections are split across workers and threads).
 */
export function workersProblems(file: string, load: { readonly engine?: string | undefined; readonly connections: number; readonly workers?: ResolvedWorkers | undefined; readonly capacityFractions?: readonly number[] | undefined }): string[] {
  const kubernetes = load.workers?.kubernetes;
  if (kubernetes === undefined) return [];
  const problems: string[] = [];
  if (load.engine !== undefined && load.engine !== 'native') {
    problems.push(`Expected \`load.engine\` in ${file} to be \`native\` with \`load.workers\` (the pods run the native engine), got \`${load.engine}\`. Remove \`load.engine\` or \`load.workers\`.`);
  }
  if (load.capacityFractions !== undefined) {
    problems.push(`Expected \`load.ratesPerSecond\` in ${file} with \`load.workers\`, got \`capacityFractions\`: the capacity probe runs from this machine, not from the workers. Give absolute rates.`);
  }
  const threads = kubernetes.parallelism * kubernetes.cpus;
  if (load.connections < threads) {
    problems.push(
      `Expected \`load.connections\` in ${file} to be at least ${threads} (\`load.workers.kubernetes.parallelism\` ${kubernetes.parallelism} × \`cpus\` ${kubernetes.cpus}: every engine thread of every pod needs a connection of its own), got \`${load.connections}\` (number). Raise \`load.connections\` or lower the workers.`,
    );
  }
  return problems;
}

/**
 * Why a scenario with workers cannot run these services, or undefined: pods reach only a service
 * with a `target:` URL (a service the harness starts listens on this machine's loopback).
 */
export function workersTargetProblem(scenario: { readonly name: string; readonly file: string; readonly load: { readonly workers?: ResolvedWorkers | undefined } }, running: ReadonlyArray<{ readonly name: string; readonly target?: unknown }>): string | undefined {
  if (scenario.load.workers === undefined) return undefined;
  const local = running.filter((manifest) => manifest.target === undefined).map((manifest) => manifest.name);
  if (local.length === 0) return undefined;
  return `Scenario \`${scenario.name}\` (${scenario.file}) sends its load from Kubernetes workers (\`load.workers\`), which cannot reach ${local.join(', ')}: the harness starts ${local.length === 1 ? 'it' : 'them'} on this machine's loopback. Give ${local.length === 1 ? 'it' : 'each'} a \`target: {url: …}\` the pods can reach (a Service's DNS name), or run without \`load.workers\` (\`--workers none\`).`;
}

/**
 * `run --workers kubernetes|none` over the scenarios: `kubernetes` gives every scenario without a
 * `load.workers` block the defaults (DEFAULT_KUBERNETES_WORKERS); `none` drops the blocks (the load
 * runs from this machine). Checked like a scenario's own block.
 * @throws Error with a house message for an unknown value or a scenario the defaults do not fit
 */
export function applyWorkersOption<Scenario extends { readonly file: string; readonly load: { readonly engine?: string | undefined; readonly connections: number; readonly workers?: ResolvedWorkers | undefined; readonly capacityFractions?: readonly number[] | undefined } }>(scenarios: readonly Scenario[], option: string | undefined): Scenario[] {
  if (option === undefined) return [...scenarios];
  if (option !== 'kubernetes' && option !== 'none') throw new Error(`Expected --workers to be \`kubernetes\` or \`none\`, got \`${option}\`.`);
  return scenarios.map((scenario) => {
    if (option === 'none') {
      const { workers: _workers, ...load } = scenario.load;
      return Object.freeze({ ...scenario, load });
    }
    if (scenario.load.workers !== undefined) return scenario;
    const load = { ...scenario.load, workers: { kubernetes: DEFAULT_KUBERNETES_WORKERS } };
    const [problem] = workersProblems(`${scenario.file} (with --workers kubernetes: ${DEFAULT_KUBERNETES_WORKERS.parallelism} pods × ${DEFAULT_KUBERNETES_WORKERS.cpus} CPU in namespace ${DEFAULT_KUBERNETES_WORKERS.namespace})`, load);
    if (problem !== undefined) throw new Error(problem);
    return Object.freeze({ ...scenario, load });
  });
}
