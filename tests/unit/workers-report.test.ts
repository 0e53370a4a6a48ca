/**
 * A run made by load workers in results.json and in the report: the workers' record reads back
 * through the results schema, and the report shows every worker under its run (pod, node, clock
 * offset, start lateness, planned sends against its share, send lag) with the reasons it was
 * invalid. Literal values.
 */
import { describe, expect, it } from 'vitest';
import { renderRemoteMarkdown } from '../../harness/report/remote.js';
import { renderWorkersHtml } from '../../harness/report/workers.js';
import { labelSources } from '../../harness/report/sources.js';
import type { RunRecord, WorkersRecord } from '../../harness/results/document.js';
import { resultsSchema } from '../../harness/results/schema.js';
import { loadFixture } from '../fixtures/report/documents.js';

const workers: WorkersRecord = {
  platform: 'kubernetes',
  namespace: 'load',
  job: 'rb-quote-api-rep1-rate0-k3x9a',
  count: 2,
  threadsPerWorker: 1,
  startAtEpochMs: 1_764_590_000_000,
  readyMs: 14_200,
  maxStartSkewMs: 10,
  startSpreadMs: 0.8,
  workers: [
    { index: 0, name: 'pod rb-quote-api-rep1-rate0-k3x9a-0-abcde', node: 'node-a', state: 'done', valid: true, clockOffsetMs: 1.25, clockUncertaintyMs: 3.5, startLatenessMs: 0.31, startDeviationMs: -0.94, plannedInWindow: 1500, expectedPlannedInWindow: 1500, achievedRps: 500, sendLagP90Us: 4, sendLagP99Us: 31, connectionWaits: 0, problems: [] },
    { index: 1, name: 'pod rb-quote-api-rep1-rate0-k3x9a-1-fghij', node: 'node-b', state: 'done', valid: false, clockOffsetMs: -0.5, clockUncertaintyMs: 3.1, startLatenessMs: 0.12, startDeviationMs: 0.62, plannedInWindow: 1500, expectedPlannedInWindow: 1500, achievedRps: 498, sendLagP90Us: 4210, sendLagP99Us: 9000, connectionWaits: 2, problems: ['worker 1 (pod … on node node-b) sent 4,210 µs late at p90 (limit 1,000 µs): it did not keep its own schedule'] },
  ],
};

function document() {
  const fixture = loadFixture();
  const base = fixture.runs[0]!;
  const run: RunRecord = { ...base, id: 'quote/api/rep1/rate0', validity: { ...base.validity, valid: false }, measured: { ...base.measured, measuredBy: 'none', targetUrl: 'http://api.shop.svc:8080' }, workers };
  return { ...fixture, runs: [run] };
}

describe('a run made by load workers', () => {
  it('reads back through the results schema with its workers', () => {
    const parsed = resultsSchema.parse(JSON.parse(JSON.stringify(document())));
    expect(parsed.runs[0]!.workers!.workers.map((worker) => [worker.index, worker.node, worker.valid])).toEqual([[0, 'node-a', true], [1, 'node-b', false]]);
  });
  it('shows every worker under its run in summary.md and the HTML report', () => {
    const sources = labelSources([{ file: 'r/results.json', document: document() }]);
    const markdown = renderRemoteMarkdown(sources, []).join('\n');
    expect(markdown).toContain('**quote/api/rep1/rate0** ⚠️ invalid: 2 workers × 1 engine thread(s), Indexed Job rb-quote-api-rep1-rate0-k3x9a in namespace load; one schedule split exactly, started at 2025-12-01T11:53:20.000Z by the clock of each worker (ready after 14.2 s); starts spread over 0.80 ms (limit 10 ms).');
    expect(markdown).toContain('| 0 | pod rb-quote-api-rep1-rate0-k3x9a-0-abcde | node-a | +1.3 ± 3.5 ms | 0.31 ms | -0.94 ms | 1,500 of 1,500 | 500 req/s | 4 / 31 µs | 0 | valid |');
    expect(markdown).toContain('| 1 | pod rb-quote-api-rep1-rate0-k3x9a-1-fghij | node-b | -0.5 ± 3.1 ms | 0.12 ms | 0.62 ms | 1,500 of 1,500 | 498 req/s | 4,210 / 9,000 µs | 2 | invalid |');
    expect(markdown).toContain('- worker 1 (pod … on node node-b) sent 4,210 µs late at p90');
    const html = renderWorkersHtml(sources)!;
    expect(html).toContain('<h3>Load workers</h3>');
    expect(html).toContain('<td>node-b</td>');
  });
});
