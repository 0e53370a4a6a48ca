/**
 * The `compare:` rules that would accept a difference the check found, for `rewrite-bench
 * compare` to print (and results.json to keep). The narrowest rule that accepts it: a JSON
 * location gets an `ignore` of that location (indices as `[*]`), the body compared as bytes an
 * `ignore` of `$` (the whole body). A different content type has no rule: fix the service. Pure.
 */
import type { AcceptRule } from '../results/document.js';
import type { LocationFinding } from './judge-candidate.js';

/** The rules that would accept `finding`; [] when no rule can. */
export function suggestRules(finding: LocationFinding): AcceptRule[] {
  if (finding.location === 'content-type' || finding.location === 'status') return [];
  return [{ kind: 'ignore', path: finding.location }];
}
