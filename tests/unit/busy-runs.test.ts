import { describe, expect, it } from 'vitest';
import { renderReport } from '../../harness/report/render.js';
import type { ResultsDocument, RunRecord } from '../../harness/results/document.js';
import { countsForVerdicts, describeLeftOut, leftOutBusy, type Finding, type Validity } from '../../harness/results/validity.js';
import { formatRunSummary } from '../../harness/run/summary.js';
import { loadFixture } from '../fixtures/report/documents.js';

const BUSY: Finding = { code: 'machine-busy', text: 'the machine was busy: other processes used 30.0 % of the load CPUs', next: 'run on a quieter machine', concerns: ['p50', 'p99'] };
const THIN: Finding = { code: 'thin-tail', text: '900 responses', next: 'longer', concerns: ['p999'] };
const clean: Validity = { valid: true, reasons: [], warnings: [THIN], bottleneck: 'neither', lowerBoundRps: undefined };
const busy: Validity = { ...clean, warnings: [THIN, BUSY] };
const invalidBusy: Validity = { valid: false, reasons: [{ ...BUSY, code: 'saturated' }, BUSY], warnings: [], bottleneck: 'service', lowerBoundRps: undefined };

/** The report fixture with a machine-busy warning added to the valid runs of process-sweep's python. */
function withBusyRuns(document: ResultsDocument): ResultsDocument {
  const runs: RunRecord[] = document.runs.map((run) => (run.scenario === 'process-sweep' && run.service === 'python' && run.rateIndex < 2 ? { ...run, validity: { ...run.validity, warnings: [...run.validity.warnings, BUSY] } } : run));
  return { ...document, runs };
}

describe('runs of a busy machine: valid, never deciding a verdict, and counted where the numbers are shown', () => {
  it('leaves out of verdicts exactly the valid runs with a machine-busy warning', () => {
    expect([clean, busy, invalidBusy].map(countsForVerdicts)).toEqual([true, false, false]);
    const runs = [{ validity: clean }, { validity: busy }, { validity: busy }, { validity: invalidBusy }];
    expect(leftOutBusy(runs)).toHaveLength(2);
    expect(describeLeftOut(runs)).toBe("2 valid runs left out of the claims and the gate: the machine was busy (other processes used over 10 % of the service's or the load CPUs); run on a quieter machine");
    expect(describeLeftOut([{ validity: busy }])).toMatch(/^1 valid run left out/);
    // An invalid run is invalid, not "left out": it is listed with its reasons already.
    expect(describeLeftOut([{ validity: clean }, { validity: invalidBusy }])).toBeUndefined();
  });
  it('says so under the scenario\'s table in the terminal, and in the report\'s summary.md and index.html', () => {
    const document = withBusyRuns(loadFixture());
    const terminal = formatRunSummary(document);
    const sweep = terminal.slice(terminal.indexOf('## process-sweep'), terminal.indexOf('## gateway'));
    expect(sweep).toContain('  2 valid runs left out of the claims and the gate: the machine was busy');
    expect(terminal.slice(0, terminal.indexOf('## process-sweep'))).not.toContain('left out');
    const report = renderReport([{ file: 'results.json', document }], { vega: '', vegaLite: '', vegaEmbed: '' });
    expect(report.markdown).toContain('2 valid runs left out of the claims and the gate: the machine was busy');
    expect(report.html).toContain('2 valid runs left out of the claims and the gate: the machine was busy');
    const quiet = renderReport([{ file: 'results.json', document: loadFixture() }], { vega: '', vegaLite: '', vegaEmbed: '' });
    expect(quiet.markdown).not.toContain('left out');
  });
});
