/**
 * Build times that claims check (claim e): which services need a clean or an incremental build
 * timed, and — when a run chose not to time them (`run --quick` without `--timings`) — the
 * "not measured" verdicts that result, with that reason instead of a generic one. Pure.
 */
import type { BuildRecord } from '../results/document.js';
import type { ResolvedClaims } from '../config/claims.js';
import type { ClaimResult } from '../results/claims.js';

export type BuildTimingKind = 'clean' | 'incremental';

const KIND_OF_METRIC: Readonly<Record<string, BuildTimingKind>> = { cleanBuildSeconds: 'clean', incrementalBuildSeconds: 'incremental' };

/** Per service, the build timings some check of `claims` reads. */
export function neededBuildTimings(claims: ResolvedClaims | undefined): Map<string, Set<BuildTimingKind>> {
  const needed = new Map<string, Set<BuildTimingKind>>();
  for (const claim of claims?.claims ?? []) {
    for (const check of claim.checks) {
      for (const term of check.terms) {
        const kind = KIND_OF_METRIC[term.metric];
        if (kind !== undefined) needed.set(term.service, (needed.get(term.service) ?? new Set()).add(kind));
      }
    }
  }
  return needed;
}

/** Whether `build` holds a timing of `kind` (from this run or an earlier one on this machine). */
export function hasBuildTiming(build: BuildRecord, kind: BuildTimingKind): boolean {
  return (kind === 'clean' ? build.lastClean : build.lastIncremental) !== undefined;
}

/** The note of a build-time check left unmeasured on purpose. */
export const UNTIMED_NOTE = 'build times are not measured under --quick: run with --timings (or `rewrite-bench build --timings` once) to time them';

/**
 * The claim results with the reason of every build-time check that is "not measured" because the
 * run did not time builds: `untimed` lists, per service, the timings it skipped.
 * @param results evaluateClaims' output for `claims`, in the same order
 */
export function explainUntimedBuilds(claims: ResolvedClaims, results: readonly ClaimResult[], untimed: ReadonlyMap<string, ReadonlySet<BuildTimingKind>>): ClaimResult[] {
  return results.map((result, claimIndex) => {
    const claim = claims.claims[claimIndex];
    if (claim === undefined || claim.id !== result.id) return result;
    return {
      ...result,
      checks: result.checks.map((check, checkIndex) => {
        const terms = claim.checks[checkIndex]?.terms ?? [];
        const skipped = terms.some((term) => {
          const kind = KIND_OF_METRIC[term.metric];
          return kind !== undefined && untimed.get(term.service)?.has(kind) === true;
        });
        return check.verdict === 'not-measured' && skipped ? { ...check, note: UNTIMED_NOTE } : check;
      }),
    };
  });
}

/** Whether every unmeasured check of `result` was left unmeasured on purpose (see UNTIMED_NOTE). */
export function isUntimedOnly(result: ClaimResult): boolean {
  const unmeasured = result.checks.filter((check) => check.verdict === 'not-measured');
  return unmeasured.length > 0 && unmeasured.every((check) => check.note === UNTIMED_NOTE);
}
