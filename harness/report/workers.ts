/**
 * The report's load workers: for every run whose load came from several workers (`load.workers`),
 * the split and each worker under the run — pod, node, clock offset, start lateness, where its
 * start fell on the harness's clock, its planned sends against its exact share, its send lag —
 * and why a worker made the run invalid. HTML and Markdown from the same rows. Pure; every string
 * from the results is escaped.
 */
import type { RunRecord, WorkerRecord } from '../results/document.js';
import { escapeHtml, escapeMarkdownCell } from './escape.js';
import type { ReportSource } from './sources.js';

/** A run made by several workers, with its source's label. */
interface WorkersRun {
  readonly source: string;
  readonly run: RunRecord & { readonly workers: NonNullable<RunRecord['workers']> };
}

function workerRuns(sources: readonly ReportSource[]): WorkersRun[] {
  return sources.flatMap((source) => source.document.runs.filter((run): run is WorkersRun['run'] => run.workers !== undefined).map((run) => ({ source: source.label, run })));
}

const fixed = (value: number | undefined, digits: number, unit: string): string => (value === undefined ? '–' : `${value.toFixed(digits)} ${unit}`);
const whole = (value: number | undefined): string => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));

/** The cells of one worker, in the table's column order. */
function cells(worker: WorkerRecord): string[] {
  const clock = worker.clockOffsetMs === undefined ? '–' : `${worker.clockOffsetMs >= 0 ? '+' : ''}${worker.clockOffsetMs.toFixed(1)} ± ${fixed(worker.clockUncertaintyMs, 1, 'ms')}`;
  const planned = worker.plannedInWindow === undefined ? '–' : `${whole(worker.plannedInWindow)}${worker.expectedPlannedInWindow === undefined ? '' : ` of ${whole(worker.expectedPlannedInWindow)}`}`;
  const lag = worker.sendLagP90Us === undefined ? '–' : `${whole(worker.sendLagP90Us)} / ${whole(worker.sendLagP99Us)} µs`;
  const state = worker.valid ? 'valid' : worker.state === 'done' ? 'invalid' : worker.state;
  return [String(worker.index), worker.name ?? '–', worker.node ?? '–', clock, fixed(worker.startLatenessMs, 2, 'ms'), fixed(worker.startDeviationMs, 2, 'ms'), planned, worker.achievedRps === undefined ? '–' : `${whole(worker.achievedRps)} req/s`, lag, whole(worker.connectionWaits), state];
}

const HEADERS = ['worker', 'pod or process', 'node', 'clock offset', 'start lateness', 'start on harness clock', 'planned (of its share)', 'achieved', 'send lag p90 / p99', 'connection waits', ''];

/** One sentence on how the run's load was made. */
function splitSentence({ run }: WorkersRun): string {
  const workers = run.workers;
  const where = workers.platform === 'kubernetes' ? `Indexed Job ${workers.job ?? '?'} in namespace ${workers.namespace ?? '?'}` : 'local processes (the pods\' command)';
  return `${workers.count} workers × ${workers.threadsPerWorker} engine thread(s), ${where}; one schedule split exactly, started at ${new Date(workers.startAtEpochMs).toISOString()} by the clock of each worker (ready after ${(workers.readyMs / 1000).toFixed(1)} s); starts spread over ${fixed(workers.startSpreadMs, 2, 'ms')} (limit ${workers.maxStartSkewMs} ms).`;
}

const NOTE =
  'Each worker is judged before its histogram is added: its planned sends must be exactly its share of the one schedule, its p90 send lag at most 1 ms, at most 1 % of its sends may wait for a connection, and the workers must start within the stated skew (the start instant + the engine\'s lateness − the worker\'s clock offset, measured by ping over the API server, ± half the round trip). Then histograms are added, counts summed, and the rate taken over the window all workers shared; the run\'s send lag is the worst worker\'s.';

/** The workers' HTML, or undefined when no run had several. */
export function renderWorkersHtml(sources: readonly ReportSource[]): string | undefined {
  const runs = workerRuns(sources);
  if (runs.length === 0) return undefined;
  const merged = sources.length > 1;
  const blocks = runs.map((entry) => {
    const rows = entry.run.workers.workers
      .map((worker) => `<tr${worker.valid ? '' : ' class="invalid"'}>${cells(worker).map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>${worker.problems.length === 0 ? '' : `<tr class="invalid"><td></td><td colspan="${HEADERS.length - 1}">${worker.problems.map(escapeHtml).join('<br>')}</td></tr>`}`)
      .join('');
    return `<h4>${escapeHtml(entry.run.id)}${merged ? ` <span class="source">${escapeHtml(entry.source)}</span>` : ''}${entry.run.validity.valid ? '' : ' <span class="badge invalid">invalid</span>'}</h4><p>${escapeHtml(splitSentence(entry))}</p><table class="workers"><thead><tr>${HEADERS.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
  });
  return `<h3>Load workers</h3><p>${escapeHtml(NOTE)}</p>${blocks.join('')}`;
}

/** The workers' Markdown lines, or [] when no run had several. */
export function renderWorkersMarkdown(sources: readonly ReportSource[]): string[] {
  const runs = workerRuns(sources);
  if (runs.length === 0) return [];
  const lines = ['### Load workers', '', `_${NOTE}_`, ''];
  for (const entry of runs) {
    lines.push(`**${escapeMarkdownCell(entry.run.id)}**${sources.length > 1 ? ` (${escapeMarkdownCell(entry.source)})` : ''}${entry.run.validity.valid ? '' : ' ⚠️ invalid'}: ${escapeMarkdownCell(splitSentence(entry))}`, '');
    lines.push(`| ${HEADERS.map(escapeMarkdownCell).join(' | ')} |`, `| ${HEADERS.map(() => '---').join(' | ')} |`);
    for (const worker of entry.run.workers.workers) lines.push(`| ${cells(worker).map(escapeMarkdownCell).join(' | ')} |`);
    const problems = entry.run.workers.workers.flatMap((worker) => worker.problems.map((problem) => `- ${escapeMarkdownCell(problem)}`));
    lines.push('', ...(problems.length === 0 ? [] : [...problems, '']));
  }
  return lines;
}
