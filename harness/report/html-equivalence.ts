/**
 * The equivalence checks of the report: for each scenario with a `reference:` service, how many
 * requests were compared, each service's verdict — every location where one that failed answered
 * differently, how often against the reference's own noise there, an example with both answers —
 * the noise learnt between two instances of the reference and the declared `compare:` rules with
 * their reasons ("no reason given" where none was): how
 * "the rewrite does the same work" was established. Pure; every string from the results is
 * escaped.
 */
import type { AcceptRule, ReferenceCheck, ReferenceDifference, ReferenceVerdict } from '../results/document.js';
import { describeRule } from '../results/accept-rule.js';
import { escapeHtml } from './escape.js';
import type { ReportSource } from './sources.js';

const requestsOf = (count: number, total: number): string => `${count} of ${total} request${total === 1 ? '' : 's'}`;

function renderDifference(difference: ReferenceDifference, reference: string, service: string): string {
  const where = `${difference.requestKind} ${difference.location === '$' ? '$ (the body)' : difference.location}`;
  const example = difference.example;
  return [
    `<li><code>${escapeHtml(where)}</code>: differs in ${requestsOf(difference.differedCount, difference.requests)} (between two instances of ${escapeHtml(reference)}: ${difference.noiseCount})`,
    `<br><code>${escapeHtml(example.request)}</code>: ${escapeHtml(example.described)}`,
    `<pre>${escapeHtml(reference)}: ${escapeHtml(example.referenceBody)}\n${escapeHtml(service)}: ${escapeHtml(example.candidateBody)}</pre></li>`,
  ].join('');
}

function renderWithinNoise(verdict: ReferenceVerdict, reference: string): string {
  const excused = verdict.withinNoise ?? [];
  if (excused.length === 0) return '';
  const items = excused.map((difference) => `<li><code>${escapeHtml(`${difference.requestKind} ${difference.location}`)}</code>: ${requestsOf(difference.differedCount, difference.requests)} (two instances of ${escapeHtml(reference)}: ${difference.noiseCount})</li>`);
  return `<p class="muted">Differences within ${escapeHtml(reference)}'s own noise there (not reported):</p><ul class="within-noise">${items.join('')}</ul>`;
}

function renderVerdict(verdict: ReferenceVerdict, reference: string): string {
  const service = `<strong>${escapeHtml(verdict.service)}</strong>`;
  if (verdict.state === 'pass') return `<li><span class="badge valid">same answers</span> ${service}: ${verdict.checked} of ${verdict.checked} requests answered like ${escapeHtml(reference)}${renderWithinNoise(verdict, reference)}</li>`;
  if (verdict.differences !== undefined && verdict.differences.length > 0) {
    const count = verdict.differences.length;
    return `<li><span class="badge invalid">different</span> ${service} (not measured): ${count} location${count === 1 ? '' : 's'} answered differently<ul class="differences">${verdict.differences.map((difference) => renderDifference(difference, reference, verdict.service)).join('')}</ul>${renderWithinNoise(verdict, reference)}</li>`;
  }
  // A verdict of an older results file keeps only its first difference.
  const detail =
    verdict.difference === undefined
      ? escapeHtml(verdict.error ?? 'not compared')
      : `<code>${escapeHtml(verdict.difference.request)}</code>: ${escapeHtml(verdict.difference.described)}<pre>${escapeHtml(reference)}: ${escapeHtml(verdict.difference.referenceBody)}\n${escapeHtml(verdict.service)}: ${escapeHtml(verdict.difference.candidateBody)}</pre>`;
  return `<li><span class="badge invalid">different</span> ${service} (not measured): ${detail}</li>`;
}

function renderCheck(check: ReferenceCheck, label: string | undefined): string {
  const verdicts = check.verdicts.map((verdict) => renderVerdict(verdict, check.reference)).join('');
  const noise = check.noise.length === 0 ? '<li class="muted">none: two instances of the reference answered every request alike</li>' : check.noise.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  // Files written before rules carried reasons list the ignored paths alone.
  const rules = check.rules ?? check.ignore.map((path): AcceptRule => ({ kind: 'ignore', path }));
  const declared = rules.length === 0 ? '' : `<p>Declared in the scenario's <code>compare:</code>, with the reason given:</p><ul class="rules">${rules.map((rule) => `<li>${escapeHtml(describeRule(rule))}</li>`).join('')}</ul>`;
  return [
    `<article class="equivalence"><h3>${escapeHtml(check.scenario)}${label === undefined ? '' : ` <span class="source">${escapeHtml(label)}</span>`}</h3>`,
    `<p>Every service got the same ${check.requests} seeded requests as the reference service <strong>${escapeHtml(check.reference)}</strong> (its request mix, other seeds than the load's), and so did a second instance of it; answers were compared as JSON (key order and number forms ignored). A location where the two instances of ${escapeHtml(check.reference)} differed excuses a service's differences there only up to a comparable rate (one-sided exact sign test, 1 %).</p>`,
    `<ul class="verdicts">${verdicts}</ul>`,
    `<p>Noise — what two instances of ${escapeHtml(check.reference)} disagreed on:</p><ul class="noise">${noise}</ul>`,
    declared,
    '</article>',
  ].join('');
}

/** The equivalence section's content, or undefined when no source checked any scenario against a reference. */
export function renderEquivalence(sources: readonly ReportSource[]): string | undefined {
  const parts = sources.flatMap((source) => (source.document.equivalence ?? []).map((check) => renderCheck(check, sources.length > 1 ? source.label : undefined)));
  return parts.length === 0 ? undefined : parts.join('\n');
}
