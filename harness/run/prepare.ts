/**
 * What `run` does before measuring: builds every service (and times the builds the claims check
 * when this machine has not recorded them), builds the references started for the equivalence
 * check only, checks the services against the built-in contract, preflights the remote targets'
 * Prometheus, and runs the micro-benchmarks the claims refer to. A service that fails any of it
 * is recorded in the results and left out; the run goes on with the others. I/O.
 */
import { buildService, timeBuilds } from '../build/build.js';
import { hasBuildTiming, neededBuildTimings, type BuildTimingKind } from '../claims/build-timings.js';
import type { ResolvedClaims } from '../config/claims.js';
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import type { ResultsDocument } from '../results/document.js';
import { metricKind } from '../stats/metrics.js';
import { CONTRACT_ORACLE } from '../suite/contract.js';
import { verifyServices, workloadsOf } from '../verify/verify.js';
import { planCpus } from './cpus.js';
import { runMicrobenchmark } from './microbench.js';
import type { Progress } from './progress.js';
import { preflightTargets, type RemoteTargets } from './remote-targets.js';

/** What `prepareServices` needs of the run's options. */
export interface PrepareOptions {
  readonly scenarios: readonly ResolvedScenario[];
  readonly services: readonly ResolvedManifest[];
  readonly claims: ResolvedClaims | undefined;
  readonly verifyFirst: boolean;
  readonly verifyRandomPerEndpoint?: number | undefined;
  readonly timeBuildsForClaims?: boolean | undefined;
  readonly checkOnly?: readonly ResolvedManifest[] | undefined;
}

/** The services ready to measure, and what the claims must be told. */
export interface Prepared {
  /** Built (or remote), conforming, preflighted: the services the scenarios measure. */
  readonly usable: ResolvedManifest[];
  /** References started for the equivalence check only, built. */
  readonly checkers: ResolvedManifest[];
  /** Build times the claims check that were left unmeasured on purpose (--quick without --timings). */
  readonly untimed: ReadonlyMap<string, ReadonlySet<BuildTimingKind>>;
  /** Prometheus clients of the remote targets that passed the preflight. */
  readonly remote: RemoteTargets;
}

/** The services of `selected` that a scenario runs, in the scenario's order when it names them. */
export function servicesFor(scenario: ResolvedScenario, selected: readonly ResolvedManifest[]): ResolvedManifest[] {
  const implementing = selected.filter((manifest) => manifest.implements.includes(scenario.workload));
  if (scenario.services === undefined) return implementing;
  return scenario.services.flatMap((name) => implementing.filter((manifest) => manifest.name === name));
}

/**
 * Builds, checks and preflights the services, recording builds, failures and micro-benchmarks in
 * `document`.
 * @param machine the CPUs this process may use and /proc/interrupts (micro-benchmarks are pinned like a service)
 */
