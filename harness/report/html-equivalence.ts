/**
 * The equivalence checks of the report: for each scenario with a `reference:` service, how many
 * requests were compared, each service's verdict (the first difference of one that failed, with
 * both answers), the noise learnt between two instances of the reference and the declared
 * `ignore:` paths — how "the rewrite does the same work" was established. Pure; every string
 * from the results is escaped.
 */
import type { ReferenceCheck } from '../results/document.js';
import { escapeHtml } from './escape.js';
import type { ReportSource } from './sources.js';

function renderCheck(check: ReferenceCheck, label: string | undefined): string {
  const verdicts = check.verdicts
    .map((verdict) => {
      if (verdict.state === 'pass') return `<li><span class="badge valid">same answers</span> <strong>${escapeHtml(verdict.service)}</strong>: ${verdict.checked} of ${verdict.checked} requests answered like ${escapeHtml(check.reference)}</li>`;
      const detail =
        verdict.difference === undefined
          ? escapeHtml(verdict.error ?? 'not compared')
          : `<code>${escapeHtml(verdict.difference.request)}</code>: ${escapeHtml(verdict.difference.described)}<pre>${escapeHtml(check.reference)}: ${escapeHtml(verdict.difference.referenceBody)}\n${escapeHtml(verdict.service)}: ${escapeHtml(verdict.difference.candidateBody)}</pre>`;
      return `<li><span class="badge invalid">different</span> <strong>${escapeHtml(verdict.service)}</strong> (not measured): ${detail}</li>`;
    })
    .join('');
  const noise = check.noise.length === 0 ? '<li class="muted">none: two instances of the reference answered every request alike</li>' : check.noise.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  const ignore = check.ignore.length === 0 ? '' : `<p>Declared as allowed to differ (<code>compare.ignore</code>): ${check.ignore.map((path) => `<code>${escapeHtml(path)}</code>`).join(', ')}.</p>`;
  return [
    `<article class="equivalence"><h3>${escapeHtml(check.scenario)}${label === undefined ? '' : ` <span class="source">${escapeHtml(label)}</span>`}</h3>`,
    `<p>Every service got the same ${check.requests} seeded requests as the reference service <strong>${escapeHtml(check.reference)}</strong> (its request mix, other seeds than the load's), and so did a second instance of it; answers were compared as JSON (key order and number forms ignored).</p>`,
    `<ul class="verdicts">${verdicts}</ul>`,
    `<p>Noise — what two instances of ${escapeHtml(check.reference)} disagreed on, so ignored:</p><ul class="noise">${noise}</ul>`,
    ignore,
    '</article>',
  ].join('');
}

/** The equivalence section's content, or undefined when no source checked any scenario against a reference. */
export function renderEquivalence(sources: readonly ReportSource[]): string | undefined {
  const parts = sources.flatMap((source) => (source.document.equivalence ?? []).map((check) => renderCheck(check, sources.length > 1 ? source.label : undefined)));
  return parts.length === 0 ? undefined : parts.join('\n');
}
