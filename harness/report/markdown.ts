/**
 * summary.md: the report as GitHub Markdown for pull-request comments — claims with verdicts,
 * headline tables (services side by side, medians with their intervals and coverage, invalid runs with their reasons),
 * build and code size, and where it was measured. Strings from results files are escaped (GitHub
 * renders inline HTML). Pure.
 */
import { serviceRuns } from '../results/floor-runs.js';
import type { ClaimResult, Verdict } from '../results/claims.js';
import { formatCheckValue, formatNumber } from '../claims/format.js';
import { escapeMarkdown, escapeMarkdownCell, markdownCode } from './escape.js';
import { describeLeftOut } from '../results/validity.js';
import { reproduceCommands, type ReportModel, type ReportSource } from './sources.js';
import { buildTable, FLOOR_TABLE_NOTE, type HeadlineTable } from './tables.js';
import { formatCoverage } from '../stats/interval.js';
import { renderRemoteMarkdown } from './remote.js';
import { ABSOLUTE_FIGURES_NOTE, describeDrift, driftCells, driftTable } from './drift.js';

const VERDICT_WORDS: Readonly<Record<Verdict, string>> = { holds: '✅ **HOLDS**', refuted: '❌ **REFUTED**', inconclusive: '⚠️ **INCONCLUSIVE**', 'not-measured': '➖ **NOT MEASURED**' };

function tableLines(header: readonly string[], rows: ReadonlyArray<readonly string[]>, alignRight: (column: number) => boolean = (column) => column > 0): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map((_, column) => (alignRight(column) ? '---:' : ':---')).join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function claimRow(result: ClaimResult): string[] {
  const where = [result.scenario, result.load].filter((part): part is string => part !== undefined).join(', ');
  const checks = result.checks.map((check) => `${escapeMarkdownCell(check.verdict)}: ${markdownCode(formatCheckValue(check))}${check.n === undefined ? '' : `, n=${check.n}`}${check.note === undefined ? '' : ` — ${escapeMarkdownCell(check.note)}`}`);
  return [VERDICT_WORDS[result.verdict], `**${escapeMarkdownCell(result.id)}**: ${escapeMarkdownCell(result.text)}`, escapeMarkdownCell(where || '–'), checks.join('<br>')];
}

function claimsSection(source: ReportSource, isMerged: boolean): string[] {
  const claims = source.document.claims;
  if (claims === undefined || claims === null) return [];
  const lines = [`## Claims${isMerged ? ` — ${escapeMarkdown(source.label)}` : ''}`, '', `From ${markdownCode(claims.file)}; each check decided on paired rounds by an exact sequential test planned before the first round (signed-rank on log ratios; the sign test for tail metrics), each wrong verdict at most 2.5 % over all looks; the interval is the deciding (or last) look's, at the plan's per-look level, so it lies on the claimed side exactly when the check holds.`, ''];
  lines.push(...tableLines(['verdict', 'claim', 'scenario, load', 'checks: value [interval]'], claims.results.map(claimRow), () => false));
  if (claims.capacity.length > 0) {
    lines.push('', '**Cores needed** (extrapolated from CPU time per request)', '');
    lines.push(
      ...tableLines(
        ['service', 'scenario', 'measured at', 'target', 'cores needed [interval]'],
        claims.capacity.map((estimate) => [
          escapeMarkdownCell(estimate.service),
          escapeMarkdownCell(estimate.scenario),
          escapeMarkdownCell(estimate.load),
          `${formatNumber(estimate.throughputRps)} req/s`,
          estimate.coresNeeded.n < 2
            ? `${formatNumber(estimate.coresNeeded.value)} (n=1: no interval)`
            : `${formatNumber(estimate.coresNeeded.value)} [${formatNumber(estimate.coresNeeded.low)}, ${formatNumber(estimate.coresNeeded.high)}] (${formatCoverage(estimate.coresNeeded.coverage)}), n=${estimate.coresNeeded.n}`,
        ]),
        (column) => column >= 3,
      ),
    );
    lines.push('', ...[...new Set(claims.capacity.map((estimate) => estimate.assumption))].map((assumption) => `> Assumption: ${escapeMarkdown(assumption)}`));
  }
  lines.push('');
  return lines;
}

function headlineSection(table: HeadlineTable, isMerged: boolean): string[] {
  const header = ['metric', ...table.columns.map((column) => `**${escapeMarkdownCell(column.service)}**${isMerged ? `<br>${escapeMarkdownCell(column.source)}` : ''}`)];
  const rows: string[][] = [
    ['load', ...table.columns.map((column) => escapeMarkdownCell(column.load))],
    ['valid runs', ...table.columns.map((column) => `${column.validRuns}/${column.runs}${column.validRuns === 0 ? ' ❌ invalid' : column.validRuns < column.runs ? ' ⚠️' : ''}`)],
    ...table.rows.map((row) => [
        escapeMarkdownCell(row.label),
        ...row.cells.map((cell) => {
          if (cell.state === 'invalid') return '_invalid_';
          const floor = cell.atFloor === undefined ? '' : ` ≈floor<br><sub>${escapeMarkdownCell(cell.atFloor)}</sub>`;
          if (cell.detail === undefined || cell.state === 'missing') return `${escapeMarkdownCell(cell.text)}${floor}`;
          return `${escapeMarkdownCell(cell.text)}${floor}<br><sub>${escapeMarkdownCell(cell.detail)}</sub>`;
        }),
      ]),
  ];
  const lines = [`### ${escapeMarkdown(table.scenario)} — ${escapeMarkdown(table.pointLabel)}`, '', `_Load:_ ${escapeMarkdown(table.method)}`, '', ...tableLines(header, rows)];
  if (table.note !== undefined) lines.push('', `_${escapeMarkdown(table.note)}_`);
  if (table.columns.some((column) => column.role === 'floor')) lines.push('', `_${escapeMarkdown(FLOOR_TABLE_NOTE)}_`);
  if (table.invalid.length > 0) lines.push('', 'Invalid runs (not in the medians):', ...table.invalid.map((entry) => `- ${escapeMarkdown(entry)}`));
  lines.push('');
  return lines;
}

