/**
 * What `rewrite-bench compare` prints for one scenario: per service every location where it
 * answered differently from the reference (counts, an example request with both values and both
 * answers), what was within the reference's own noise, the noise and the declared rules with
 * their reasons; then the `compare:` lines (YAML, every string quoted) that would accept the
 * differences, each with a `why:` to fill in. Pure.
 */
import type { AcceptRule, ReferenceCheck, ReferenceDifference } from '../results/document.js';
import { describeReferenceDifference, whereOf } from './against-reference.js';
import { describeRule } from '../results/accept-rule.js';

const requestsOf = (count: number, total: number): string => `${count} of ${total} request${total === 1 ? '' : 's'}`;
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** A suggested rule and the differences it would accept (for its comment). */
export interface Suggestion {
  readonly rule: AcceptRule;
  readonly because: string[];
}

/** The same rule suggested twice (for two services, or two locations) is printed once. */
function ruleKey(rule: AcceptRule): string {
  const { why: _why, ...rest } = rule;
  return JSON.stringify(rest);
}

const quoted = (text: string): string => JSON.stringify(text);

/** One suggested rule as the YAML item of its list (`times` is a mapping, merged apart). */
function yamlItem(rule: AcceptRule): string {
  switch (rule.kind) {
    case 'ignore':
    case 'sets':
      return `{path: ${quoted(rule.path)}, why: ""}`;
    case 'tolerance':
      return `{path: ${quoted(rule.path)}, relative: ${rule.relative}, why: ""}`;
    case 'statuses':
      return `{reference: ${rule.reference}, candidate: ${rule.candidate}, why: ""}`;
    case 'times':
      return `{paths: ${rule.paths === 'all' ? quoted('all') : `[${rule.paths.map(quoted).join(', ')}]`}, why: ""}`;
  }
}

/**
 * The `compare:` block (YAML) that would accept `suggestions`, with each rule's comment; the
 * declared `times` paths are merged into a suggested `times` (it is one mapping). [] for none.
 */
export function suggestionYaml(suggestions: readonly Suggestion[], declaredTimes: readonly string[] | 'all' | undefined): string[] {
  if (suggestions.length === 0) return [];
  const lines = ['compare:'];
  const lists: Array<AcceptRule['kind']> = ['ignore', 'sets', 'tolerance', 'statuses'];
  for (const kind of lists) {
    const items = suggestions.filter((suggestion) => suggestion.rule.kind === kind);
    if (items.length === 0) continue;
    lines.push(`  ${kind}:`);
    for (const { rule, because } of items) lines.push(`    - ${yamlItem(rule)}  # ${because.join('; ')}`);
  }
  const times = suggestions.filter((suggestion) => suggestion.rule.kind === 'times');
  if (times.length > 0) {
    const paths = times.flatMap(({ rule }) => (rule.kind === 'times' && rule.paths !== 'all' ? rule.paths : []));
    const merged = declaredTimes === 'all' ? 'all' : [...new Set([...(declaredTimes ?? []), ...paths])];
    lines.push(`  times: ${yamlItem({ kind: 'times', paths: merged })}  # ${times.flatMap((suggestion) => suggestion.because).join('; ')}`);
  }
  return lines;
}

function excusedLine(difference: ReferenceDifference, reference: string): string {
  return `    ${whereOf(difference)}: ${requestsOf(difference.differedCount, difference.requests)} (between two instances of ${reference}: ${difference.noiseCount})`;
}

/**
 * The whole printout for one scenario's check.
 * @param file the scenario file as the user names it (where the suggested lines go)
 * @param declaredTimes the scenario's `compare.times.paths`, merged into a suggested `times`
 */
export function formatComparison(check: ReferenceCheck, file: string, declaredTimes?: readonly string[] | 'all'): string {
  const { reference } = check;
  const lines = [`## ${check.scenario} (${file}): ${plural(check.verdicts.length, 'service')} compared with ${reference} on ${check.requests} requests, each sent to two instances of ${reference} and to every service at once`, ''];
  const suggestions = new Map<string, Suggestion>();
  const unacceptable: string[] = [];
  for (const verdict of check.verdicts) {
    if (verdict.error !== undefined) {
      lines.push(`${verdict.service}: could not be compared: ${verdict.error}`);
      continue;
    }
    const differences = verdict.differences ?? [];
    if (verdict.state === 'pass') lines.push(`${verdict.service}: answers like ${reference} (${requestsOf(verdict.checked, verdict.checked)})`);
    else lines.push(`${verdict.service}: answers differently from ${reference} at ${plural(differences.length + (verdict.moreDifferences ?? 0), 'location')}${verdict.moreDifferences === undefined ? '' : ` (the first ${differences.length} shown)`}`);
    for (const difference of differences) {
      lines.push(...describeReferenceDifference(difference, reference, verdict.service));
      const because = `${verdict.service}: ${whereOf(difference)}, ${requestsOf(difference.differedCount, difference.requests)}`;
      if (difference.accept === undefined || difference.accept.length === 0) {
        unacceptable.push(`  ${because}: ${difference.example.described}`);
        continue;
      }
      for (const rule of difference.accept) {
        const key = ruleKey(rule);
        const known = suggestions.get(key);
        if (known === undefined) suggestions.set(key, { rule, because: [because] });
        else known.because.push(because);
      }
    }
    // Where it differed more often than the reference did, yet not clearly more: worth a look.
    const close = (verdict.withinNoise ?? []).filter((difference) => difference.differedCount > difference.noiseCount);
    if (close.length > 0) {
      lines.push(`  more often than ${reference}'s own noise there, but within it (not reported):`);
      for (const difference of close) lines.push(excusedLine(difference, reference));
    }
  }
  lines.push('', `Noise: what two instances of ${reference} disagreed on${check.noise.length === 0 ? ': nothing' : ''}`);
  for (const line of check.noise) lines.push(`  ${line}`);
  const rules = check.rules ?? check.ignore.map((path): AcceptRule => ({ kind: 'ignore', path }));
  if (rules.length > 0) {
    lines.push('', `Declared in \`compare:\` of ${file}:`);
    for (const rule of rules) lines.push(`  ${describeRule(rule)}`);
  }
  const yaml = suggestionYaml([...suggestions.values()], declaredTimes);
  if (yaml.length > 0) {
    lines.push('', `To accept these differences instead of fixing the service, add to ${file} (merge with its \`compare:\`), and say in each \`why\` why the difference is not a bug:`, ...yaml.map((line) => `  ${line}`));
  }
  if (unacceptable.length > 0) lines.push('', 'No rule accepts these (fix the service):', ...unacceptable);
  return lines.join('\n');
}
