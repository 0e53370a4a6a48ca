/**
 * The rules of `compare:` that accept the same answer in another spelling (issue 22, item 8):
 * instants in two spellings, arrays as sets, numbers within a relative error, a status mapping;
 * and the rules `compare` suggests for a difference, tried on the requests that differed.
 */
import { describe, expect, it } from 'vitest';
import type { AcceptRule } from '../../harness/results/document.js';
import { compileRules, NO_RULES } from '../../harness/verify/compare-rules.js';
import { listDifferences, type Answer } from '../../harness/verify/json-compare.js';
import { judgeCandidate } from '../../harness/verify/judge-candidate.js';
import { learnNoise, type NoisePair } from '../../harness/verify/noise.js';
import { parseInstant, sameInstant } from '../../harness/verify/rfc3339.js';
import { suggestRules } from '../../harness/verify/suggest.js';

const json = (body: string, status = 200, contentType: string | null = 'application/json'): Answer => ({ status, contentType, body });
const differences = (expected: string, found: string, rules: AcceptRule[]) => listDifferences(json(expected), json(found), compileRules(rules)).map((difference) => `${difference.kind} ${difference.path}`);

describe('RFC 3339 instants', () => {
  it('reads one instant in its spellings', () => {
    expect(parseInstant('2024-01-01T00:00:00Z')).toEqual({ epochSeconds: 1704067200, fraction: '' });
    for (const spelling of ['2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00.000Z', '2024-01-01t00:00:00z', '2024-01-01 00:00:00Z', '2024-01-01T01:00:00+01:00', '2023-12-31T19:00:00-05:00', '2024-01-01T00:00:00.000000000-00:00']) {
      expect(sameInstant('2024-01-01T00:00:00Z', spelling), spelling).toBe(true);
    }
    expect(sameInstant('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00.500+00:00')).toBe(true);
    expect(parseInstant('2016-12-31T23:59:60Z')?.epochSeconds).toBe(parseInstant('2017-01-01T00:00:00Z')!.epochSeconds);
    expect(parseInstant('0001-01-01T00:00:00Z')?.epochSeconds).toBe(-62135596800);
  });
  it('tells instants apart to any precision, and refuses what is not RFC 3339', () => {
    expect(sameInstant('2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00.123Z')).toBe(false);
    expect(sameInstant('2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z')).toBe(false);
    expect(sameInstant('2024-01-01T00:00:00+01:00', '2024-01-01T00:00:00Z')).toBe(false);
    for (const text of ['2024-01-01T00:00:00', '2024-01-01', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00+24:00', 'x2024-01-01T00:00:00Z', '2024-01-01T00:00:00.Z']) {
      expect(parseInstant(text), text).toBeUndefined();
    }
    expect(sameInstant('2024-01-01T00:00:00', '2024-01-01T00:00:00')).toBe(false);
  });
});

describe('comparing with rules', () => {
  const quote = (at: string, tags: string, total = '12.5') => `{"at":"${at}","nested":{"at":"${at}"},"tags":${tags},"total":${total}}`;
  it('accepts one instant in two spellings at the named paths, or at every string', () => {
    const expected = quote('2024-01-01T00:00:00+00:00', '[1]');
    const found = quote('2024-01-01T00:00:00.000Z', '[1]');
    expect(differences(expected, found, [])).toEqual(['value $.at', 'value $.nested.at']);
    expect(differences(expected, found, [{ kind: 'times', paths: ['$.at'] }])).toEqual(['value $.nested.at']);
    expect(differences(expected, found, [{ kind: 'times', paths: 'all' }])).toEqual([]);
    // Another instant is still a difference.
    expect(differences(expected, quote('2024-01-01T00:00:01Z', '[1]'), [{ kind: 'times', paths: 'all' }])).toEqual(['value $.at', 'value $.nested.at']);
  });
  it('compares named arrays as multisets, and shows what changed in an element', () => {
    const items = (list: string) => `{"items":${list}}`;
    const sets: AcceptRule[] = [{ kind: 'sets', path: '$.items' }];
    expect(differences(items('[1,2,3]'), items('[3,1,2]'), [])).toEqual(['value $.items[0]', 'value $.items[1]', 'value $.items[2]']);
    expect(differences(items('[1,2,3]'), items('[3,1,2]'), sets)).toEqual([]);
    // Repeats count: [1,1,2] is not [1,2,2].
    expect(differences(items('[1,1,2]'), items('[2,1,2]'), sets)).toEqual(['value $.items[1]']);
    expect(differences(items('[1,2]'), items('[2]'), sets)).toEqual(['missing $.items[0]']);
    expect(differences(items('[1]'), items('[1,5]'), sets)).toEqual(['extra $.items[1]']);
    // Objects in another order; the one that changed is walked for its field.
    const objects = (list: Array<[number, number]>) => items(JSON.stringify(list.map(([id, price]) => ({ id, price }))));
    expect(differences(objects([[1, 10], [2, 20], [3, 30]]), objects([[3, 30], [2, 21], [1, 10]]), sets)).toEqual(['value $.items[1].price']);
    // Rules inside the elements apply when matching them.
    const timed = (a: string, b: string) => items(JSON.stringify([{ at: a }, { at: b }]));
    expect(differences(timed('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'), timed('2024-01-02T00:00:00+00:00', '2024-01-01T00:00:00+00:00'), [...sets, { kind: 'times', paths: ['$.items[*].at'] }])).toEqual([]);
  });
  it('accepts numbers within the stated relative error at the named paths only', () => {
    const body = (total: string, other: string) => `{"total":${total},"other":${other}}`;
    const tolerance: AcceptRule[] = [{ kind: 'tolerance', path: '$.total', relative: 1e-9 }];
    expect(differences(body('10.899999999999999', '1'), body('10.9', '1'), tolerance)).toEqual([]);
    expect(differences(body('10.9', '10.899999999999999'), body('10.9', '10.9'), tolerance)).toEqual(['value $.other']);
    expect(differences(body('100', '1'), body('100.001', '1'), tolerance)).toEqual(['value $.total']);
    expect(differences(body('0', '1'), body('0', '1'), tolerance)).toEqual([]);
  });
  it('accepts a declared status mapping, without comparing the bodies of such a pair, and nothing else', () => {
    const pairs: NoisePair[] = [1, 2].map(() => ({ key: 'GET /old', primary: json('', 301, 'text/plain'), secondary: json('', 301, 'text/plain') }));
    const served = [json('{"id":1}', 200), json('{"id":2}', 404)];
    const noise = learnNoise(pairs);
    const statuses = compileRules([{ kind: 'statuses', reference: 301, candidate: 200 }]);
    expect(judgeCandidate(pairs, served, noise, statuses).map((finding) => [finding.location, finding.differedCount, finding.example.difference.found])).toEqual([['status', 1, '404']]);
    expect(judgeCandidate(pairs, served, noise, NO_RULES).map((finding) => [finding.location, finding.differedCount])).toEqual([['status', 2]]);
  });
});

describe('suggested rules', () => {
  /** The findings of one candidate over pairs whose two reference answers are the same. */
  const findings = (reference: Answer[], candidate: Answer[], declared: AcceptRule[] = []) => {
    const pairs = reference.map((answer) => ({ key: 'GET /x', primary: answer, secondary: answer }));
    const rules = compileRules(declared);
    return judgeCandidate(pairs, candidate, learnNoise(pairs, rules), rules).map((finding) => suggestRules(finding, { pairs, answers: candidate, declared }));
  };
  it('suggests times for one instant spelled otherwise, sets for reordered arrays, a tolerance for rounding', () => {
    expect(findings([json('{"at":"2024-01-01T00:00:00+00:00"}')], [json('{"at":"2024-01-01T00:00:00.000Z"}')])).toEqual([[{ kind: 'times', paths: ['$.at'] }]]);
    expect(findings([json('{"a":{"tags":["x","y"]}}')], [json('{"a":{"tags":["y","x"]}}')])).toEqual([[{ kind: 'sets', path: '$.a.tags' }]]);
    // The innermost array that accepts it: here the outer one (its elements moved, not their tags).
    expect(findings([json('{"l":[{"t":[1]},{"t":[2]}]}')], [json('{"l":[{"t":[2]},{"t":[1]}]}')])).toEqual([[{ kind: 'sets', path: '$.l' }]]);
    expect(findings([json('{"v":10.899999999999999}'), json('{"v":0.30000000000000004}')], [json('{"v":10.9}'), json('{"v":0.3}')])).toEqual([[{ kind: 'tolerance', path: '$.v', relative: 1e-15 }]]);
  });
  it('suggests an ignore where no finer rule accepts it, a status mapping but never to a server error, and nothing for a content type', () => {
    expect(findings([json('{"v":10}')], [json('{"v":11}')])).toEqual([[{ kind: 'ignore', path: '$.v' }]]);
    expect(findings([json('{"at":"2024-01-01T00:00:00Z"}')], [json('{"at":"2024-01-02T00:00:00Z"}')])).toEqual([[{ kind: 'ignore', path: '$.at' }]]);
    expect(findings([json('a', 200, 'text/plain')], [json('b', 200, 'text/plain')])).toEqual([[{ kind: 'ignore', path: '$' }]]);
    expect(findings([json('', 301), json('', 302)], [json('{}', 200), json('{}', 200)])).toEqual([[{ kind: 'statuses', reference: 301, candidate: 200 }, { kind: 'statuses', reference: 302, candidate: 200 }]]);
    expect(findings([json('{}', 200)], [json('{}', 500)])).toEqual([[]]);
    expect(findings([json('{}', 200, 'application/json')], [json('{}', 200, 'text/html')])).toEqual([[]]);
  });
  it('takes the declared rules into account', () => {
    // Already a set: the remaining difference is the value itself.
    expect(findings([json('{"tags":["x","y"]}')], [json('{"tags":["y","z"]}')], [{ kind: 'sets', path: '$.tags' }])).toEqual([[{ kind: 'ignore', path: '$.tags[*]' }]]);
  });
});