function buildSection(model: ReportModel): string[] {
  const table = buildTable(model);
  if (table === undefined) return [];
  const header = ['', ...table.columns.map((column) => `**${escapeMarkdownCell(column.service)}**${model.isMerged ? `<br>${escapeMarkdownCell(column.source)}` : ''}`)];
  const rows = table.rows.map((row) => [escapeMarkdownCell(row.label), ...row.cells.map((cell) => escapeMarkdownCell(cell.text))]);
  return ['## Build and code size', '', ...tableLines(header, rows), '', `_${escapeMarkdown(table.note)}_`, ''];
}

function driftSection(model: ReportModel): string[] {
  const table = driftTable(model);
  if (table === undefined) return [];
  const { header, rows } = driftCells(table);
  return ['## Drift between the results files', '', escapeMarkdown(describeDrift(table)), '', ...tableLines(header.map(escapeMarkdownCell), rows.map((row) => row.map(escapeMarkdownCell)), (column) => column >= 5), ''];
}

function environmentSection(model: ReportModel): string[] {
  return model.sources.flatMap((source) => {
    const environment = source.document.environment;
    const facts = [
      `host ${markdownCode(environment?.hostname ?? 'unknown')}`,
      `${escapeMarkdown(environment?.cpuModel ?? 'unknown CPU')} (${environment?.logicalCpus ?? '?'} logical CPUs, allowed ${escapeMarkdown(environment?.allowedCpus ?? '?')})`,
      escapeMarkdown(environment?.kernel ?? 'unknown kernel'),
      `cgroup ${escapeMarkdown(environment?.cgroup ?? '?')}`,
      source.document.cpuPlan ? `service CPUs ${escapeMarkdown(source.document.cpuPlan.serviceCpus)}, load CPUs ${escapeMarkdown(source.document.cpuPlan.loadCpus)}` : 'no CPU pinning',
      `harness niced: ${source.document.harnessNiced ? 'yes' : 'no'}`,
      `commit ${markdownCode(environment?.gitCommit ?? 'unknown')}${environment?.gitDirty === true ? ' (uncommitted changes)' : ''}`,
    ];
    return [`**${escapeMarkdown(source.label)}** — ${markdownCode(source.file)}: ${facts.join(' · ')}`, '', '```sh', ...reproduceCommands(source).map((line) => line.replace(/`/g, "'")), '```', ''];
  });
}

/** summary.md for a report model and its headline tables. */
export function renderMarkdown(model: ReportModel, tables: readonly HeadlineTable[]): string {
  const runs = model.sources.flatMap((source) => source.document.runs);
  const valid = runs.filter((run) => run.validity.valid).length;
  const busy = describeLeftOut(runs);
  const lines = [
    '# rewrite-bench report',
    '',
    `${model.scenarios.length} scenarios · ${new Set(serviceRuns(runs).map((run) => run.service)).size} services · ${runs.length} runs (${valid} valid) · ${model.sources.length} results file(s).${busy === undefined ? '' : ` ${escapeMarkdown(busy)}.`} Medians of valid runs, with their confidence interval (CI: order statistics of the runs, its coverage stated — 95 % needs 6 valid runs) and number of valid runs n in small print; invalid runs are listed, never mixed in. Open-loop latency is from the planned send time, closed-loop latency from the send. ${escapeMarkdown(ABSOLUTE_FIGURES_NOTE)}`,
    '',
    ...model.sources.flatMap((source) => claimsSection(source, model.isMerged)),
    '## Headline tables',
    '',
    ...(model.sources.some((source) => source.document.builds.length > 0) ? ['_Build time, artifact size and lines of code are per service, the same in every scenario: [Build and code size](#build-and-code-size), once, below._', ''] : []),
    ...tables.flatMap((table) => headlineSection(table, model.isMerged)),
    ...driftSection(model),
    ...buildSection(model),
    ...renderRemoteMarkdown(model.sources, model.combined),
    '## Environment',
    '',
    ...environmentSection(model),
  ];
  const failures = model.sources.flatMap((source) =>
    (source.document.failures ?? []).map((failure) => {
      const [first, ...rest] = failure.message.split('\n');
      const item = `- ${escapeMarkdown([failure.scenario, failure.service].filter(Boolean).join(' / ') || 'run')}: ${escapeMarkdown(first ?? '')}`;
      // The rest (a difference's request and both answers) verbatim, in a block under the item.
      return rest.length === 0 ? item : [item, '', '  ~~~text', ...rest.map((line) => `  ${line}`), '  ~~~'].join('\n');
    }),
  );
  if (failures.length > 0) lines.push('## Failures', '', ...failures, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
