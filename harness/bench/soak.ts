/**
 * `npm run bench:soak` — drives the harness for SOAK_MINUTES (default 10) with back-to-back runs
 * of a small open-loop scenario against the go service, and samples the harness's own memory
 * every 15 s. A leak in the orchestration, the sampler or the results writer shows as a slope.
 * Prints a Markdown table and the fitted slope; a benchmark, never a test.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { linearRegression } from 'simple-statistics';
import { resolveScenario } from '../config/scenario.js';
import { loadManifests } from '../config/services.js';
import { formatBytes } from '../format.js';
import { ROOT } from '../paths.js';
import { allowedCpus } from '../run/environment.js';
import { runSuite } from '../run/run.js';

const minutes = Number(process.env.SOAK_MINUTES ?? '10');
const go = (await loadManifests([path.join(ROOT, 'services')])).find((manifest) => manifest.name === 'go')!;
const scenario = resolveScenario(
  {
    name: 'soak',
    description: 'open-loop /json at 500 req/s, 10 s runs',
    workload: 'json',
    requests: [{ path: '/json', expectBody: '{"message":"Hello, World!"}' }],
    load: { model: 'open', connections: 16, ratesPerSecond: [500] },
    warmupSeconds: 1,
    durationSeconds: 10,
    repetitions: 3,
    service: { env: { LIVE_HEAP_OBJECTS: '1000' } },
  },
  'soak (built in)',
  { quick: false, availableCpus: (await allowedCpus()).length },
);
const samples: Array<{ minute: number; rssBytes: number; heapUsedBytes: number }> = [];
const started = performance.now();
const sample = (): void => {
  const usage = process.memoryUsage();
  samples.push({ minute: (performance.now() - started) / 60_000, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed });
};
sample();
const timer = setInterval(sample, 15_000);
let runs = 0;
const outDir = await mkdtemp(path.join(os.tmpdir(), 'rewrite-bench-soak-'));
while (performance.now() - started < minutes * 60_000) {
  const document = await runSuite({ scenarios: [scenario], services: [go], projectRoot: ROOT, outDir, progress: { start() {}, step() {}, grow() {}, log() {}, stop() {} }, toolVersion: 'soak', verifyFirst: false, claims: undefined });
  runs += document.runs.length;
}
clearInterval(timer);
sample();
const steady = samples.filter((entry) => entry.minute >= 1);
const heapSlope = linearRegression(steady.map((entry) => [entry.minute, entry.heapUsedBytes])).m;
const rssSlope = linearRegression(steady.map((entry) => [entry.minute, entry.rssBytes])).m;
console.log(`### Harness soak (${minutes} min, ${runs} runs of 10 s at 500 req/s against go)

| minute | harness RSS | harness heap used |
|---|---|---|
${samples.filter((_, index) => index % 4 === 0 || index === samples.length - 1).map((entry) => `| ${entry.minute.toFixed(1)} | ${formatBytes(entry.rssBytes)} | ${formatBytes(entry.heapUsedBytes)} |`).join('\n')}

Slope after the first minute (least squares): heap ${formatBytes(Math.abs(heapSlope))}/min ${heapSlope < 0 ? 'down' : 'up'}, RSS ${formatBytes(Math.abs(rssSlope))}/min ${rssSlope < 0 ? 'down' : 'up'}.`);
