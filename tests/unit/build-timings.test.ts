import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../harness/results/document.js';
import { editMarkerFor, withEditMarker } from '../../harness/build/edit-marker.js';
import { explainUntimedBuilds, isUntimedOnly, neededBuildTimings, UNTIMED_NOTE } from '../../harness/claims/build-timings.js';
import { evaluateClaims } from '../../harness/claims/evaluate.js';
import { resolveClaims } from '../../harness/config/claims.js';

const claims = resolveClaims(
  [
    { id: 'e', text: 'compile times', checks: ['rust.cleanBuildSeconds <= 60', 'rust.incrementalBuildSeconds <= 20'] },
    { id: 'c', text: 'code size', checks: ['go.linesOfCode / rust.linesOfCode <= 0.3'] },
  ],
  'claims.yaml',
  [],
);
const builds = [
  { service: 'rust', lastClean: undefined, lastIncremental: { lastStepSeconds: 12 }, linesOfCode: { total: 1000 } },
  { service: 'go', lastClean: undefined, lastIncremental: undefined, linesOfCode: { total: 500 } },
] as unknown as BuildRecord[];

describe('build timings for claims', () => {
  it('lists the timings the claims read, per service', () => {
    expect(neededBuildTimings(claims)).toEqual(new Map([['rust', new Set(['clean', 'incremental'])]]));
    expect(neededBuildTimings(undefined)).toEqual(new Map());
  });
  it('says "not measured under --quick" for a build time the run chose not to time, and leaves other verdicts alone', () => {
    const results = explainUntimedBuilds(claims, evaluateClaims(claims, { runs: [], builds }), new Map([['rust', new Set(['clean' as const])]]));
    expect(results[0]!.verdict).toBe('not-measured');
    expect(results[0]!.checks.map((check) => [check.verdict, check.note])).toEqual([
      ['not-measured', UNTIMED_NOTE],
      ['holds', 'single measurement (build metrics): no interval'],
    ]);
    expect(isUntimedOnly(results[0]!)).toBe(true);
    // Lines of code are measured at every build: the claim is decided, even by one build.
    expect(results[1]).toMatchObject({ verdict: 'refuted', checks: [{ value: 0.5 }] });
    expect(isUntimedOnly(results[1]!)).toBe(false);
  });
  it('keeps the generic reason when the run did time builds', () => {
    const [result] = explainUntimedBuilds(claims, evaluateClaims(claims, { runs: [], builds }), new Map());
    expect(result!.checks[0]!.note).not.toBe(UNTIMED_NOTE);
    expect(isUntimedOnly(result!)).toBe(false);
  });
});

describe('the one-line edit of an incremental build', () => {
  it('uses the comment syntax of the file, or none when it is unknown', () => {
    expect(editMarkerFor('src/main.rs')).toBe('// rewrite-bench: a one-line edit to time an incremental build (removed after it)\n');
    expect(editMarkerFor('main.go')?.startsWith('// ')).toBe(true);
    expect(editMarkerFor('app/main.py')?.startsWith('# ')).toBe(true);
    expect(editMarkerFor('Main.HS')?.startsWith('-- ')).toBe(true);
    expect(editMarkerFor('Makefile')).toBeUndefined();
    expect(editMarkerFor('notes.weird')).toBeUndefined();
  });
  it('puts the marker on a line of its own', () => {
    expect(withEditMarker('a\n', '// m\n')).toBe('a\n// m\n');
    expect(withEditMarker('a', '// m\n')).toBe('a\n// m\n');
    expect(withEditMarker('', '// m\n')).toBe('// m\n');
  });
});
