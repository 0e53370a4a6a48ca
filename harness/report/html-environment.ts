/**
 * The bottom of the page as HTML: the services measured, failures, and per source the machine
 * (CPU model, cores, kernel, cgroup, versions, git commit, CPU plan, harness niceness) with the
 * exact command to reproduce. Escaped throughout. Pure.
 */
import { formatBytes } from '../format.js';
import { escapeHtml } from './escape.js';
import { reproduceCommands, type ReportSource } from './sources.js';

function definitionList(entries: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="facts">${entries.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

const text = (value: string | number | undefined): string => (value === undefined || value === '' ? '<span class="muted">unknown</span>' : escapeHtml(String(value)));

function renderSourceEnvironment(source: ReportSource, isMerged: boolean): string {
  const { document } = source;
  const environment = document.environment;
  const versions = Object.entries(environment?.versions ?? {})
    .map(([name, version]) => `<li><span class="muted">${escapeHtml(name)}:</span> ${escapeHtml(version)}</li>`)
    .join('');
  const commit = environment?.gitCommit === undefined ? text(undefined) : `<code>${escapeHtml(environment.gitCommit)}</code>${environment.gitDirty === true ? ' <span class="badge partial">uncommitted changes</span>' : environment.gitDirty === false ? ' <span class="muted">(clean tree)</span>' : ''}`;
  const facts: Array<[string, string]> = [
    ['results file', `<code>${escapeHtml(source.file)}</code>`],
    ['host', text(environment?.hostname)],
    ['CPU', text(environment?.cpuModel)],
    ['logical CPUs', `${text(environment?.logicalCpus)} <span class="muted">(allowed: ${text(environment?.allowedCpus)})</span>`],
    ['memory', text(environment?.memoryBytes === undefined ? undefined : formatBytes(environment.memoryBytes))],
    ['kernel', text(environment?.kernel)],
    ['cgroup', text(environment?.cgroup)],
    ['CPU plan', document.cpuPlan === undefined || document.cpuPlan === null ? '<span class="muted">no pinning</span>' : `service on CPUs <code>${escapeHtml(document.cpuPlan.serviceCpus)}</code>; load generator, upstream, database server and harness on <code>${escapeHtml(document.cpuPlan.loadCpus)}</code>${document.cpuPlan.choice === undefined ? '' : ` (${escapeHtml(document.cpuPlan.choice.reason)})`}`],
    ['harness niced', document.harnessNiced ? 'yes (nice 10: sampling yields to the load generator)' : 'no'],
    ['versions', `<ul class="versions">${versions}</ul>`],
    ['git commit', commit],
    ['tool', text(`${document.tool?.name ?? 'rewrite-bench'} ${document.tool?.version ?? ''}`)],
    ['state', `${text(document.state)} <span class="muted">(${text(document.startedAt)} → ${text(document.finishedAt)})</span>`],
  ];
  const heading = isMerged ? `<h3 class="source-heading">${escapeHtml(source.label)}</h3>` : '';
  const dirty = environment?.gitDirty === true ? '<p class="warning-text">The working tree had uncommitted changes: the commit alone does not reproduce this run.</p>' : '';
  return `${heading}${definitionList(facts)}<h4>Reproduce</h4>${dirty}<pre class="command"><code>${reproduceCommands(source).map(escapeHtml).join('\n')}</code></pre><p class="muted">Recorded command: <code>${text(environment?.command)}</code></p>`;
}

/** The environment and reproduce commands of every source. */
export function renderEnvironment(sources: readonly ReportSource[]): string {
  return sources.map((source) => renderSourceEnvironment(source, sources.length > 1)).join('\n');
}

/** The services measured (name, language, description), per source when they differ. */
export function renderServices(sources: readonly ReportSource[]): string {
  const rows = new Map<string, string>();
  for (const source of sources) {
    for (const [name, service] of Object.entries(source.document.services ?? {})) {
      const row = `<tr><td><strong>${escapeHtml(name)}</strong></td><td>${escapeHtml(service.language)}</td><td>${escapeHtml(service.description)}</td></tr>`;
      if (!rows.has(`${name}\u0000${row}`)) rows.set(`${name}\u0000${row}`, row);
    }
  }
  if (rows.size === 0) return '';
  return `<div class="table-wrap"><table class="services"><thead><tr><th>service</th><th>language</th><th>stack</th></tr></thead><tbody>${[...rows.values()].join('')}</tbody></table></div>`;
}

/** Failures that stopped part of the matrix (builds, starts, contract checks), per source. */
export function renderFailures(sources: readonly ReportSource[]): string {
  const items = sources.flatMap((source) =>
    (source.document.failures ?? []).map((failure) => {
      const where = [failure.scenario, failure.service].filter((part): part is string => part !== undefined).join(' / ') || 'run';
      const origin = sources.length > 1 ? ` <span class="muted">(${escapeHtml(source.label)})</span>` : '';
      return `<li><strong>${escapeHtml(where)}</strong>${origin}: <pre class="failure">${escapeHtml(failure.message)}</pre></li>`;
    }),
  );
  return items.length === 0 ? '' : `<section class="failures"><h3>Failures</h3><p>These parts of the matrix were not measured:</p><ul>${items.join('')}</ul></section>`;
}
