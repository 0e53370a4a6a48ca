import { describe, expect, it } from 'vitest';
import { WindowCounter } from '../../harness/load/counter.js';
import { LatencyRecorder, decodeSpectrum } from '../../harness/load/recorder.js';
import { RequestMix } from '../../harness/load/requests.js';
import { prepareSources } from '../../harness/requests/prepare.js';
import { createSchedule } from '../../harness/load/schedule.js';
import { compareResponse, firstDifference } from '../../harness/verify/vector.js';

describe('schedule', () => {
  it('spaces constant arrivals evenly', () => {
    const next = createSchedule(1000, 'constant', 1);
    expect([next(), next(), next()]).toEqual([0, 1, 2]);
  });
  it('draws Poisson arrivals with the requested mean gap', () => {
    const next = createSchedule(100, 'poisson', 7);
    let last = 0;
    for (let index = 0; index < 20_000; index += 1) last = next();
    // 20,000 gaps of mean 10 ms: the total is within 2 % of 200 s.
    expect(last / 20_000).toBeGreaterThan(9.8);
    expect(last / 20_000).toBeLessThan(10.2);
  });
});

describe('LatencyRecorder', () => {
  it('reports microsecond percentiles and per-second buckets', () => {
    const recorder = new LatencyRecorder(0);
    for (let value = 1; value <= 100; value += 1) recorder.record(value * 10, value < 50 ? 100 : 1500);
    const summary = recorder.summary()!;
    expect(summary.count).toBe(100);
    expect(summary.p50Us).toBe(500);
    expect(summary.p99Us).toBe(990);
    expect(summary.maxUs).toBe(1000);
    expect(recorder.perSecond().map((second) => [second.second, second.count])).toEqual([
      [0, 49],
      [1, 51],
    ]);
    expect(decodeSpectrum(recorder.encoded(), [50, 100])).toEqual([
      { percentile: 50, latencyUs: 500 },
      { percentile: 100, latencyUs: 1000 },
    ]);
  });
  it('keeps sub-millisecond resolution that autocannon rounds away', () => {
    const recorder = new LatencyRecorder(0);
    recorder.record(0.4, 0);
    recorder.record(425.6, 0);
    expect(recorder.summary()!.minUs).toBe(1);
    expect(recorder.summary()!.maxUs).toBe(426);
  });
  it('has no summary when empty', () => {
    expect(new LatencyRecorder(0).summary()).toBeUndefined();
  });
});

describe('WindowCounter', () => {
  const request = { method: 'GET' as const, path: '/json', headers: {}, expectStatus: 200, expectBody: 'ok' };
  it('samples every Nth body and counts statuses', () => {
    const counter = new WindowCounter(2);
    const sampled = [counter.shouldVerify(), counter.shouldVerify(), counter.shouldVerify(), counter.shouldVerify()];
    expect(sampled).toEqual([false, true, false, true]);
    counter.response(request, 200, 'ok');
    counter.response(request, 200, 'no');
    counter.response(request, 201, undefined);
    counter.response(request, 500, undefined);
    expect(counter.counts()).toMatchObject({ responses: 4, expectedStatus: 2, unexpectedStatus: 1, non2xx: 1, mismatches: 1, verified: 2, statusCounts: { '200': 2, '201': 1, '500': 1 } });
  });
  it('never samples with verifyEvery 0', () => {
    expect(new WindowCounter(0).shouldVerify()).toBe(false);
  });
});

describe('RequestMix', () => {
  it('follows the weights', () => {
    const mix = new RequestMix(
      prepareSources(
        [
          { weight: 3, method: 'GET', path: '/a', headers: {}, expectStatus: 200 },
          { weight: 1, method: 'GET', path: '/b', headers: {}, expectStatus: 200 },
        ],
        1,
      ),
      1,
    );
    let a = 0;
    for (let index = 0; index < 10_000; index += 1) if (mix.next().path === '/a') a += 1;
    expect(a / 10_000).toBeGreaterThan(0.72);
    expect(a / 10_000).toBeLessThan(0.78);
  });
  it('prebuilds a static sequence only when no request needs a fresh number', () => {
    const fixed = new RequestMix(prepareSources([{ weight: 1, generator: { name: 'alloc', nodes: 10, variants: 4 } }], 1), 1);
    expect(fixed.staticSequence(256)).toHaveLength(4);
    const inserts = new RequestMix(prepareSources([{ weight: 1, generator: { name: 'items-post' } }], 1), 1);
    expect(inserts.staticSequence(256)).toBeUndefined();
    const [first, second] = [inserts.next().body!, inserts.next().body!];
    expect(first).toMatch(/"sku":"LOAD-1-1"/);
    expect(second).toMatch(/"sku":"LOAD-1-2"/);
  });
  it('prepares every generator as a finite list, the same for every run, with the sequence token only on inserts', () => {
    const sources = prepareSources([{ weight: 75, generator: { name: 'items-get' } }, { weight: 5, generator: { name: 'items-post' } }], 7);
    expect(sources.map((source) => source.list.length)).toEqual([4096, 64]);
    expect(sources[0]!.list.every((request) => request.sequence === undefined)).toBe(true);
    expect(sources[1]!.list.every((request) => request.sequence === '{{seq}}' && request.body!.includes('{{seq}}'))).toBe(true);
    expect(prepareSources([{ weight: 75, generator: { name: 'items-get' } }], 7)).toEqual(prepareSources([{ weight: 75, generator: { name: 'items-get' } }], 7));
  });
});

describe('vector comparison', () => {
  it('finds the first differing byte', () => {
    expect(firstDifference('abc', 'abc')).toBe(-1);
    expect(firstDifference('abc', 'abd')).toBe(2);
    expect(firstDifference('ab', 'abc')).toBe(2);
  });
  it('names status, content type and the body offset', () => {
    expect(compareResponse({ status: 200, content_type: 'application/json', body: '{"a":1}' }, { status: 200, contentType: 'application/json', body: '{"a":1}' })).toBeUndefined();
    const message = compareResponse({ status: 200, content_type: 'application/json', body: '{"a":1}' }, { status: 201, contentType: 'text/plain', body: '{"a":2}' })!;
    expect(message).toContain('status 201, expected 200');
    expect(message).toContain('Content-Type "text/plain", expected "application/json"');
    expect(message).toContain('body differs at byte 5');
  });
});
