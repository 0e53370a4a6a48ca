/**
 * The rules of a scenario's `compare:` block: as the comparison applies them (parsed once), as
 * results.json and the report show them, each with the reason given for it. Pure.
 *
 * - `ignore`: the value at a path may differ (it and everything under it).
 * - `times`: RFC 3339 strings at the paths (or every string: `all`) compare as instants.
 * - `sets`: the array at a path compares as a multiset: order ignored, repeats counted.
 * - `tolerance`: numbers at a path are equal within `relative` × the larger magnitude.
 * - `statuses`: the candidate may answer one status where the reference answers another; the
 *   bodies of such a pair are not compared (a redirect next to the page it leads to).
 * Paths are patterns (json-path.ts) matched against the exact location of a value.
 */
import type { ResolvedScenario } from '../config/scenario.js';
import type { AcceptRule } from '../results/document.js';
import { parsePathPattern, type PathPattern } from './json-path.js';

type CompareBlock = ResolvedScenario['compare'];

/** The rules as the comparison applies them. */
export interface ComparisonRules {
  readonly ignore: readonly PathPattern[];
  /** Where strings compare as instants: patterns, or every string. */
  readonly times: readonly PathPattern[] | 'all';
  readonly sets: readonly PathPattern[];
  readonly tolerance: ReadonlyArray<{ readonly pattern: PathPattern; readonly relative: number }>;
  /** Per reference status, the candidate statuses accepted instead. */
  readonly statuses: ReadonlyMap<number, ReadonlySet<number>>;
}

/** No rule: every value compared exactly. */
export const NO_RULES: ComparisonRules = Object.freeze({ ignore: [], times: [], sets: [], tolerance: [], statuses: new Map() });

/**
 * Parses rules (each path once).
 * @throws ConfigError when a path does not parse (a validated scenario's never do)
 */
export function compileRules(rules: readonly AcceptRule[]): ComparisonRules {
  const statuses = new Map<number, Set<number>>();
  let times: PathPattern[] | 'all' = [];
  const ignore: PathPattern[] = [];
  const sets: PathPattern[] = [];
  const tolerance: Array<{ pattern: PathPattern; relative: number }> = [];
  for (const rule of rules) {
    switch (rule.kind) {
      case 'ignore':
        ignore.push(parsePathPattern(rule.path));
        break;
      case 'times':
        if (rule.paths === 'all' || times === 'all') times = 'all';
        else times.push(...rule.paths.map((path) => parsePathPattern(path)));
        break;
      case 'sets':
        sets.push(parsePathPattern(rule.path));
        break;
      case 'tolerance':
        tolerance.push({ pattern: parsePathPattern(rule.path), relative: rule.relative });
        break;
      case 'statuses': {
        const accepted = statuses.get(rule.reference) ?? new Set<number>();
        accepted.add(rule.candidate);
        statuses.set(rule.reference, accepted);
        break;
      }
    }
  }
  return Object.freeze({ ignore, times, sets, tolerance, statuses });
}

/** The rules of `ignore` patterns alone. */
export function ignoreRules(patterns: readonly string[]): ComparisonRules {
  return compileRules(patterns.map((path) => ({ kind: 'ignore', path })));
}

const withWhy = (why: string | undefined): { why?: string } => (why === undefined ? {} : { why });

/** Every declared rule, in the order of the block (ignore, times, sets, tolerance, statuses); `why` only where one was given. */
export function declaredRules(compare: CompareBlock): AcceptRule[] {
  return [
    ...compare.ignore.map((entry): AcceptRule => (typeof entry === 'string' ? { kind: 'ignore', path: entry } : { kind: 'ignore', path: entry.path, ...withWhy(entry.why) })),
    ...(compare.times === undefined ? [] : [{ kind: 'times' as const, paths: compare.times.paths, ...withWhy(compare.times.why) }]),
    ...compare.sets.map((entry): AcceptRule => ({ kind: 'sets', path: entry.path, ...withWhy(entry.why) })),
    ...compare.tolerance.map((entry): AcceptRule => ({ kind: 'tolerance', path: entry.path, relative: entry.relative, ...withWhy(entry.why) })),
    ...compare.statuses.map((entry): AcceptRule => ({ kind: 'statuses', reference: entry.reference, candidate: entry.candidate, ...withWhy(entry.why) })),
  ];
}

/** The `ignore` patterns alone. */
export function ignorePaths(compare: CompareBlock): string[] {
  return compare.ignore.map((entry) => (typeof entry === 'string' ? entry : entry.path));
}
