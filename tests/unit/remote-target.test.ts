/**
 * Remote targets in the pure core: the manifest's `target:` (exactly one of start and target;
 * nothing of building or starting beside a target), validity when a target's cores or CPUs are
 * unknown, results.json read back with remote runs and without claims, the combination of
 * several load hosts' runs, and the report's section. Literal values throughout.
 */
import { describe, expect, it } from 'vitest';
import { resolveManifest } from '../../harness/config/manifest.js';
import { ConfigError } from '../../harness/errors.js';
import { LatencyRecorder } from '../../harness/load/recorder.js';
import type { LoadOutcome } from '../../harness/load/outcome.js';
import { combineLoadHosts } from '../../harness/report/load-hosts.js';
import { renderRemoteMarkdown } from '../../harness/report/remote.js';
import { labelSources } from '../../harness/report/sources.js';
import type { PrometheusRecord, RunRecord } from '../../harness/results/document.js';
import { resultsSchema } from '../../harness/results/schema.js';
import { judgeRun, type ValidityInput } from '../../harness/run/validity.js';
import { loadFixture } from '../fixtures/report/documents.js';

const FILE = '/repo/services/api/service.yaml';
const remote = { name: 'api', language: 'rust', description: 'the rewrite in its namespace', implements: ['quote'], target: { url: 'http://api.shop.svc:8080' } };
const message = (data: unknown): string => {
  try {
    resolveManifest(data, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('a remote target in the manifest', () => {
  it('is a service with `target` instead of `start`, its metrics validated into queries', () => {
    const manifest = resolveManifest({ ...remote, target: { ...remote.target, cpus: 2, metrics: { prometheus: 'http://prometheus.monitoring:9090', preset: 'cadvisor', namespace: 'shop', pod: 'api-.*' } } }, FILE);
    expect(manifest.start).toBeUndefined();
    expect(manifest.target!.url).toBe('http://api.shop.svc:8080');
    expect(manifest.target!.cpus).toBe(2);
    expect(manifest.target!.metrics!.source).toBe('cadvisor');
    expect(manifest.target!.metrics!.templates.memory).toContain('container_memory_working_set_bytes');
    expect(resolveManifest(remote, FILE).target!.metrics).toBeUndefined();
  });
  it('needs one of `start` and `target`', () => {
    expect(message({ name: 'api', language: 'rust', description: 'd' })).toContain('give `start` (the command that starts the service) or `target: {url: …}`');
  });
  it('refuses what builds or starts a service beside a target, naming each field', () => {
    const text = message({ ...remote, start: ['./server'], build: [['cargo', 'build']], env: { A: '1' } });
    for (const key of ['start', 'build', 'env']) expect(text).toContain(`\`${key}\` does not apply to a remote \`target\``);
  });
  it('takes only a base URL: no path, query or credentials', () => {
    for (const url of ['http://api:8080/v1', 'http://user:pw@api:8080', 'ftp://api', 'api:8080']) {
      expect(message({ ...remote, target: { url } })).toContain("expected the service's base URL, http://host:port with no path, query or credentials");
    }
  });
  it('takes names and https, with `tls.caFile` for https only', () => {
    const manifest = resolveManifest({ ...remote, target: { url: 'https://api-rust.shop.svc.cluster.local:8443', tls: { caFile: 'cluster-ca.pem' } } }, FILE);
    expect(manifest.target!.tls).toEqual({ caFile: 'cluster-ca.pem' });
    expect(message({ ...remote, target: { url: 'http://api:8080', tls: { caFile: 'ca.pem' } } })).toContain('`target.tls` applies to an https:// `target.url` only');
    expect(message({ ...remote, target: { url: 'https://api:8443', tls: { ca: 'ca.pem' } } })).toContain('Unknown key `ca` in /repo/services/api/service.yaml under `target.tls`');
  });
  it('names a wrong field of `target.metrics` (a preset without what it needs)', () => {
    expect(message({ ...remote, target: { url: 'http://api:8080', metrics: { prometheus: 'http://p:9090', preset: 'cadvisor' } } })).toContain('the `cadvisor` preset needs the Kubernetes `namespace`');
  });
});

const counts = { responses: 3000, expectedStatus: 3000, non2xx: 0, unexpectedStatus: 0, errors: 0, timeouts: 0, mismatches: 0, verified: 60, dropped: 0, statusCounts: { '200': 3000 } };
const latency = { count: 3000, minUs: 400, meanUs: 900, p50Us: 800, p90Us: 1200, p99Us: 2500, p999Us: 4000, maxUs: 6000 };
const closed: LoadOutcome = {
  method: 'native',
  engine: { name: 'native', version: '0.1.0' },
  threads: 2,
  model: 'closed',
  connections: 32,
  offeredRps: undefined,
  plannedInWindow: undefined,
  windowSeconds: 10,
  counts,
  achievedRps: 300,
  latencyUs: latency,
  latencyHistogram: undefined,
  uncorrectedLatencyUs: undefined,
  perSecond: [],
  sendLagP90Us: undefined,
  sendLagP99Us: undefined,
  connectionWaits: undefined,
  connectionWaitP99Us: undefined,
  eventLoopDelayP99Us: undefined,
  firstError: undefined,
};
const input: ValidityInput = { load: closed, serviceDied: undefined, serviceCpuCores: 0.9, serviceCpus: undefined, generatorCpuCores: 1.9, loadCpus: 2, upstreamCpuCores: undefined, stealShare: 0, serviceOtherLoadShare: undefined, loadOtherLoadShare: 0 };

describe('validity of a remote target', () => {
  it('cannot show a target saturated without its CPUs: a busy load side makes the run engine-bound, a lower bound', () => {
    const validity = judgeRun(input);
    expect(validity.bottleneck).toBe('load-engine');
    expect(validity.lowerBoundRps).toBe(300);
    expect(validity.reasons[0]!.text).toContain('0.90 cores (its CPU limit unknown: set `target.cpus`), so it cannot be shown saturated');
  });
  it('with `target.cpus` a target at its CPUs is the bottleneck, and the run is valid', () => {
    expect(judgeRun({ ...input, serviceCpus: 1 })).toMatchObject({ valid: true, bottleneck: 'service' });
  });
  it('keeps a run whose Prometheus failed, invalid, with the reason', () => {
    const validity = judgeRun({ ...input, serviceCpuCores: undefined, generatorCpuCores: 0.5, metricsProblem: 'Prometheus at http://p:9090 has no live series for `x`' });
    expect(validity.valid).toBe(false);
    expect(validity.reasons.map((reason) => reason.code)).toEqual(['metrics-missing']);
    expect(validity.reasons[0]!.text).toContain('has no live series for `x`');
  });
});

const PROMETHEUS: PrometheusRecord = {
  source: 'process-exporter',
  prometheusUrl: 'http://127.0.0.1:9090',
  startEpochSeconds: 1_764_590_000,
  endEpochSeconds: 1_764_590_010,
  queries: { cpuMean: 'sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[10s]))', cpuSeries: 'sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[4s]))', memory: 'sum(namedprocess_namegroup_memory_bytes{groupname="api",memtype="proportionalResident"})', rss: undefined },
  memoryKind: 'pss',
  stepSeconds: 0.5,
  rateWindowSeconds: 4,
  scrapeIntervalSeconds: 1,
  scrapeIntervalFrom: 'samples',
  seriesCount: 2,
  pointCount: 21,
  clockOffsetSeconds: 0.01,
  waitedMs: 1200,
  warnings: [],
};

/** A histogram of `values` µs, encoded as the engines encode it. */
function histogram(values: readonly number[]): string {
  const recorder = new LatencyRecorder(0);
  for (const value of values) recorder.record(value, 0);
  return recorder.encoded();
}

/** A remote run of `scenario` against api with its window [startMs, startMs + 10 s] and 300 answers a second. */
function remoteRun(id: string, startMs: number, values: readonly number[]): RunRecord {
  const fixture = loadFixture().runs[0]!;
  return {
    ...fixture,
    id,
    scenario: 'quote',
    service: 'api',
    rateIndex: 0,
    windowEpochMs: { start: startMs, end: startMs + 10_000 },
    validity: { valid: true, reasons: [], warnings: [], bottleneck: 'neither', lowerBoundRps: undefined },
    load: { ...closed, achievedRps: 300, latencyUs: { ...latency, count: values.length }, latencyHistogram: histogram(values), perSecond: Array.from({ length: 10 }, (_, second) => ({ second, count: 300, p50Us: 800, p99Us: 2500, maxUs: 6000 })) },
    measured: { ...fixture.measured, measuredBy: 'prometheus', targetUrl: 'http://api:8080', prometheus: PROMETHEUS, pid: undefined, startupMs: undefined, workers: undefined, cpus: 2, cpuCores: 0.8, idleRssBytes: undefined, idlePssBytes: undefined, series: [] },
  };
}

describe('several load hosts against one target', () => {
  const t0 = 1_764_590_000_000;
  const a = remoteRun('quote/api/rep1/rate0', t0, [500, 600, 700]);
  const b = remoteRun('quote/api/rep1/rate0', t0 + 2000, [900, 40_000]);
  it('combines overlapping windows of different sources: rates summed over the overlap, histograms added, the overlap stated', () => {
    const [combined, ...rest] = combineLoadHosts([
      { label: 'host-a', runs: [a] },
      { label: 'host-b', runs: [b] },
    ]);
    expect(rest).toEqual([]);
    expect(combined!.hosts.map((host) => host.source)).toEqual(['host-a', 'host-b']);
    expect(combined!.overlapSeconds).toBe(8);
    expect(combined!.overlapShare).toBeCloseTo(8 / 12, 10);
    // Whole seconds inside [t0 + 2 s, t0 + 10 s]: 8 of a's at 300 and all 8 of b's that end by then at 300.
    expect(combined!.combinedRps).toBe(600);
    expect(combined!.latencyUs).toMatchObject({ count: 5, minUs: 500 });
    expect(combined!.latencyUs!.maxUs).toBeGreaterThanOrEqual(39_990);
    // Started 2 s apart: each host's latency covers its whole window, not only the shared load.
    expect(combined!.startSpreadMs).toBe(2000);
    expect(combined!.reasons.map((reason) => reason.code)).toEqual(['worker-skew']);
    expect(combined!.reasons[0]!.text).toContain("the hosts' windows started 2.000 s apart by their own clocks (limit 10 ms)");
    expect(combined!.valid).toBe(false);
  });
  it('judges each separately started host as a load worker: valid only when every host kept its schedule and they started within 10 ms', () => {
    const together = remoteRun('quote/api/rep1/rate0', t0 + 8, [900, 1000]);
    expect(combineLoadHosts([{ label: 'host-a', runs: [a] }, { label: 'host-b', runs: [together] }])[0]!.valid).toBe(true);
    const behind = { ...together, load: { ...together.load, sendLagP90Us: 2500 } };
    const [judged] = combineLoadHosts([{ label: 'host-a', runs: [a] }, { label: 'host-b', runs: [behind] }]);
    expect(judged!.reasons.map((reason) => reason.text)).toEqual(['host-b sent 2,500 µs late at p90 (limit 1,000 µs): it did not keep its own schedule']);
    expect(judged!.valid).toBe(false);
  });
  it('never combines runs of one source, nor windows that do not overlap, nor local services', () => {
    const later = { ...remoteRun('quote/api/rep2/rate0', t0 + 20_000, [500]), repetition: 2 };
    expect(combineLoadHosts([{ label: 'host-a', runs: [a, later] }])).toEqual([]);
    expect(combineLoadHosts([{ label: 'host-a', runs: [a] }, { label: 'host-b', runs: [later] }])).toEqual([]);
    const local = { ...a, measured: { ...a.measured, targetUrl: undefined } };
    expect(combineLoadHosts([{ label: 'host-a', runs: [local] }, { label: 'host-b', runs: [{ ...local, windowEpochMs: b.windowEpochMs }] }])).toEqual([]);
  });
  it('writes where a target ran and how its figures were made, and the combination, in summary.md', () => {
    const fixture = loadFixture();
    const sources = labelSources([
      { file: 'a/results.json', document: { ...fixture, environment: { ...fixture.environment, hostname: 'load-1' }, runs: [a] } },
      { file: 'b/results.json', document: { ...fixture, environment: { ...fixture.environment, hostname: 'load-2' }, runs: [b] } },
    ]);
    const lines = renderRemoteMarkdown(sources, combineLoadHosts(sources.map((source) => ({ label: source.label, runs: source.document.runs })))).join('\n');
    expect(lines).toContain('**api** (load-1 (a)): remote target `http://api:8080`, not started by the harness; CPU and PSS from Prometheus at http://127.0.0.1:9090 (process-exporter), range queries over the window of each run at a 0.5 s step, scrapes every 1 s (measured), 2 raw series');
    expect(lines).toContain('`sum(rate(namedprocess_namegroup_cpu_seconds_total{groupname="api"}[10s]))`');
    expect(lines).toContain('| quote | api | 0 | load-1 (a): 300 req/s, target 0.80 cores<br>load-2 (b): 300 req/s, target 0.80 cores | 8.0 s (67 % of the span of the windows) | 600 req/s | p50 ');
  });
});

describe('results.json read back', () => {
  it('accepts a document without claims and services without a runtime (JSON drops undefined)', () => {
    const fixture = loadFixture();
    const written = JSON.parse(JSON.stringify({ ...fixture, claims: undefined, services: { go: { language: 'go', description: 'd', runtime: undefined } } }));
    expect(resultsSchema.safeParse(written).success).toBe(true);
  });
  it('accepts remote runs (no pid, no start-up, Prometheus record) and reads older runs as measured from /proc', () => {
    const fixture = loadFixture();
    const run = remoteRun('quote/api/rep1/rate0', 1_764_590_000_000, [500]);
    const parsed = resultsSchema.parse(JSON.parse(JSON.stringify({ ...fixture, runs: [run, fixture.runs[0]] })));
    expect(parsed.runs[0]!.measured).toMatchObject({ measuredBy: 'prometheus', prometheus: { seriesCount: 2, memoryKind: 'pss' } });
    expect(parsed.runs[0]!.measured.pid).toBeUndefined();
    const older = JSON.parse(JSON.stringify(fixture.runs[0]));
    delete older.measured.measuredBy;
    expect(resultsSchema.parse({ ...JSON.parse(JSON.stringify(fixture)), runs: [older] }).runs[0]!.measured.measuredBy).toBe('proc');
  });
});
