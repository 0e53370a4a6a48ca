/**
 * bench:self's floor table tools (harness/bench/self/tools-plan.ts): the pinned wrapper modules
 * exist like the test tools', and each tool's per-request output (as vegeta 12.13.0, k6 1.8.1 and
 * oha 1.16.0 print it) is read into p50 and p99 over the same window.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goBuildArgs } from '../../harness/dev/test-tools-plan.js';
import { K6, k6Script, OHA, ohaInstallArgs, parseK6Samples, parseOhaCsv, parseVegetaSamples, VEGETA, windowLatency } from '../../harness/bench/self/tools-plan.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the floor table\'s tools', () => {
  it.each([VEGETA, K6])('$name is pinned by its own wrapper module, built like the test tools', (tool) => {
    const goMod = readFileSync(path.join(ROOT, tool.moduleDir, 'go.mod'), 'utf8');
    expect(goMod).toContain(`${tool.mainPackage} v${tool.version}`);
    expect(existsSync(path.join(ROOT, tool.moduleDir, 'go.sum'))).toBe(true);
    expect(readFileSync(path.join(ROOT, tool.moduleDir, 'tools.go'), 'utf8')).toContain(`import _ "${tool.mainPackage}"`);
    expect(goBuildArgs(tool, 'BIN')).toEqual(['build', '-mod=readonly', '-trimpath', '-buildvcs=false', `-ldflags=${tool.ldflags}`, '-o', 'BIN', tool.mainPackage]);
  });
  it('installs oha from crates.io with its own lock file, into the cache folder', () => {
    expect(ohaInstallArgs('/r/.cache/bench-tools')).toEqual(['install', 'oha', '--locked', '--version', OHA.version, '--root', '/r/.cache/bench-tools']);
  });
});

describe('reading each tool\'s figures', () => {
  const hit = (seq: number, at: string, latencyNs: number, code = 200, error = '') => JSON.stringify({ attack: '', seq, code, timestamp: at, latency: latencyNs, bytes_out: 0, bytes_in: 11, error, body: 'eyJvayI6dHJ1ZX0=', method: 'GET', url: 'http://127.0.0.1:1/json', headers: {} });
  it('vegeta: each 200 hit\'s start and latency (ns → µs); failures left out', () => {
    const text = [hit(0, '2026-12-07T10:18:18.818490771Z', 801_231), hit(1, '2026-12-07T10:18:19.018750209Z', 446_957), hit(2, '2026-12-07T10:18:19.2Z', 0, 0, 'connection refused'), ''].join('\n');
    expect(parseVegetaSamples(text)).toEqual([
      { atMs: Date.parse('2026-12-07T10:18:18.818490771Z'), latencyUs: 801.231 },
      { atMs: Date.parse('2026-12-07T10:18:19.018750209Z'), latencyUs: 446.957 },
    ]);
  });
  it('k6: the http_req_duration points with status 200 (ms → µs)', () => {
    const point = (time: string, value: number, status = '200') => JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time, value, tags: { expected_response: 'true', method: 'GET', scenario: 'floor', status } } });
    const text = [
      JSON.stringify({ type: 'Metric', data: { name: 'http_req_duration', type: 'trend' }, metric: 'http_req_duration' }),
      point('2026-12-07T10:18:19.730689375Z', 1.916144),
      JSON.stringify({ metric: 'http_req_waiting', type: 'Point', data: { time: '2026-12-07T10:18:19.73Z', value: 1.8, tags: { status: '200' } } }),
      point('2026-12-07T10:18:19.928639414Z', 0.129727),
      point('2026-12-07T10:18:20Z', 3, '0'),
    ].join('\n');
    expect(parseK6Samples(text)).toEqual([
      { atMs: Date.parse('2026-12-07T10:18:19.730689375Z'), latencyUs: 1916.144 },
      { atMs: Date.parse('2026-12-07T10:18:19.928639414Z'), latencyUs: 129.727 },
    ]);
  });
  it('oha: each 200\'s scheduled start and duration (s → ms, µs) from its CSV', () => {
    const text = ['request-start,DNS,DNS+dialup,Response-delay,request-duration,bytes,status', '0.001385012,0.000029721,0.00017959,0.000473756,0.000539901,11,200', '0.201266956,0.000029226,0.000234713,0.000332825,0.000375991,11,200', '0.40099939,0,0,0.000175111,0.000220051,0,500', ''].join('\n');
    const samples = parseOhaCsv(text);
    expect(samples.map((sample) => [Number(sample.atMs.toFixed(6)), Number(sample.latencyUs.toFixed(3))])).toEqual([
      [1.385012, 539.901],
      [201.266956, 375.991],
    ]);
    expect(parseOhaCsv('no,such,columns\n1,2,3\n')).toEqual([]);
  });
  it('the window: from the first sample + the warm-up, for the window\'s seconds; p50 and p99 by nearest rank', () => {
    // 10 samples a second over 4 s: the first second's (latency 1,000 µs) are left out; the window's are 1 … 30 µs.
    const samples = Array.from({ length: 40 }, (_, index) => ({ atMs: 1_000_000 + index * 100, latencyUs: index < 10 ? 1000 : index - 9 }));
    expect(windowLatency(samples, 1000, 3)).toEqual({ p50Us: 15, p99Us: 30, count: 30, achievedRps: 10 });
    expect(windowLatency([], 1000, 3)).toBeUndefined();
    expect(windowLatency(samples.slice(0, 5), 1000, 3)).toBeUndefined();
  });
  it('k6 runs a constant arrival rate (open loop) with one pre-allocated VU per connection', () => {
    const script = k6Script('http://127.0.0.1:1/json', 2000, 4, 32);
    expect(script).toContain('"executor":"constant-arrival-rate","rate":2000,"timeUnit":"1s","duration":"4s","preAllocatedVUs":32,"maxVUs":32');
    expect(script).toContain('http.get("http://127.0.0.1:1/json")');
  });
});
