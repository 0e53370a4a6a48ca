/**
 * The open-loop load tools of bench:self's floor table (section 6), pinned, and how each is got:
 * vegeta and k6 built with Go from the wrapper modules in tests/tools/ (the test suite's
 * mechanism, harness/dev/go-tool.ts), oha with `cargo install --locked` — all into
 * .cache/bench-tools, on demand by bench:self, never by npm test. Pure.
 */
import type { GoTool } from '../../dev/test-tools-plan.js';
import { nearestRank } from './table.js';

/** Where the bench's tools are kept, relative to the repository root (gitignored). */
export const BENCH_TOOLS_DIR = '.cache/bench-tools';

export const VEGETA: GoTool = {
  name: 'vegeta',
  moduleDir: 'tests/tools/vegeta',
  mainPackage: 'github.com/tsenart/vegeta/v12',
  version: '12.13.0',
  ldflags: '-s -w -X main.Version=12.13.0',
};

export const K6: GoTool = {
  name: 'k6',
  moduleDir: 'tests/tools/k6',
  mainPackage: 'go.k6.io/k6',
  version: '1.8.1',
  ldflags: '-s -w',
};

/** oha from crates.io, its own Cargo.lock (`--locked`). */
export const OHA = { crate: 'oha', version: '1.16.0' } as const;

/** `cargo install` of oha into `root` (its binary lands in `root`/bin). */
export function ohaInstallArgs(root: string): string[] {
  return ['install', OHA.crate, '--locked', '--version', OHA.version, '--root', root];
}

/** p50 and p99 of one tool's run, in µs, the responses they rest on and the rate achieved. */
export interface ToolLatency {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly count: number;
  readonly achievedRps: number | undefined;
}

/** One answered request of a tool's run: when it was sent (ms since the epoch) and its latency (µs). */
export interface Sample {
  readonly atMs: number;
  readonly latencyUs: number;
}

/**
 * p50 and p99 of the samples sent from `warmupMs` after the first one on, for `windowSeconds`:
 * every tool's first second (connections opening) is left out, as the engine's warm-up is.
 * @returns undefined without a sample in the window
 */
export function windowLatency(samples: readonly Sample[], warmupMs: number, windowSeconds: number): ToolLatency | undefined {
  if (samples.length === 0) return undefined;
  const startMs = Math.min(...samples.map((sample) => sample.atMs)) + warmupMs;
  const inWindow = samples.filter((sample) => sample.atMs >= startMs && sample.atMs < startMs + windowSeconds * 1000).map((sample) => sample.latencyUs).sort((a, b) => a - b);
  if (inWindow.length === 0) return undefined;
  return { p50Us: nearestRank(inWindow, 0.5), p99Us: nearestRank(inWindow, 0.99), count: inWindow.length, achievedRps: inWindow.length / windowSeconds };
}

/**
 * `vegeta encode -to=json` lines: each hit's start (`timestamp`), `latency` in ns, `code`; only
 * answers with status 200 and no error count.
 */
export function parseVegetaSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const hit = JSON.parse(line) as { timestamp?: string; latency?: number; code?: number; error?: string };
      if (hit.code !== 200 || (hit.error ?? '') !== '' || hit.timestamp === undefined || hit.latency === undefined) return [];
      return [{ atMs: Date.parse(hit.timestamp), latencyUs: hit.latency / 1000 }];
    });
}

/**
 * `k6 run --out json=FILE` lines: the `http_req_duration` points (ms, sending to the answer's
 * end; k6 leaves connecting out), at the time k6 recorded each; only status 200 counts.
 */
export function parseK6Samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line.includes('"http_req_duration"') && line.includes('"Point"'))
    .flatMap((line) => {
      const point = JSON.parse(line) as { data?: { time?: string; value?: number; tags?: { status?: string } } };
      const data = point.data;
      if (data?.time === undefined || data.value === undefined || data.tags?.status !== '200') return [];
      return [{ atMs: Date.parse(data.time), latencyUs: data.value * 1000 }];
    });
}

/**
 * oha's `--output-format csv`: one line per answered request, `request-start` (s from the run's
 * start; with `--latency-correction` the scheduled time) and `request-duration` (s), `status`;
 * only 200s count.
 */
export function parseOhaCsv(text: string): Sample[] {
  const [header, ...lines] = text.split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').split(',');
  const [start, duration, status] = ['request-start', 'request-duration', 'status'].map((name) => columns.indexOf(name));
  if (start === undefined || duration === undefined || status === undefined || start < 0 || duration < 0 || status < 0) return [];
  return lines.flatMap((line) => {
    const cells = line.split(',');
    if (cells[status] !== '200') return [];
    return [{ atMs: Number(cells[start]) * 1000, latencyUs: Number(cells[duration]) * 1e6 }];
  });
}

/**
 * The k6 script of one run: a constant arrival rate (open loop: iterations start on schedule
 * whatever the answers do) with `connections` pre-allocated VUs (one connection each), each
 * iteration one GET of `url`, for the warm-up and the window together (the samples of the first
 * are left out afterwards, windowLatency).
 */
export function k6Script(url: string, ratePerSecond: number, seconds: number, connections: number): string {
  const options = {
    discardResponseBodies: true,
    summaryTrendStats: ['p(50)', 'p(99)'],
    scenarios: { floor: { executor: 'constant-arrival-rate', rate: ratePerSecond, timeUnit: '1s', duration: `${seconds}s`, preAllocatedVUs: connections, maxVUs: connections } },
  };
  return ["import http from 'k6/http';", `export const options = ${JSON.stringify(options)};`, `export default function () { http.get(${JSON.stringify(url)}); }`, ''].join('\n');
}
