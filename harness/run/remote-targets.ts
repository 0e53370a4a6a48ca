/**
 * Before any load: every remote target with `metrics:` gets its Prometheus client and a
 * preflight (Prometheus answers with the credentials given, the selector has live series, the
 * scrape interval is known, each query returns one series now), and every scenario that runs it
 * must measure a window of at least 4 scrape intervals. I/O (Prometheus' HTTP API).
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { ConfigError, messageOf } from '../errors.js';
import { preflightRemote, type RemotePreflight } from '../remote/measure.js';
import { createPrometheusClient, type PrometheusClient } from '../remote/prometheus.js';

/** The remote targets that passed, and those that did not (not measured; the run exits 3). */
export interface RemoteTargets {
  readonly clients: ReadonlyMap<string, PrometheusClient>;
  readonly preflights: ReadonlyMap<string, RemotePreflight>;
  readonly failures: ReadonlyArray<{ readonly service: string; readonly message: string }>;
}

/**
 * Checks the remote targets among `services` that have `metrics:`.
 * @param scenarios the scenarios about to run (their windows are checked against each target's scrape interval)
 * @param servicesOf which of the services a scenario runs
 * @throws ConfigError when Prometheus rejects a query or the credentials, or when a scenario's
 *   window is shorter than 4 of a target's scrape intervals (nothing has been measured yet)
 */
export async function preflightTargets(
  services: readonly ResolvedManifest[],
  scenarios: readonly ResolvedScenario[],
  servicesOf: (scenario: ResolvedScenario, services: readonly ResolvedManifest[]) => readonly ResolvedManifest[],
  log: (line: string) => void,
): Promise<RemoteTargets> {
  const clients = new Map<string, PrometheusClient>();
  const preflights = new Map<string, RemotePreflight>();
  const failures: Array<{ service: string; message: string }> = [];
  const tooShort: string[] = [];
  for (const manifest of services) {
    const metrics = manifest.target?.metrics;
    if (metrics === undefined) continue;
    // Credentials come from the environment only (metrics.auth names the variables); never printed.
    const client = createPrometheusClient({ baseUrl: metrics.prometheusUrl, auth: metrics.auth, timeoutMs: metrics.timeoutMs });
    let preflight: RemotePreflight;
    try {
      preflight = await preflightRemote(metrics, client);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`Remote target ${manifest.name} (${manifest.file}): ${error.message}`);
      failures.push({ service: manifest.name, message: `its Prometheus preflight failed: ${messageOf(error)}` });
      continue;
    }
    for (const warning of preflight.warnings) log(`${manifest.name}: ${warning.message}`);
    log(
      `${manifest.name}: Prometheus at ${metrics.prometheusUrl} (${metrics.source}) scrapes it every ${preflight.scrapeIntervalSeconds} s (${preflight.scrapeIntervalFrom === 'config' ? 'as configured' : 'measured'})${preflight.seriesCount === undefined ? '' : `, ${preflight.seriesCount} series`}; windows need ≥ ${preflight.minimumWindowSeconds} s`,
    );
    for (const scenario of scenarios) {
      if (!servicesOf(scenario, [manifest]).includes(manifest)) continue;
      if (scenario.durationSeconds < preflight.minimumWindowSeconds) {
        tooShort.push(`scenario \`${scenario.name}\` measures ${scenario.durationSeconds} s windows, but ${manifest.name}'s Prometheus scrapes every ${preflight.scrapeIntervalSeconds} s: a window needs ≥ 4 scrapes (${preflight.minimumWindowSeconds} s) for its mean cores to rest on more than a couple of samples`);
      }
    }
    clients.set(manifest.name, client);
    preflights.set(manifest.name, preflight);
  }
  if (tooShort.length > 0) {
    throw new ConfigError(`${tooShort.join('; ')}. Set \`durationSeconds\` to at least that in the scenario (or a \`quick:\` override), or scrape the target more often.`);
  }
  return { clients, preflights, failures };
}
