import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveScenario } from '../../harness/config/scenario.js';
import { ConfigError } from '../../harness/errors.js';
import { RequestMix } from '../../harness/load/requests.js';
import { CLOSED_LOOP_SPAN, nextSequenceStart, sequenceSpan } from '../../harness/load/sequence.js';
import { prepareSources } from '../../harness/requests/prepare.js';
import { expandTemplate, templateSchema, type TemplateInput } from '../../harness/requests/template.js';
import { mulberry32 } from '../../harness/random.js';

const open = { model: 'open' as const, ratePerSecond: 1000, warmupSeconds: 1, durationSeconds: 3, threads: 2 };

function scenarioError(text: string): string {
  try {
    resolveScenario(parse(text), 'scenarios/x.yaml', { quick: false, availableCpus: 2 });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
/** The template's problems as `field: message`. */
const issuesOf = (template: TemplateInput): string[] => {
  const parsed = templateSchema.safeParse(template);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};
const scenario = (request: string): string => `name: x\ndescription: d\nworkload: w\nload: {model: closed, connections: 1}\nrequests:\n  - ${request}\n`;

describe('{{seq}} in templates (issue 19 item 5)', () => {
  it('is a built-in variable: accepted without `vars`, kept as the token the engine numbers', () => {
    const template: TemplateInput = { method: 'POST', path: '/items/{{seq}}', body: '{"sku": "S-{{ seq }}", "qty": {{qty}}}', vars: { qty: { int: [1, 3] } } };
    expect(issuesOf(template)).toEqual([]);
    const [first] = expandTemplate(template, 1, 1);
    expect(first).toEqual({ method: 'POST', path: '/items/{{seq}}', headers: {}, body: '{"sku": "S-{{seq}}", "qty": 2}' });
  });
  it('marks templated and literal requests that carry it as sequenced, and numbers them per send', () => {
    const sources = prepareSources(
      [
        { weight: 1, method: 'POST', path: '/items', headers: {}, body: '{"sku":"S-{{seq}}","n":{{n}}}', vars: { n: { int: [1, 9] } }, variants: 4, expectStatus: 201 },
        { weight: 1, method: 'POST', path: '/orders/{{ seq }}', headers: {}, expectStatus: 201 },
        { weight: 1, method: 'GET', path: '/plain', headers: {}, expectStatus: 200 },
      ],
      1,
    );
    expect(sources.map((source) => source.list.every((request) => request.sequence === '{{seq}}'))).toEqual([true, true, false]);
    expect(sources[1]!.list[0]!.path).toBe('/orders/{{seq}}');
    const mix = new RequestMix(sources.slice(1, 2), 1, 41);
    expect([mix.next().path, mix.next().path]).toEqual(['/orders/41', '/orders/42']);
  });
  it('is refused in a header value, as a `vars` name, and beside `expectBody`', () => {
    expect(issuesOf({ path: '/x/{{n}}', headers: { 'x-id': '{{seq}}' }, vars: { n: { int: [1, 2] } } })).toEqual(['headers.x-id: `{{seq}}` in a header value: the engines number it in the path and the body only. Move it there.']);
    expect(issuesOf({ path: '/x/{{seq}}', vars: { seq: { int: [1, 2] } } })).toEqual(['vars.seq: `seq` is built in: `{{seq}}` is a unique increasing integer per send, with no `vars` entry. Remove this entry, or give your variable another name.']);
    expect(scenarioError(scenario("{method: POST, path: /x, headers: {x-id: '{{seq}}'}}"))).toContain('`{{seq}}` in a header value');
    expect(scenarioError(scenario("{method: POST, path: '/x/{{seq}}', expectBody: '{}'}"))).toContain('a request numbered by `{{seq}}` answers differently per send');
  });
  it('suggests it for a misspelt placeholder', () => {
    expect(issuesOf({ path: '/x/{{sqe}}/{{n}}', vars: { n: { int: [1, 2] } } })).toEqual(['path: unknown variable `{{sqe}}`: nothing named `sqe` under `vars`. Did you mean `seq`?']);
  });
});

describe('numbering across the jobs of one service start', () => {
  it('gives an open loop 1.5 × its planned sends plus 100 a thread, and a closed loop a block of 10^12', () => {
    expect(sequenceSpan(open)).toBe(6200);
    expect(nextSequenceStart({ ...open, sequenceStart: 1 })).toBe(6201);
    expect(nextSequenceStart({ ...open, sequenceStart: 6201 })).toBe(12401);
    expect(sequenceSpan({ model: 'closed', warmupSeconds: 1, durationSeconds: 3, threads: 1 })).toBe(CLOSED_LOOP_SPAN);
  });
  it('covers every number a job can use: Poisson sends of every thread, seeded simulation', () => {
    // Thread i of T takes start + i + k·T for its k-th send: the highest is start − 1 + T × (its sends).
    const random = mulberry32(19);
    const poisson = (mean: number): number => {
      let count = 0;
      for (let at = -Math.log(1 - random()); at < mean; at += -Math.log(1 - random())) count += 1;
      return count;
    };
    for (const [rate, seconds, threads] of [[0.5, 2, 1], [20, 1.3, 3], [300, 2, 2], [5000, 1.5, 4]] as const) {
      const span = sequenceSpan({ model: 'open', ratePerSecond: rate, warmupSeconds: 0, durationSeconds: seconds, threads });
      for (let trial = 0; trial < 200; trial += 1) {
        const highest = Math.max(...Array.from({ length: threads }, (_, thread) => thread + threads * Math.max(0, poisson((rate * seconds) / threads) - 1) + 1));
        expect(highest).toBeLessThanOrEqual(span);
      }
    }
  });
});
