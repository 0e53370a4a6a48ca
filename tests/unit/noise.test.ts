import { describe, expect, it } from 'vitest';
import type { Answer } from '../../harness/verify/json-compare.js';
import { compareWithNoise, describeNoise, isNoisy, learnNoise, type NoisePair } from '../../harness/verify/noise.js';

const json = (body: string, status = 200, contentType: string | null = 'application/json'): Answer => ({ status, contentType, body });
const pair = (key: string, primary: Answer, secondary: Answer): NoisePair => ({ key, primary, secondary });
const quote = (at: string, id: number, price = 1299): Answer => json(`{"generated_at":"${at}","items":[{"id":${id},"price_cents":${price}},{"id":${id + 1},"price_cents":5}]}`);

describe('learning noise', () => {
  it('learns the paths that differ between two instances, indices generalised, once per request', () => {
    const model = learnNoise([
      pair('GET /quote', quote('t1', 1), quote('t2', 7)),
      pair('GET /quote', quote('t3', 1), quote('t4', 1)),
      pair('GET /quote', quote('t5', 1), quote('t5', 1)),
      pair('GET /health', json('{"ok":true}'), json('{"ok":true}')),
    ]);
    expect([...model.keys()]).toEqual(['GET /quote', 'GET /health']);
    expect(model.get('GET /quote')).toEqual({
      key: 'GET /quote',
      requestCount: 3,
      statusDifferedCount: 0,
      contentTypeDifferedCount: 0,
      bytesDifferedCount: 0,
      // Both items' ids differed in the first request: counted once.
      paths: [
        { path: '$.generated_at', differedCount: 2 },
        { path: '$.items[*].id', differedCount: 1 },
      ],
    });
    expect(isNoisy(model.get('GET /quote')!)).toBe(true);
    expect(isNoisy(model.get('GET /health')!)).toBe(false);
  });
  it('counts status, media type and byte noise without learning body paths from those pairs', () => {
    const model = learnNoise([
      pair('GET /x', json('{"a":1}', 200), json('{"a":2}', 503)),
      pair('GET /x', json('{"a":1}'), json('{"a":2}', 200, 'text/plain')),
      pair('GET /x', json('<p>1</p>', 200, 'text/html'), json('<p>2</p>', 200, 'text/html')),
      pair('GET /x', json('{"b":1}'), json('{"b":2}')),
    ]);
    expect(model.get('GET /x')).toEqual({
      key: 'GET /x',
      requestCount: 4,
      statusDifferedCount: 1,
      contentTypeDifferedCount: 1,
      bytesDifferedCount: 1,
      paths: [{ path: '$.b', differedCount: 1 }],
    });
  });
  it('learns a missing key or element as one path covering what is under it', () => {
    const model = learnNoise([pair('k', json('{"a":{"b":1},"l":[1,2]}'), json('{"l":[1]}'))]);
    expect(model.get('k')?.paths).toEqual([
      { path: '$.a', differedCount: 1 },
      { path: '$.l[*]', differedCount: 1 },
    ]);
  });
  it('is empty for no pairs', () => {
    expect(learnNoise([]).size).toBe(0);
    expect(describeNoise(learnNoise([]))).toEqual([]);
  });
});

describe('comparing with noise', () => {
  const model = learnNoise([pair('GET /quote', quote('t1', 1), quote('t2', 2))]);
  it('ignores learnt paths for that key only', () => {
    expect(compareWithNoise(quote('t1', 1), quote('t9', 5), model, 'GET /quote')).toBeUndefined();
    expect(compareWithNoise(quote('t1', 1), quote('t9', 5, 1300), model, 'GET /quote')).toEqual({ kind: 'value', path: '$.items[0].price_cents', expected: '1299', found: '1300' });
    // Another key learnt nothing: every difference counts.
    expect(compareWithNoise(quote('t1', 1), quote('t9', 1), model, 'GET /other')).toEqual({ kind: 'value', path: '$.generated_at', expected: '"t1"', found: '"t9"' });
  });
  it('adds the user ignore patterns', () => {
    expect(compareWithNoise(quote('t1', 1), quote('t9', 5, 1300), model, 'GET /quote', ['$..price_cents'])).toBeUndefined();
  });
  it('does not report a status or media type that the reference itself varies, nor the body with it', () => {
    const noisy = learnNoise([pair('k', json('{"a":1}', 200), json('{"a":1}', 503)), pair('c', json('{}'), json('{}', 200, 'text/plain'))]);
    expect(compareWithNoise(json('{"a":1}', 200), json('oops', 503, 'text/plain'), noisy, 'k')).toBeUndefined();
    // Same status: the body is compared as usual.
    expect(compareWithNoise(json('{"a":1}', 200), json('{"a":2}', 200), noisy, 'k')).toMatchObject({ kind: 'value', path: '$.a' });
    expect(compareWithNoise(json('{"a":1}', 200), json('{"a":1}', 500), noisy, 'c')).toMatchObject({ kind: 'status' });
    expect(compareWithNoise(json('{}'), json('x', 200, 'text/plain'), noisy, 'c')).toBeUndefined();
    expect(compareWithNoise(json('{}'), json('x', 200, 'text/plain'), noisy, 'k')).toMatchObject({ kind: 'content-type' });
  });
  it('does not compare bodies of a key whose bodies differ as bytes, but still its status', () => {
    const noisy = learnNoise([pair('img', json('a', 200, 'image/png'), json('b', 200, 'image/png'))]);
    expect(compareWithNoise(json('a', 200, 'image/png'), json('c', 200, 'image/png'), noisy, 'img')).toBeUndefined();
    expect(compareWithNoise(json('a', 200, 'image/png'), json('a', 404, 'image/png'), noisy, 'img')).toMatchObject({ kind: 'status', expected: '200', found: '404' });
  });
  it('finds nothing when the answers are equal', () => {
    expect(compareWithNoise(quote('t1', 1), quote('t1', 1), new Map(), 'k')).toBeUndefined();
  });
});

describe('describing noise', () => {
  it('gives one line per learnt item', () => {
    const pairs: NoisePair[] = [];
    for (let index = 0; index < 200; index += 1) pairs.push(pair('GET /quote', json(`{"generated_at":${index},"v":1}`), json(`{"generated_at":${index + 1},"v":1}`)));
    pairs.push(pair('GET /x', json('{}', 200), json('{}', 503)), pair('GET /x', json('a', 200, 'text/plain'), json('b', 200, 'text/plain')));
    pairs.push(pair('GET /y', json('{}'), json('{}', 200, 'text/html')), pair('GET /calm', json('{}'), json('{}')));
    expect(describeNoise(learnNoise(pairs))).toEqual([
      '`GET /quote`: `$.generated_at` differed in 200 of 200 requests between two instances of the reference: ignored',
      "`GET /x`: the status differed in 1 of 2 requests between two instances of the reference: a candidate's different status, and its body, are not reported",
      '`GET /x`: bodies differed as non-JSON bytes in 1 of 2 requests between two instances of the reference: bodies are not compared for this request',
      "`GET /y`: the content type differed in 1 of 1 request between two instances of the reference: a candidate's different content type, and its body, are not reported",
    ]);
  });
});
