/**
 * A scenario's `setup` (issue 22 item 5): its validation before anything starts, the values it
 * captures from answers, how they fill the prepared requests per service start, and how an
 * instance's own token is masked in its answers for the equivalence check.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveScenario } from '../../harness/config/scenario.js';
import { capturedNames } from '../../harness/config/setup.js';
import { ConfigError } from '../../harness/errors.js';
import { RequestMix } from '../../harness/load/requests.js';
import { captureValue, fillRequest, fillSources, setupRequest } from '../../harness/requests/captured.js';
import { prepareSources } from '../../harness/requests/prepare.js';
import { maskCaptured } from '../../harness/verify/mask-captured.js';

const LOGIN = [
  'setup:',
  "  - {method: POST, path: /api/users, body: '{\"user\": {\"username\": \"bench\", \"password\": \"secret-pass\"}}', expectStatus: 201}",
  '  - method: POST',
  '    path: /api/users/login',
  "    body: '{\"user\": {\"username\": \"bench\", \"password\": \"secret-pass\"}}'",
  '    capture: {token: "$.user.token", session: {header: X-Session}}',
].join('\n');
const scenarioText = (requests: string, setup = LOGIN): string => `name: x\ndescription: d\nworkload: w\nload: {model: closed, connections: 1}\n${setup}\nrequests:\n${requests}\n`;
const resolve = (text: string) => resolveScenario(parse(text), 'scenarios/x.yaml', { quick: false, availableCpus: 2 });

function scenarioError(text: string): string {
  try {
    resolve(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('setup: validation before anything starts', () => {
  it('accepts requests that use captured names, in headers, paths and bodies, beside vars and {{seq}}', () => {
    const scenario = resolve(
      scenarioText(
        [
          '  - {path: /api/user, headers: {Authorization: "Token {{token}}"}}',
          '  - path: "/api/articles/{{slug}}?s={{session}}"',
          '    headers: {Authorization: "Token {{token}}"}',
          '    vars: {slug: {list: [a-b, c-d]}}',
          "  - {method: POST, path: /api/notes, body: '{\"text\": \"n{{seq}}\", \"by\": \"{{ token }}\"}', expectStatus: 201}",
        ].join('\n'),
      ),
    );
    expect(capturedNames(scenario.setup)).toEqual(['token', 'session']);
    expect(scenario.setup[1]).toMatchObject({ method: 'POST', capture: { token: '$.user.token', session: { header: 'X-Session' } } });
  });
  it('refuses a placeholder that is neither a var, seq nor captured — in a literal request too (it used to be sent as written)', () => {
    expect(scenarioError(scenarioText('  - {path: /api/user, headers: {Authorization: "Token {{tokn}}"}}'))).toBe(
      'Invalid `requests[0].headers.Authorization` in scenarios/x.yaml: unknown variable `{{tokn}}`: nothing named `tokn` under `vars` or captured by `setup`. Did you mean `token`?',
    );
    expect(scenarioError(scenarioText('  - {path: "/api/{{who}}"}', ''))).toBe("Invalid `requests[0].path` in scenarios/x.yaml: unknown variable `{{who}}`: nothing named `who` under `vars`. Declare it under `vars`, or capture it in the scenario's `setup`.");
  });
  it('refuses a var that would hide a captured name', () => {
    expect(scenarioError(scenarioText('  - {path: "/{{token}}", vars: {token: {int: [1, 2]}}}'))).toContain('Invalid `requests[0].vars.token` in scenarios/x.yaml: `token` is captured by the scenario\'s `setup`: a `vars` entry of the same name would hide it.');
  });
  it('lets a step use only what the steps before it captured, refuses {{seq}} in setup and a name captured twice', () => {
    const setup = ['setup:', '  - {path: "/a/{{token}}", capture: {token: "$.t"}}', '  - {path: "/b/{{seq}}", capture: {token: "$.u"}}'].join('\n');
    const message = scenarioError(scenarioText('  - {path: /x}', setup));
    expect(message).toContain('Invalid `setup[0].path` in scenarios/x.yaml: unknown variable `{{token}}`: it is captured by this step or a later one: a step can use only what the steps before it captured.');
    expect(message).toContain('Invalid `setup[1].path` in scenarios/x.yaml: `{{seq}}` in a setup step');
    expect(message).toContain('Invalid `setup[1].capture.token` in scenarios/x.yaml: `token` is captured by an earlier step already');
  });
  it('refuses a capture path that may match several values, and a capture of another shape', () => {
    expect(scenarioError(scenarioText('  - {path: /x}', 'setup:\n  - {path: /a, capture: {t: "$..token"}}'))).toContain('`$..token` may match several values');
    expect(scenarioError(scenarioText('  - {path: /x}', 'setup:\n  - {path: /a, capture: {t: {cookie: sid}}}'))).toContain('Expected `setup[0].capture.t` in scenarios/x.yaml to be a JSON path such as "$.user.token", or {header: "x-auth-token"}');
  });
});

describe('captured values', () => {
  const answer = { status: 200, headers: { 'x-session': 's-123' }, body: '{"user": {"token": "eyJ.a\\"b", "id": 17, "tags": ["x"], "none": null}}' };
  it('are taken from a JSON path of the body or from a header', () => {
    expect(captureValue(answer, '$.user.token')).toEqual({ value: 'eyJ.a"b' });
    expect(captureValue(answer, '$.user.id')).toEqual({ value: '17' });
    expect(captureValue(answer, '$.user.tags[0]')).toEqual({ value: 'x' });
    expect(captureValue(answer, { header: 'X-Session' })).toEqual({ value: 's-123' });
  });
  it('say what they found instead of a value', () => {
    expect(captureValue(answer, '$.user.jwt')).toEqual({ problem: 'found nothing at `$.user.jwt`' });
    expect(captureValue(answer, '$.user.tags[3]')).toEqual({ problem: 'found nothing at `$.user.tags[3]`' });
    expect(captureValue(answer, '$.user')).toEqual({ problem: 'found an object at `$.user`, not a string or number: name a value inside it' });
    expect(captureValue(answer, '$.user.none')).toEqual({ problem: 'found `null` at `$.user.none`, not a string or number: name a value inside it' });
    expect(captureValue({ ...answer, body: 'ok' }, '$.t')).toEqual({ problem: "found nothing at `$.t`: the answer's body is not JSON" });
    expect(captureValue(answer, { header: 'authorization' })).toEqual({ problem: 'found no header `authorization` in the answer' });
    expect(captureValue({ ...answer, body: '{"t": "a\\nb"}' }, '$.t')).toMatchObject({ problem: expect.stringContaining('control character') });
  });
  it('fill a request: URI-encoded in the path, as is in headers, JSON-escaped inside a body string, {{seq}} kept', () => {
    const values = { token: 'a b"c', id: '17' };
    const request = { method: 'POST' as const, path: '/u/{{id}}/t/{{token}}/{{seq}}', headers: { authorization: 'Token {{token}}' }, body: '{"t": "{{token}}", "id": {{id}}, "n": {{seq}}}', expectStatus: 201 };
    expect(fillRequest(request, values)).toEqual({ ...request, path: '/u/17/t/a%20b%22c/{{seq}}', headers: { authorization: 'Token a b"c' }, body: '{"t": "a b\\"c", "id": 17, "n": {{seq}}}' });
    const plain = { method: 'GET' as const, path: '/x', headers: {}, expectStatus: 200 };
    expect(fillRequest(plain, values)).toBe(plain);
  });
  it('are filled per service start into the sources prepared once: each start its own token, sequencing kept', () => {
    const scenario = resolve(scenarioText(['  - {path: /api/user, headers: {Authorization: "Token {{token}}"}}', "  - {method: POST, path: /n, body: '{\"n\": {{seq}}}', expectStatus: 201}"].join('\n')));
    const sources = prepareSources(scenario.requests, 1, capturedNames(scenario.setup));
    expect(sources[0]!.list[0]!.headers).toEqual({ Authorization: 'Token {{token}}' });
    const first = fillSources(sources, { token: 'one', session: 's' });
    const second = fillSources(sources, { token: 'two', session: 's' });
    expect([first[0]!.list[0]!.headers, second[0]!.list[0]!.headers]).toEqual([{ Authorization: 'Token one' }, { Authorization: 'Token two' }]);
    expect(sources[0]!.list[0]!.headers).toEqual({ Authorization: 'Token {{token}}' });
    expect(new RequestMix(first.slice(1), 1, 5).next().body).toBe('{"n": 5}');
    expect(fillSources(sources, {})).toBe(sources);
  });
  it('fill later setup steps, with a JSON content type for a body', () => {
    const [, login] = resolve(scenarioText('  - {path: /x}')).setup;
    expect(setupRequest(login!, {})).toEqual({ method: 'POST', path: '/api/users/login', headers: { 'content-type': 'application/json' }, body: '{"user": {"username": "bench", "password": "secret-pass"}}' });
    expect(setupRequest({ method: 'GET', path: '/me', headers: { Authorization: 'Token {{token}}' }, capture: {} }, { token: 'abc' })).toEqual({ method: 'GET', path: '/me', headers: { authorization: 'Token abc' } });
  });
});

describe('an instance\'s own token in its answers (the equivalence check)', () => {
  const primary = { token: 'eyJhbGciOi.primary.sig' };
  const secondary = { token: 'eyJhbGciOi.second.sig' };
  const answer = (token: string) => ({ status: 200, contentType: 'application/json', body: `{"user": {"name": "bench", "token": "${token}", "bio": "Token ${token}"}}` });
  it('is masked as its placeholder, so instances that each echo their own token agree', () => {
    expect(maskCaptured(answer(primary.token), primary)).toEqual(maskCaptured(answer(secondary.token), secondary));
    expect(maskCaptured(answer(primary.token), primary).body).toBe('{"user": {"name": "bench", "token": "{{token}}", "bio": "Token {{token}}"}}');
  });
  it('still differs where a candidate echoes another value than its own token', () => {
    expect(maskCaptured(answer('stale-token-from-elsewhere'), { token: 'eyJhbGciOi.cand.sig' })).not.toEqual(maskCaptured(answer(primary.token), primary));
  });
  it('leaves short values alone (a user id 7 would match unrelated numbers) and escapes as JSON does', () => {
    const body = '{"id": 7, "count": 17}';
    expect(maskCaptured({ status: 200, contentType: null, body }, { id: '7' }).body).toBe(body);
    expect(maskCaptured({ status: 200, contentType: null, body: '{"t": "ab\\"cdefgh"}' }, { t: 'ab"cdefgh' }).body).toBe('{"t": "{{t}}"}');
  });
});
