/**
 * Drift between merged results files (issue 22 item 11): the same service and point in both files
 * with both medians and their ratio, the floor service's own drift as the reference once its runs
 * (`role: 'floor'`) are there, and the note that absolute figures do not compare across runs.
 */
import { describe, expect, it } from 'vitest';
import { ABSOLUTE_FIGURES_NOTE, driftCells, driftTable } from '../../harness/report/drift.js';
import { renderReport } from '../../harness/report/render.js';
import { buildModel } from '../../harness/report/sources.js';
import type { ResultsDocument, RunRecord } from '../../harness/results/document.js';
import { loadFixture, onHost } from '../fixtures/report/documents.js';

const BUNDLES = { vega: '', vegaLite: '', vegaEmbed: '' };

/** The fixture's json-closed point only, python at `pythonRps` req/s and `pythonCpuUs` µs per request, and optionally a floor at `floorRps`. */
function measured(pythonRps: number, pythonCpuUs: number, floorRps?: number, startedAt = '2026-11-27T00:06:02.473Z'): ResultsDocument {
  const fixture = loadFixture();
  const python = fixture.runs.find((run) => run.scenario === 'json-closed' && run.service === 'python')!;
  const at = (run: RunRecord, rps: number, cpuUs: number): RunRecord => ({ ...run, load: { ...run.load, achievedRps: rps }, measured: { ...run.measured, cpuUsPerRequest: cpuUs } });
  const runs: RunRecord[] = [at(python, pythonRps, pythonCpuUs)];
  if (floorRps !== undefined) runs.push({ ...at(python, floorRps, 20), id: python.id.replace('python', 'floor'), service: 'floor', role: 'floor' } as RunRecord);
  return { ...fixture, startedAt, claims: undefined, runs, builds: [] };
}

const merged = (...documents: ResultsDocument[]) => buildModel(documents.map((document, index) => ({ file: `run${index + 1}/results.json`, document })));

describe('drift between results files', () => {
  it('is not shown for one file, but the note on absolute figures is', () => {
    expect(driftTable(merged(measured(691, 1400)))).toBeUndefined();
    const report = renderReport([{ file: 'a/results.json', document: measured(691, 1400) }], BUNDLES);
    expect(report.markdown).toContain('Absolute figures (req/s, µs, cores) are not comparable across runs');
    expect(report.markdown).not.toContain('## Drift');
    expect(report.html).toContain('Ratios between services within one run, measured in interleaved rounds, are: compare those.');
  });
  it('lists the same service and point in both files with both medians and the ratio (691 → 899 req/s: 1.30×)', () => {
    const table = driftTable(merged(measured(691, 1400), onHost(measured(899, 1100, undefined, '2026-11-27T00:26:00.000Z'), 'vm')))!;
    expect(table.hasFloor).toBe(false);
    expect(table.rows.map((row) => [row.service, row.metric, row.earlier.value, row.later.value, Number(row.ratio.toFixed(4)), row.relativeToFloor])).toEqual([
      ['python', 'rps', 691, 899, 1.301, undefined],
      ['python', 'cpuUsPerRequest', 1400, 1100, 0.7857, undefined],
    ]);
    const { header, rows } = driftCells(table);
    expect(header).toEqual(['scenario, load', 'service', 'metric', 'earlier', 'later', 'later ÷ earlier']);
    expect(rows[0]).toEqual(['json-closed, closed loop, 32 connections', 'python', 'rps', '691 req/s (n=1, vm (run1))', '899 req/s (n=1, vm (run2))', '1.30×']);
  });
  it('uses the floor service (runs with role floor) as the machine\'s own drift: its ratio first, each service\'s divided by it', () => {
    const table = driftTable(merged(measured(1000, 1400, 10_000), measured(1300, 1400, 12_500, '2026-11-27T00:26:00.000Z')))!;
    expect(table.hasFloor).toBe(true);
    const rps = table.rows.filter((row) => row.metric === 'rps');
    expect(rps.map((row) => [row.service, row.isFloor, Number(row.ratio.toFixed(4)), row.relativeToFloor === undefined ? undefined : Number(row.relativeToFloor.toFixed(4))])).toEqual([
      ['floor', true, 1.25, undefined],
      ['python', false, 1.3, 1.04],
    ]);
    const { header, rows } = driftCells(table);
    expect(header.at(-1)).toBe("÷ the floor's");
    expect(rows.map((row) => [row[1], row.at(-1)])).toContainEqual(['floor (floor)', '–']);
    expect(rows.map((row) => [row[1], row[2], row.at(-1)])).toContainEqual(['python', 'rps', '1.04×']);
  });
  it('is a section of the merged report, in summary.md and index.html', () => {
    const report = renderReport(
      [
        { file: 'run1/results.json', document: measured(691, 1400) },
        { file: 'run2/results.json', document: measured(899, 1100, undefined, '2026-11-27T00:26:00.000Z') },
      ],
      BUNDLES,
    );
    expect(report.markdown).toContain('## Drift between the results files');
    expect(report.markdown).toContain(ABSOLUTE_FIGURES_NOTE.slice(0, 60));
    expect(report.markdown).toContain('| json-closed, closed loop, 32 connections | python | rps | 691 req/s (n=1, vm (run1)) | 899 req/s (n=1, vm (run2)) | 1.30× |');
    expect(report.html).toContain('<section id="drift"><h2>Drift between the results files</h2>');
    expect(report.html).toContain('<a href="#drift">');
  });
});
