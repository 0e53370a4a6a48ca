/**
 * The headline table of one scenario point as HTML: services side by side, the load method in the
 * latency header, medians with their interval and its coverage under them, invalid services marked with their
 * reasons. Every string from the results file is escaped. Pure.
 */
import { escapeHtml } from './escape.js';
import { FLOOR_TABLE_NOTE, type BuildTable, type Cell, type Column, type HeadlineTable, type Row } from './tables.js';

const GROUP_TITLES: Readonly<Record<Row['group'], string>> = {
  latency: 'Latency',
  throughput: 'Throughput',
  cpu: 'CPU',
  memory: 'Memory (Σ over the process tree)',
  startup: 'Startup',
};

/** "closed loop" / "open loop" badge. */
export function loadModelBadge(model: 'closed' | 'open'): string {
  return `<span class="badge load-${model}">${model} loop</span>`;
}

function columnHeader(column: Column, isMerged: boolean): string {
  const source = isMerged ? `<div class="source">${escapeHtml(column.source)}</div>` : '';
  const floor = column.role === 'floor' ? '<div class="source">the platform floor</div>' : '';
  return `<th scope="col" class="service${column.role === 'floor' ? ' floor' : ''}${column.validRuns === 0 ? ' is-invalid' : ''}">${escapeHtml(column.service)}${floor}${source}</th>`;
}

function validityCell(column: Column): string {
  const count = `${column.validRuns} of ${column.runs} valid`;
  if (column.invalidReasons.length === 0) return `<td><span class="badge valid">valid</span> <span class="detail">${count}</span></td>`;
  const badge = column.validRuns === 0 ? '<span class="badge invalid">invalid</span>' : '<span class="badge partial">partly invalid</span>';
  const reasons = column.invalidReasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('');
  return `<td class="validity">${badge} <span class="detail">${count}</span><ul class="reasons">${reasons}</ul></td>`;
}

function valueCell(cell: Cell): string {
  if (cell.state === 'invalid') return '<td class="num is-invalid"><span class="invalid-value">invalid</span></td>';
  const detail = cell.detail === undefined ? '' : `<div class="detail">${escapeHtml(cell.detail)}</div>`;
  const marks = cell.warningMarks.length === 0 ? '' : ` <a class="warning-mark" href="#" title="see warning ${cell.warningMarks.join(', ')} under the table">⚠${cell.warningMarks.join(',')}</a>`;
  const floor = cell.atFloor === undefined ? '' : `<div class="at-floor" title="${escapeHtml(cell.atFloor)}">${escapeHtml(cell.atFloor)}</div>`;
  return `<td class="num${cell.state === 'missing' ? ' is-missing' : ''}${cell.state === 'bound' ? ' is-bound' : ''}"><span class="value">${escapeHtml(cell.text)}</span>${marks}${floor}${detail}</td>`;
}

function groupHeader(group: Row['group'], table: HeadlineTable, span: number): string {
  const method = group === 'latency' ? ` ${loadModelBadge(table.model)} <span class="method">${escapeHtml(table.method)}</span>` : '';
  return `<tr class="group"><th colspan="${span}" scope="colgroup">${GROUP_TITLES[group]}${method}</th></tr>`;
}

/** The `<table>` of one scenario point. */
export function renderHeadlineTable(table: HeadlineTable, isMerged: boolean): string {
  const span = table.columns.length + 1;
  const head = [
    `<tr><th scope="col" class="metric">metric</th>${table.columns.map((column) => columnHeader(column, isMerged)).join('')}</tr>`,
    `<tr class="load-row"><th scope="row">load</th>${table.columns.map((column) => `<td>${escapeHtml(column.load)}</td>`).join('')}</tr>`,
    `<tr class="validity-row"><th scope="row">runs</th>${table.columns.map(validityCell).join('')}</tr>`,
  ];
  const body: string[] = [];
  let group: Row['group'] | undefined;
  for (const row of table.rows) {
    if (row.group !== group) {
      group = row.group;
      body.push(groupHeader(row.group, table, span));
    }
    body.push(`<tr><th scope="row">${escapeHtml(row.label)}</th>${row.cells.map(valueCell).join('')}</tr>`);
  }
  const warnings =
    table.warnings.length === 0
      ? ''
      : `<div class="warnings"><p>${table.warnings.length} warning${table.warnings.length === 1 ? '' : 's'} on valid runs (⚠N beside a value: warning N concerns it)</p><ol>${table.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ol></div>`;
  const note = table.note === undefined ? '<p class="table-legend">Each value is the median of the valid runs; under it, its confidence interval (CI, order statistics of the runs, with the coverage it actually has: 95 % needs 6 valid runs) and the number of valid runs n; ⚠N marks a value that warning N under the table concerns.</p>' : `<p class="table-note">${escapeHtml(table.note)}</p>`;
  const floorNote = table.columns.some((column) => column.role === 'floor') ? `<p class="table-note floor-note">${escapeHtml(FLOOR_TABLE_NOTE)}</p>` : '';
  const builds = '<p class="muted build-link">Build time, artifact size and lines of code are per service, the same in every scenario: see <a href="#builds">Build and code size</a>.</p>';
  return `${note}<div class="table-wrap"><table class="headline"><thead>${head.join('')}</thead><tbody>${body.join('')}</tbody></table></div>${floorNote}${warnings}${builds}`;
}

/** The build table, once for the report (services and sources side by side). */
export function renderBuildTable(table: BuildTable, isMerged: boolean): string {
  const head = `<tr><th scope="col" class="metric">metric</th>${table.columns.map((column) => `<th scope="col" class="service">${escapeHtml(column.service)}${isMerged ? `<div class="source">${escapeHtml(column.source)}</div>` : ''}</th>`).join('')}</tr>`;
  const body = table.rows.map((row) => `<tr><th scope="row">${escapeHtml(row.label)}</th>${row.cells.map(valueCell).join('')}</tr>`).join('');
  return `<div class="table-wrap"><table class="headline builds"><thead>${head}</thead><tbody>${body}</tbody></table></div><p class="table-note">${escapeHtml(table.note)}</p>`;
}
