/**
 * The rules of a scenario's `compare:` block as the check applies them and the report shows
 * them, each with the reason given for it. Pure.
 */
import type { ResolvedScenario } from '../config/scenario.js';
import type { AcceptRule } from '../results/document.js';

type CompareBlock = ResolvedScenario['compare'];

/** Every declared rule, in the order written; `why` only where one was given. */
export function declaredRules(compare: CompareBlock): AcceptRule[] {
  return compare.ignore.map((entry): AcceptRule => (typeof entry === 'string' ? { kind: 'ignore', path: entry } : { kind: 'ignore', path: entry.path, ...(entry.why === undefined ? {} : { why: entry.why }) }));
}

/** The `ignore` patterns alone. */
export function ignorePaths(compare: CompareBlock): string[] {
  return compare.ignore.map((entry) => (typeof entry === 'string' ? entry : entry.path));
}

/** A rule as one line for people: ``ignore `$.id` — ids come from each service's own sequence``, or "— no reason given". */
export function describeRule(rule: AcceptRule): string {
  const reason = rule.why === undefined ? 'no reason given' : rule.why;
  switch (rule.kind) {
    case 'ignore':
      return `ignore \`${rule.path}\` — ${reason}`;
    case 'times':
      return `times as instants at ${rule.paths === 'all' ? 'every string' : rule.paths.map((path) => `\`${path}\``).join(', ')} — ${reason}`;
    case 'sets':
      return `\`${rule.path}\` as a set — ${reason}`;
    case 'tolerance':
      return `numbers at \`${rule.path}\` within ${rule.relative} relative — ${reason}`;
    case 'statuses':
      return `status ${rule.candidate} where the reference answers ${rule.reference} — ${reason}`;
  }
}
