/**
 * `npm run bench:gate` — proves the CI gate (issue #5): measures, on this machine, the false-alarm
 * rate over A/A comparisons (the same build on both sides) and the detection rate of a +30 % p99
 * regression injected with the services' EXTRA_CPU_US knob, for several runs per side.
 *
 * Method: one job measures three interleaved pools of runs of the go service — A, A′ (same build)
 * and B (knob on, calibrated by a pilot so B's median p99 is about 1.3 × A's) — then draws many
 * random k-vs-k subsets from the pools and applies the gate's decision rule to each. This is the
 * resampling estimate of docs/measurement.md §5; it costs one pool of runs instead of
 * thousands of full gate jobs. Prints a Markdown table; a benchmark, never a test.
 */
import { median } from 'simple-statistics';
import { loadManifests } from '../config/services.js';
import { resolveScenario, type ResolvedScenario } from '../config/scenario.js';
import type { ResolvedManifest } from '../config/manifest.js';
import { compareRuns, DEFAULT_RULE } from '../gate/decide.js';
import { ROOT } from '../paths.js';
import { mulberry32 } from '../random.js';
import type { RunRecord } from '../results/document.js';
import { createProgress } from '../run/progress.js';
import { runSuite } from '../run/run.js';
import { allowedCpus } from '../run/environment.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const POOL = Number(process.env.GATE_BENCH_POOL ?? '16');
const TARGET = 1.3;
const SERVICE = process.env.GATE_BENCH_SERVICE ?? 'go';

async function scenario(repetitions: number): Promise<ResolvedScenario> {
  return resolveScenario(
    {
      name: 'gate-calibration',
      description: 'closed-loop /process, 4 connections: service-bound, so the generator stays light',
      workload: 'process',
      requests: [{ generator: { name: 'process', records: 200, hashRounds: 100, variants: 8 } }],
      load: { model: 'closed', connections: 4 },
      warmupSeconds: 1,
      durationSeconds: 2,
      repetitions,
      service: { env: { LIVE_HEAP_OBJECTS: '1000' } },
    },
    'gate-calibration (built in)',
    { quick: false, availableCpus: (await allowedCpus()).length },
  );
}

function variant(manifest: ResolvedManifest, name: string, extraCpuUs: number): ResolvedManifest {
  return Object.freeze({ ...manifest, name, env: { ...manifest.env, ...(extraCpuUs > 0 ? { EXTRA_CPU_US: String(extraCpuUs) } : {}) } });
}

async function measure(manifests: ResolvedManifest[], repetitions: number): Promise<Map<string, number[]>> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-gate-bench-'));
  const document = await runSuite({
    scenarios: [await scenario(repetitions)],
    services: manifests,
    projectRoot: ROOT,
    outDir,
    progress: createProgress(),
    toolVersion: 'bench',
    verifyFirst: false,
    claims: undefined,
  });
  const pools = new Map<string, number[]>();
  for (const run of document.runs as RunRecord[]) {
    if (!run.validity.valid || run.load.latencyUs === undefined) continue;
    pools.set(run.service, [...(pools.get(run.service) ?? []), run.load.latencyUs.p99Us]);
  }
  return pools;
}

function draw(pool: readonly number[], size: number, random: () => number): number[] {
  const copy = [...pool];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy.slice(0, size);
}

const base = (await loadManifests([path.join(ROOT, 'services')])).find((manifest) => manifest.name === SERVICE)!;
// Pilot: how much p99 does a fixed CPU cost add? Then scale the knob to reach +30 %.
const pilotCostUs = 200;
const pilot = await measure([variant(base, 'pilot-a', 0), variant(base, 'pilot-b', pilotCostUs)], 3);
const pilotRatio = median(pilot.get('pilot-b')!) / median(pilot.get('pilot-a')!);
const costUs = Math.max(1, Math.round((pilotCostUs * (TARGET - 1)) / Math.max(pilotRatio - 1, 0.01)));
console.error(`pilot: +${pilotCostUs} µs per request → p99 × ${pilotRatio.toFixed(2)}; using EXTRA_CPU_US=${costUs} for × ${TARGET}`);

const pools = await measure([variant(base, 'a', 0), variant(base, 'a-prime', 0), variant(base, 'b', costUs)], POOL);
const a = pools.get('a') ?? [];
const aPrime = pools.get('a-prime') ?? [];
const b = pools.get('b') ?? [];
const achieved = median(b) / median(a);
const random = mulberry32(2026);
const TRIALS = 2000;
const rows: string[] = [];
for (const size of [3, 5, 7, 10].filter((k) => k <= Math.min(a.length, aPrime.length, b.length))) {
  let falseAlarms = 0;
  let borderlineAA = 0;
  let detected = 0;
  let borderlineAB = 0;
  for (let trial = 0; trial < TRIALS; trial += 1) {
    const aa = compareRuns(draw(a, size, random), draw(aPrime, size, random), true, DEFAULT_RULE).verdict;
    if (aa === 'regression') falseAlarms += 1;
    if (aa === 'borderline') borderlineAA += 1;
    const ab = compareRuns(draw(a, size, random), draw(b, size, random), true, DEFAULT_RULE).verdict;
    if (ab === 'regression') detected += 1;
    if (ab === 'borderline') borderlineAB += 1;
  }
  const pct = (count: number): string => `${((count / TRIALS) * 100).toFixed(1)} %`;
  rows.push(`| ${size} | ${pct(falseAlarms)} | ${pct(borderlineAA)} | ${pct(detected)} | ${pct(borderlineAB)} |`);
}
console.log(`### Gate calibration (${SERVICE}, closed loop /process, ${new Date().toISOString().slice(0, 10)})

Pools of valid runs: A ${a.length}, A′ ${aPrime.length}, B ${b.length} (EXTRA_CPU_US=${costUs}: median p99 × ${achieved.toFixed(2)}; p99 per run A ${Math.min(...a)}–${Math.max(...a)} µs).
Rule: regression when one-sided Mann-Whitney p < ${DEFAULT_RULE.alpha} and the median p99 is more than ${DEFAULT_RULE.maxRegression * 100} % worse; ${TRIALS} random draws per row.

| runs per side | false alarms (A/A) | borderline (A/A) | detected (A/B) | borderline (A/B) |
|---|---|---|---|---|
${rows.join('\n')}`);
