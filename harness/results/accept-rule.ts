/**
 * A rule of a scenario's `compare:` (results/document.ts AcceptRule) as people read it, in the
 * report and in `rewrite-bench compare`'s output, with its reason. Pure.
 */
import type { AcceptRule } from './document.js';

/** A rule as one line for people: ``ignore `$.id` — ids come from each service's own sequence``, or "— no reason given". */
export function describeRule(rule: AcceptRule): string {
  const reason = rule.why === undefined ? 'no reason given' : rule.why;
  switch (rule.kind) {
    case 'ignore':
      return `ignore \`${rule.path}\` — ${reason}`;
    case 'times':
      return `times compared as instants at ${rule.paths === 'all' ? 'every string' : rule.paths.map((path) => `\`${path}\``).join(', ')} — ${reason}`;
    case 'sets':
      return `\`${rule.path}\` compared as a set — ${reason}`;
    case 'tolerance':
      return `numbers at \`${rule.path}\` equal within ${rule.relative} relative — ${reason}`;
    case 'statuses':
      return `status ${rule.candidate} accepted where the reference answers ${rule.reference} — ${reason}`;
  }
}
