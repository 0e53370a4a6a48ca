/**
 * What users read after an equivalence check: compare's printout and suggested `compare:` lines,
 * the failure message of a run (every location, not only the first), the terminal's failures
 * summary and the Markdown report's (whole messages), and the HTML report's equivalence section.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderEquivalence } from '../../harness/report/html-equivalence.js';
import { buildModel } from '../../harness/report/sources.js';
import { renderMarkdown } from '../../harness/report/markdown.js';
import { headlineTables } from '../../harness/report/tables.js';
import type { ReferenceCheck, ReferenceDifference } from '../../harness/results/document.js';
import { formatRunSummary } from '../../harness/run/summary.js';
import { describeVerdict } from '../../harness/verify/against-reference.js';
import { formatComparison, suggestionYaml } from '../../harness/verify/format-comparison.js';
import { loadFixture } from '../fixtures/report/documents.js';

const total: ReferenceDifference = {
  requestKind: 'GET /orders/{{id}}',
  location: '$.total',
  requests: 30,
  differedCount: 30,
  noiseCount: 0,
  example: { request: 'GET /orders/7', field: '$.total', described: '$.total: missing, expected `21`', referenceBody: '{"id":7,"total":21}', candidateBody: '{"id":7,"amount":21}' },
  accept: [{ kind: 'ignore', path: '$.total' }],
};
const amount: ReferenceDifference = { ...total, location: '$.amount', example: { ...total.example, field: '$.amount', described: '$.amount: extra, found `21`' }, accept: [{ kind: 'ignore', path: '$.amount' }] };
const status: ReferenceDifference = {
  requestKind: 'GET /flaky',
  location: 'status',
  requests: 28,
  differedCount: 28,
  noiseCount: 1,
  p: 1e-8,
  example: { request: 'GET /flaky?n=3', field: 'status', described: 'status: expected `200`, found `500`', referenceBody: '{"ok":true}', candidateBody: '{"error":"boom"}' },
};
const check: ReferenceCheck = {
  scenario: 'orders',
  reference: 'legacy',
  requests: 58,
  noise: ['`GET /flaky`: the status differed in 1 of 28 requests between two instances of the reference'],
  ignore: ['$.request_id'],
  rules: [{ kind: 'ignore', path: '$.request_id' }, { kind: 'ignore', path: '$.trace', why: 'a fresh trace id per request' }],
  verdicts: [
    { service: 'faithful', state: 'pass', checked: 58, withinNoise: [{ ...status, differedCount: 2, p: 0.5 }] },
    { service: 'renamed', state: 'fail', checked: 58, difference: total.example, differences: [total, amount] },
    { service: 'flaky-500', state: 'fail', checked: 58, difference: status.example, differences: [status] },
  ],
};

describe("compare's printout", () => {
  const text = formatComparison(check, 'scenarios/orders.yaml');
  it('lists every location of every service with counts, the example request and both answers', () => {
    expect(text.split('\n').slice(0, 18)).toEqual([
      '## orders (scenarios/orders.yaml): 3 services compared with legacy on 58 requests, each sent to two instances of legacy and to every service at once',
      '',
      'faithful: answers like legacy (58 of 58 requests)',
      "  more often than legacy's own noise there, but within it (not reported):",
      '    GET /flaky status: 2 of 28 requests (between two instances of legacy: 1)',
      'renamed: answers differently from legacy at 2 locations',
      '  GET /orders/{{id}} $.total: differs in 30 of 30 requests (between two instances of legacy: 0)',
      '    request: GET /orders/7',
      '    $.total: missing, expected `21`',
      '    legacy answered:  {"id":7,"total":21}',
      '    renamed answered: {"id":7,"amount":21}',
      '  GET /orders/{{id}} $.amount: differs in 30 of 30 requests (between two instances of legacy: 0)',
      '    request: GET /orders/7',
      '    $.amount: extra, found `21`',
      '    legacy answered:  {"id":7,"total":21}',
      '    renamed answered: {"id":7,"amount":21}',
      'flaky-500: answers differently from legacy at 1 location',
      '  GET /flaky status: differs in 28 of 28 requests (between two instances of legacy: 1)',
    ]);
  });
  it('shows the noise and the declared rules with their reasons, or that none was given', () => {
    expect(text).toContain('Noise: what two instances of legacy disagreed on\n  `GET /flaky`: the status differed in 1 of 28 requests');
    expect(text).toContain('Declared in `compare:` of scenarios/orders.yaml:\n  ignore `$.request_id` — no reason given\n  ignore `$.trace` — a fresh trace id per request');
  });
  it('prints quoted YAML that parses, with a why to fill in, and says what no rule accepts', () => {
    const yaml = text.slice(text.indexOf('  compare:'), text.indexOf('\n\nNo rule'));
    expect(yaml).toBe(
      [
        '  compare:',
        '    ignore:',
        '      - {path: "$.total", why: ""}  # renamed: GET /orders/{{id}} $.total, 30 of 30 requests',
        '      - {path: "$.amount", why: ""}  # renamed: GET /orders/{{id}} $.amount, 30 of 30 requests',
      ].join('\n'),
    );
    expect(parse(yaml)).toEqual({ compare: { ignore: [{ path: '$.total', why: '' }, { path: '$.amount', why: '' }] } });
    expect(text).toContain('No rule accepts these (fix the service):\n  flaky-500: GET /flaky status, 28 of 28 requests: status: expected `200`, found `500`');
  });
  it('prints one line for a rule two services need, quoting paths that need it', () => {
    const lines = suggestionYaml(
      [
        { rule: { kind: 'ignore', path: "$['a \"b\"']" }, because: ['x: …', 'y: …'] },
        { rule: { kind: 'ignore', path: '$.items[*].id' }, because: ['x: …'] },
      ],
      undefined,
    );
    expect(parse(lines.join('\n'))).toEqual({ compare: { ignore: [{ path: "$['a \"b\"']", why: '' }, { path: '$.items[*].id', why: '' }] } });
    expect(lines[2]).toBe('    - {path: "$[\'a \\"b\\"\']", why: ""}  # x: …; y: …');
    expect(suggestionYaml([], undefined)).toEqual([]);
  });
});

describe('the failure message and summaries', () => {
  const message = describeVerdict(check.verdicts[1]!, 'legacy', 'orders');
  it('describes every location, then how to list them all', () => {
    expect(message.split('\n')).toEqual([
      'renamed answers differently from the reference service legacy at 2 locations, not measured:',
      '  GET /orders/{{id}} $.total: differs in 30 of 30 requests (between two instances of legacy: 0)',
      '    request: GET /orders/7',
      '    $.total: missing, expected `21`',
      '    legacy answered:  {"id":7,"total":21}',
      '    renamed answered: {"id":7,"amount":21}',
      '  GET /orders/{{id}} $.amount: differs in 30 of 30 requests (between two instances of legacy: 0)',
      '    request: GET /orders/7',
      '    $.amount: extra, found `21`',
      '    legacy answered:  {"id":7,"total":21}',
      '    renamed answered: {"id":7,"amount":21}',
      '  `rewrite-bench compare orders` lists them in seconds, with the `compare:` lines that would accept them.',
    ]);
    // A verdict of an older results file has only its first difference.
    expect(describeVerdict({ service: 'old', state: 'fail', checked: 9, difference: total.example }, 'legacy')).toBe(
      'old answers differently from the reference service legacy, not measured:\n  request: GET /orders/7\n  first difference: $.total: missing, expected `21`\n  legacy answered:  {"id":7,"total":21}\n  old answered: {"id":7,"amount":21}',
    );
  });
  it('describes the first 10 locations of a service that differs everywhere and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, index) => ({ ...total, location: `$.f${index}` }));
    const lines = describeVerdict({ service: 'other', state: 'fail', checked: 30, difference: total.example, differences: many, moreDifferences: 3 }, 'legacy').split('\n');
    expect(lines[0]).toBe('other answers differently from the reference service legacy at 15 locations, not measured:');
    expect(lines.filter((line) => line.startsWith('  GET /orders/{{id}} $.f'))).toHaveLength(10);
    expect(lines.at(-1)).toBe("  … and 5 more locations (results.json's `equivalence` keeps the first 12)");
  });
  it('keeps the whole message in the terminal failures summary and the Markdown report (issue 22, item 12)', () => {
    const summary = formatRunSummary({ runs: [], failures: [{ scenario: 'orders', service: 'renamed', kind: 'non-conforming', message }] });
    expect(summary).toContain('## failures\n  orders / renamed: renamed answers differently from the reference service legacy at 2 locations, not measured:\n      GET /orders/{{id}} $.total: differs in 30 of 30 requests');
    expect(summary).toContain('\n        renamed answered: {"id":7,"amount":21}\n');
    const document = { ...loadFixture(), failures: [{ scenario: 'orders', service: 'renamed', kind: 'non-conforming' as const, message }] };
    const model = buildModel([{ file: 'results.json', document }]);
    const markdown = renderMarkdown(model, headlineTables(model));
    expect(markdown).toContain('## Failures\n\n- orders / renamed: renamed answers differently from the reference service legacy at 2 locations, not measured:\n\n  ~~~text\n    GET /orders/{{id}} $.total: differs in 30 of 30 requests (between two instances of legacy: 0)\n');
    expect(markdown).toContain('      renamed answered: {"id":7,"amount":21}\n');
  });
});

describe('the report', () => {
  it('shows every differing location with counts and both answers, what was within the noise, and every declared rule with its reason', () => {
    const html = renderEquivalence([{ file: 'results.json', document: { ...loadFixture(), equivalence: [check] }, label: 'vm', index: 0 }])!;
    expect(html).toContain("<p>Declared in the scenario's <code>compare:</code>, with the reason given:</p><ul class=\"rules\"><li>ignore `$.request_id` — no reason given</li><li>ignore `$.trace` — a fresh trace id per request</li></ul>");
    expect(html).toContain('<strong>renamed</strong> (not measured): 2 locations answered differently<ul class="differences"><li><code>GET /orders/{{id}} $.total</code>: differs in 30 of 30 requests (between two instances of legacy: 0)<br><code>GET /orders/7</code>: $.total: missing, expected `21`<pre>legacy: {&quot;id&quot;:7,&quot;total&quot;:21}\nrenamed: {&quot;id&quot;:7,&quot;amount&quot;:21}</pre></li><li><code>GET /orders/{{id}} $.amount</code>');
    expect(html).toContain(`<strong>faithful</strong>: 58 of 58 requests answered like legacy<p class="muted">Differences within legacy's own noise there (not reported):</p><ul class="within-noise"><li><code>GET /flaky status</code>: 2 of 28 requests (two instances of legacy: 1)</li></ul>`);
  });
});