export async function prepareServices(options: PrepareOptions, document: ResultsDocument, progress: Progress, machine: { readonly allowed: readonly number[]; readonly interrupts: string | undefined }): Promise<Prepared> {
  const usable: ResolvedManifest[] = [];
  const timings = neededBuildTimings(options.claims);
  const untimed = new Map<string, Set<BuildTimingKind>>();
  for (const manifest of options.services) {
    if (manifest.target !== undefined) {
      // Never built, started or stopped: the harness only sends it requests.
      progress.log(`${manifest.name}: remote target ${manifest.target.url} (not built or started here; CPU and memory ${manifest.target.metrics === undefined ? 'not measured: no `target.metrics`' : `from Prometheus at ${manifest.target.metrics.prometheusUrl}`})`);
      usable.push(manifest);
      document.services[manifest.name] = { language: manifest.language, description: manifest.description, runtime: undefined };
      continue;
    }
    let build = await buildService(manifest, { log: (line) => progress.log(line) });
    const wanted = timings.get(manifest.name);
    if (build.state !== 'failed' && build.state !== 'skipped' && wanted !== undefined && options.timeBuildsForClaims === false) {
      const missing = [...wanted].filter((kind) => !hasBuildTiming(build, kind));
      if (missing.length > 0) {
        untimed.set(manifest.name, new Set(missing));
        progress.log(`not timing the ${missing.join(' and ')} build of ${manifest.name} that the claims check: build times are not measured under --quick without --timings (those checks come out "not measured")`);
      }
    } else if (build.state !== 'failed' && build.state !== 'skipped' && wanted !== undefined) {
      // A claim needs a build time this machine has not measured yet: measure it now.
      if (wanted.has('clean') && build.lastClean === undefined) {
        progress.log(`timing a clean build of ${manifest.name} for the claims`);
        build = await timeBuilds(manifest, (line) => progress.log(line));
      } else if (wanted.has('incremental') && build.lastIncremental === undefined) {
        progress.log(`timing an incremental build of ${manifest.name} for the claims`);
        build = await buildService(manifest, { touchIncremental: true, log: (line) => progress.log(line) });
      }
    }
    document.builds.push(build);
    if (build.state === 'failed' || build.state === 'skipped') {
      const message = build.state === 'failed' ? `${build.reason}\n${build.logTail}` : build.reason;
      document.failures.push({ scenario: undefined, service: manifest.name, message });
      progress.log(`skipping ${manifest.name}: ${message}`);
      continue;
    }
    usable.push(manifest);
    document.services[manifest.name] = { language: manifest.language, description: manifest.description, runtime: undefined };
  }
  // References started for the equivalence check only: built (when needed), never measured.
  const checkers: ResolvedManifest[] = [];
  for (const manifest of options.verifyFirst ? (options.checkOnly ?? []) : []) {
    const build = manifest.target === undefined ? await buildService(manifest, { log: (line) => progress.log(line) }) : undefined;
    if (build !== undefined && (build.state === 'failed' || build.state === 'skipped')) {
      document.failures.push({ scenario: undefined, service: manifest.name, message: `the reference ${manifest.name} (started for the equivalence check only) could not be built: ${build.state === 'failed' ? `${build.reason}\n${build.logTail}` : build.reason}` });
      continue;
    }
    checkers.push(manifest);
  }
  if (options.verifyFirst && usable.length > 0) {
    const checked = usable.filter((manifest) => workloadsOf(manifest, CONTRACT_ORACLE).length > 0);
    if (checked.length > 0) progress.log(`verifying ${checked.map((manifest) => manifest.name).join(', ')} against ${CONTRACT_ORACLE.name}`);
    const verdicts = await verifyServices({ services: usable, oracle: CONTRACT_ORACLE, randomPerEndpoint: options.verifyRandomPerEndpoint ?? 50, seed: 4243, log: () => {} });
    for (const verdict of verdicts) {
      if (verdict.state !== 'fail') continue;
      // A service that does not do the same work as the others is not measured.
      usable.splice(usable.findIndex((manifest) => manifest.name === verdict.service), 1);
      document.failures.push({ scenario: undefined, service: verdict.service, kind: 'non-conforming', message: `does not conform to ${CONTRACT_ORACLE.name}, not measured:\n${verdict.failures.slice(0, 5).join('\n')}` });
      progress.log(`not measuring ${verdict.service}: ${verdict.failures[0] ?? ''}`);
    }
  }
  const remote = await preflightTargets(usable, options.scenarios.filter((scenario) => servicesFor(scenario, usable).some((manifest) => manifest.target !== undefined)), servicesFor, (line) => progress.log(line));
  for (const failure of remote.failures) {
    usable.splice(usable.findIndex((manifest) => manifest.name === failure.service), 1);
    document.failures.push({ scenario: undefined, service: failure.service, message: failure.message });
    progress.log(`not measuring ${failure.service}: ${failure.message}`);
  }
  await runMicrobenchmarks(usable, options.claims, machine, document, progress);
  return { usable, checkers, untimed, remote };
}

/** The micro-benchmarks the claims refer to, each pinned to the service CPU of a default plan; a failure is recorded, the run goes on. */
async function runMicrobenchmarks(services: readonly ResolvedManifest[], claims: ResolvedClaims | undefined, machine: { readonly allowed: readonly number[]; readonly interrupts: string | undefined }, document: ResultsDocument, progress: Progress): Promise<void> {
  const wanted = new Set((claims?.claims ?? []).flatMap((claim) => claim.checks.flatMap((check) => check.terms.filter((term) => metricKind(term.metric) === undefined).map((term) => term.service))));
  for (const manifest of services) {
    if (manifest.microbenchmark === undefined || !wanted.has(manifest.name)) continue;
    progress.log(`micro-benchmark of ${manifest.name}: ${manifest.microbenchmark.command.join(' ')}`);
    try {
      document.microbenchmarks.push(await runMicrobenchmark(manifest, planCpus(machine.allowed, 1, machine.interrupts).serviceCpus));
    } catch (error) {
      document.failures.push({ scenario: undefined, service: manifest.name, message: messageOf(error) });
      progress.log(messageOf(error));
    }
  }
}
