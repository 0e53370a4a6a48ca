import { readFileSync } from 'node:fs';
import { compile } from 'vega-lite';
import { it } from 'vitest';
import { buildModel } from '../../harness/report/sources.js';
import { buildCharts } from '../../harness/report/spec.js';
it('x', () => {
  const document = JSON.parse(readFileSync('/work/main/tests/fixtures/report/results.json', 'utf8'));
  const charts = buildCharts(buildModel([{ file: 'results.json', document }]));
  for (const c of charts) {
    try { const warn: string[] = []; compile(c.spec as never, { logger: { warn: (...a: unknown[]) => { warn.push(a.join(' ')); return undefined as never; }, info: () => undefined as never, debug: () => undefined as never, error: (...a: unknown[]) => { throw new Error(a.join(' ')); }, level: () => 0 } as never }); console.log(c.id, c.kind, c.scenario, 'ok', warn.join('|'), JSON.stringify(c.spec).length); }
    catch (e) { console.log(c.id, c.kind, c.scenario, 'FAIL', (e as Error).message); }
  }
});
