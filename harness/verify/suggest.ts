/**
 * The `compare:` rules that would accept a difference the check found, for `rewrite-bench
 * compare` to print (and results.json to keep): the narrowest that does, tried on the very
 * requests that differed. Pure.
 *
 * In order, for a JSON location: strings that are one instant spelled twice → `times` at that
 * path; elements of an array in another order → `sets` at the array (the innermost that accepts
 * it); numbers within a relative error of at most 1e-6 (the last digits of a double, summation
 * order) → `tolerance` at that path, the smallest power of ten at or above the largest error
 * seen; anything else → `ignore` of the location (indices as `[*]`; `$` is the whole body). A
 * status → `statuses` for each (reference, candidate) pair seen, unless the candidate's is a
 * server error (5xx). A different content type has no rule: fix the service.
 */
import type { AcceptRule } from '../results/document.js';
import { compileRules, type ComparisonRules } from './compare-rules.js';
import { forEachBodyDifference, type Answer, type Difference } from './json-compare.js';
import { formatPattern, parsePathPattern, type PatternStep } from './json-path.js';
import type { LocationFinding } from './judge-candidate.js';
import { locationOf, type NoisePair } from './noise.js';

/** Largest relative error a suggested tolerance covers; beyond it the numbers differ, not their rounding. */
export const MAX_SUGGESTED_TOLERANCE = 1e-6;

/** What the check compared: the reference's answers, the candidate's, and the rules declared so far. */
export interface SuggestionContext {
  readonly pairs: readonly NoisePair[];
  readonly answers: readonly Answer[];
  /** The declared rules (as written), to which a suggestion is added and tried. */
  readonly declared: readonly AcceptRule[];
}

function isUnder(location: string, target: readonly PatternStep[]): boolean {
  if (!location.startsWith('$')) return false;
  const steps = parsePathPattern(location).steps;
  return target.length <= steps.length && target.every((step, index) => JSON.stringify(step) === JSON.stringify(steps[index]));
}

/** The candidate's body differences at or under `target` in the requests `indices`, under `rules`. */
function differencesUnder(target: readonly PatternStep[], indices: readonly number[], context: SuggestionContext, rules: ComparisonRules): Difference[] {
  const found: Difference[] = [];
  for (const index of indices) {
    const { primary, secondary } = context.pairs[index]!;
    const answer = context.answers[index]!;
    // The body the check compared with (judge-candidate.ts): the primary's, or the secondary's when only its status is the candidate's.
    const reference = answer.status === primary.status ? primary : answer.status === secondary.status ? secondary : undefined;
    if (reference === undefined) continue;
    forEachBodyDifference(reference, answer, rules, (difference) => {
      if (isUnder(locationOf(difference), target)) found.push(difference);
    });
  }
  return found;
}

const isString = (shown: string): boolean => shown.startsWith('"');
const isNumber = (shown: string): boolean => /^-?[0-9]/.test(shown);

/** The smallest power of ten at or above the largest relative error of number pairs; undefined beyond MAX_SUGGESTED_TOLERANCE. */
function toleranceFor(differences: readonly Difference[]): number | undefined {
  let largest = 0;
  for (const { expected, found } of differences) {
    const a = Number(expected);
    const b = Number(found);
    const error = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    if (!Number.isFinite(error)) return undefined;
    largest = Math.max(largest, error);
  }
  if (largest === 0 || largest > MAX_SUGGESTED_TOLERANCE) return undefined;
  // Parsed back from its own text, so the printed value is the one tried.
  return Number(`1e${Math.ceil(Math.log10(largest))}`);
}

function accepts(rule: AcceptRule, target: readonly PatternStep[], finding: LocationFinding, context: SuggestionContext): boolean {
  return differencesUnder(target, finding.indices, context, compileRules([...context.declared, rule])).length === 0;
}

/** The rules that would accept `finding`; [] when no rule can (a content type). */
export function suggestRules(finding: LocationFinding, context: SuggestionContext): AcceptRule[] {
  if (finding.location === 'content-type') return [];
  if (finding.location === 'status') {
    const seen = new Map<string, AcceptRule>();
    for (const index of finding.indices) {
      const reference = context.pairs[index]!.primary.status;
      const candidate = context.answers[index]!.status;
      // A server error is a failure, never another spelling of an answer: no suggestion accepts one.
      if (reference !== candidate && candidate < 500) seen.set(`${reference} ${candidate}`, { kind: 'statuses', reference, candidate });
    }
    return [...seen.values()];
  }
  const steps = parsePathPattern(finding.location).steps;
  const differences = differencesUnder(steps, finding.indices, context, compileRules(context.declared));
  const values = differences.filter((difference) => difference.kind === 'value');
  if (differences.length > 0 && values.length === differences.length && values.every((difference) => isString(difference.expected) && isString(difference.found))) {
    const times: AcceptRule = { kind: 'times', paths: [finding.location] };
    if (accepts(times, steps, finding, context)) return [times];
  }
  // The arrays the location is in, innermost first.
  for (let end = steps.length - 1; end >= 0; end -= 1) {
    if (steps[end]!.type !== 'any') continue;
    const array = steps.slice(0, end);
    const sets: AcceptRule = { kind: 'sets', path: formatPattern(array) };
    if (accepts(sets, array, finding, context)) return [sets];
  }
  if (differences.length > 0 && values.length === differences.length && values.every((difference) => isNumber(difference.expected) && isNumber(difference.found))) {
    const relative = toleranceFor(values);
    const tolerance: AcceptRule | undefined = relative === undefined ? undefined : { kind: 'tolerance', path: finding.location, relative };
    if (tolerance !== undefined && accepts(tolerance, steps, finding, context)) return [tolerance];
  }
  return [{ kind: 'ignore', path: finding.location }];
}
