/**
 * A remote target measured through a real Prometheus: the Go service is started by this test
 * (not by the harness) on 127.0.0.1, grouped by a process-exporter and scraped every second by a
 * Prometheus (harness/bench/prometheus-stack.ts). A project of its own names it as
 * `target: {url, metrics}`; `rewrite-bench run` there never starts it, drives it, and reads its
 * CPU and memory over each run's window from Prometheus. Meanwhile the test reads the same
 * process's /proc every 100 ms: Prometheus' cores and PSS must agree with /proc's over each run's
 * window within the tolerance of tests/integration/prometheus.test.ts (cores within
 * max(0.05, 10 %), memory within 10 %; `npm run bench:prometheus` prints the measured figures).
 *
 * Then two harness processes drive the target at once (as two load hosts would), and `report`
 * merges their results: each run labelled with its source, the overlapping windows combined
 * (throughput summed, histograms merged), the overlap stated.
 *
 * Needs prometheus and process-exporter (npm test's set-up builds them: `npm run test:tools`). About 90 s.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheusStack, findStackBinaries, type PrometheusStack } from '../../harness/bench/prometheus-stack.js';
import { findFreePort } from '../../harness/process/ports.js';
import { TreeSampler } from '../../harness/process/sampler.js';
import type { ResultsDocument, RunRecord } from '../../harness/results/document.js';
import { CLI, ROOT } from './helpers.js';
import { combineLoadHosts } from '../../harness/report/load-hosts.js';

let stack: PrometheusStack | undefined;
let project = '';
let port: number;

/** /proc of the target every 100 ms: epoch ms, CPU ticks, PSS every 5th reading. */
interface ProcSample {
  readonly epochMs: number;
  readonly cpuTicks: number;
  readonly pssBytes: number | undefined;
}
let samples: ProcSample[] = [];
let sampling: NodeJS.Timeout | undefined;

beforeAll(async () => {
  await findStackBinaries();
  port = await findFreePort();
  stack = await startPrometheusStack({ target: { executable: path.join(ROOT, 'services/go/bin/server'), env: { HOST: '127.0.0.1', PORT: String(port), WORKERS: '1', LIVE_HEAP_OBJECTS: '1000', PATH: process.env.PATH ?? '' } } });
  project = await mkdtemp(path.join(os.tmpdir(), 'rb-remote-'));
  await writeFile(path.join(project, 'rewrite-bench.yaml'), 'services: [services]\nscenarios: scenarios\nout: runs\n');
  await mkdir(path.join(project, 'services/go-remote'), { recursive: true });
  await writeFile(
    path.join(project, 'services/go-remote/service.yaml'),
    `name: go-remote
language: go
description: the built-in Go service, started by the test, not by the harness
implements: [json]
target:
  url: http://127.0.0.1:${port}
  cpus: 2
  metrics:
    prometheus: ${stack.prometheusUrl}
    preset: process-exporter
    groupname: ${stack.groupname}
`,
  );
  await mkdir(path.join(project, 'scenarios'));
  await writeFile(
    path.join(project, 'scenarios/remote-json.yaml'),
    'name: remote-json\ndescription: /json at a fixed rate against the remote target\nworkload: json\nrequests: [{path: /json}]\nload: {model: open, connections: 8, ratesPerSecond: [400]}\nwarmupSeconds: 1\ndurationSeconds: 6\nrepetitions: 2\n',
  );
  // Two load hosts at once (both on this machine, as two harness processes): one short run each.
  await writeFile(
    path.join(project, 'scenarios/_hosts.yaml'),
    'name: remote-hosts\ndescription: /json at a fixed rate from two load hosts at once\nworkload: json\nrequests: [{path: /json}]\nload: {model: open, connections: 8, ratesPerSecond: [300]}\nwarmupSeconds: 1\ndurationSeconds: 5\nrepetitions: 1\n',
  );
  const sampler = new TreeSampler(stack.burnerPid);
  let count = 0;
  sampling = setInterval(() => {
    void (async () => {
      const reading = await sampler.read();
      const pssBytes = count % 5 === 0 ? (await sampler.memory()).pssBytes : undefined;
      count += 1;
      samples.push({ epochMs: performance.timeOrigin + reading.atMs, cpuTicks: reading.cpuTicks, pssBytes });
    })();
  }, 100);
}, 90_000);

afterAll(async () => {
  clearInterval(sampling);
  await stack?.stop();
  if (project !== '') await rm(project, { recursive: true, force: true });
});

async function inProject(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(process.execPath, [CLI, ...args], { cwd: project, reject: false, env: { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Cumulative CPU ticks at `epochMs`, interpolated between the two /proc readings around it. */
function ticksAt(epochMs: number): number {
  const after = samples.findIndex((sample) => sample.epochMs >= epochMs);
  if (after <= 0) throw new Error(`no /proc reading around ${new Date(epochMs).toISOString()}`);
  const [a, b] = [samples[after - 1]!, samples[after]!];
  return a.cpuTicks + ((b.cpuTicks - a.cpuTicks) * (epochMs - a.epochMs)) / (b.epochMs - a.epochMs);
}

/** /proc's cores and peak PSS over a run's Prometheus window. */
function procOver(run: RunRecord): { cpuCores: number; peakPssBytes: number } {
  const { startEpochSeconds, endEpochSeconds } = run.measured.prometheus!;
  const [startMs, endMs] = [startEpochSeconds * 1000, endEpochSeconds * 1000];
  const cpuCores = (ticksAt(endMs) - ticksAt(startMs)) / 100 / ((endMs - startMs) / 1000);
  const pss = samples.filter((sample) => sample.epochMs >= startMs && sample.epochMs <= endMs && sample.pssBytes !== undefined).map((sample) => sample.pssBytes!);
  return { cpuCores, peakPssBytes: Math.max(...pss) };
}

describe('a remote target measured through Prometheus', () => {
  it('is driven but never started; its cores and PSS come from Prometheus and agree with /proc over each window', async () => {
    const { exitCode, stdout, stderr } = await inProject(['run']);
    const [folder] = (await readdir(path.join(project, 'runs'))).sort().reverse();
    const document = JSON.parse(await readFile(path.join(project, 'runs', folder!, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.failures, stderr).toEqual([]);
    expect(stderr).toContain(`go-remote: remote target http://127.0.0.1:${port}`);
    expect(document.builds).toEqual([]);
    expect(document.runs).toHaveLength(2);
    for (const run of document.runs) {
      const { measured } = run;
      expect(measured).toMatchObject({ measuredBy: 'prometheus', targetUrl: `http://127.0.0.1:${port}`, cpus: 2 });
      expect([measured.pid, measured.startupMs, measured.idlePssBytes]).toEqual([undefined, undefined, undefined]);
      const prometheus = measured.prometheus!;
      expect(prometheus).toMatchObject({ source: 'process-exporter', prometheusUrl: stack!.prometheusUrl, memoryKind: 'pss', seriesCount: 2, scrapeIntervalFrom: 'samples' });
      expect(prometheus.queries.cpuMean).toMatch(new RegExp(`^sum\\(rate\\(namedprocess_namegroup_cpu_seconds_total\\{groupname="${stack!.groupname}"\\}\\[(\\d+m?s)+\\]\\)\\)$`));
      expect(prometheus.pointCount).toBeGreaterThanOrEqual(10);
      expect(prometheus.endEpochSeconds - prometheus.startEpochSeconds).toBeCloseTo(6, 0);
      expect(measured.series.length).toBe(prometheus.pointCount);
      const proc = procOver(run);
      expect(proc.cpuCores, `run ${run.id}`).toBeGreaterThan(0.01);
      expect(Math.abs(measured.cpuCores! - proc.cpuCores), `${run.id}: Prometheus ${measured.cpuCores} vs /proc ${proc.cpuCores} cores`).toBeLessThanOrEqual(Math.max(0.05, 0.1 * proc.cpuCores));
      expect(Math.abs(measured.peakPssBytes! / proc.peakPssBytes - 1), `${run.id}: Prometheus ${measured.peakPssBytes} vs /proc ${proc.peakPssBytes} B`).toBeLessThanOrEqual(0.1);
      // Cores × the window they were averaged over (Prometheus's query window) ÷ requests answered.
      expect(measured.cpuUsPerRequest! / ((measured.cpuCores! * (prometheus.endEpochSeconds - prometheus.startEpochSeconds) * 1e6) / run.load.counts.expectedStatus)).toBeCloseTo(1, 3);
      expect(run.load.achievedRps).toBeGreaterThan(300);
    }
    // The terminal summary says where the figures were measured.
    expect(stdout).toContain('Prometheus');
    expect(exitCode, stderr).toBe(0);
    // Still running: the harness never stopped it.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('merges the runs of two load hosts that drove it at once: labelled per host, throughput summed over the overlap, histograms added', async () => {
    const scenario = path.join(project, 'scenarios/_hosts.yaml');
    const [a, b] = await Promise.all([inProject(['run', scenario, '--out', 'runs/host-a']), inProject(['run', scenario, '--out', 'runs/host-b'])]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    const read = async (name: string): Promise<ResultsDocument> => JSON.parse(await readFile(path.join(project, 'runs', name, 'results.json'), 'utf8')) as ResultsDocument;
    const [first, second] = [await read('host-a'), await read('host-b')];
    const combined = combineLoadHosts([
      { label: 'a', runs: first.runs },
      { label: 'b', runs: second.runs },
    ]);
    expect(combined).toHaveLength(1);
    const [entry] = combined;
    expect(entry!.hosts.map((host) => host.source)).toEqual(expect.arrayContaining(['a', 'b']));
    expect(entry!.overlapShare).toBeGreaterThan(0.5);
    const [runA, runB] = [first.runs[0]!, second.runs[0]!];
    expect(entry!.latencyUs!.count).toBe(runA.load.latencyUs!.count + runB.load.latencyUs!.count);
    expect(entry!.latencyUs!.maxUs).toBe(Math.max(runA.load.latencyUs!.maxUs, runB.load.latencyUs!.maxUs));
    // Each host offered 300 req/s over the whole overlap.
    expect(entry!.combinedRps).toBeGreaterThan(0.9 * 600);
    expect(entry!.combinedRps).toBeLessThan(1.1 * 600);
    const report = await inProject(['report', 'runs/host-a/results.json', 'runs/host-b/results.json', '--out', 'merged']);
    expect(report.exitCode, report.stderr).toBe(0);
    const markdown = await readFile(path.join(project, 'merged/summary.md'), 'utf8');
    expect(markdown).toContain('### Several load hosts started separately');
    // Hosts are listed by window start, which either process may win.
    expect(markdown).toMatch(/\| remote-hosts \| go-remote \| 0 \| (?=[^\n]*\(host-a\): [\d,]+ req\/s, target [\d.]+ cores)(?=[^\n]*\(host-b\): [\d,]+ req\/s, target [\d.]+ cores)/);
    expect(markdown).toMatch(/of the span of the windows\) \| [\d,]+ req\/s \| p50 /);
    const html = await readFile(path.join(project, 'merged/index.html'), 'utf8');
    expect(html).toContain('<h2>Remote targets and load hosts</h2>');
  });
});
