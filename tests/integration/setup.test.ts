/**
 * A scenario's setup against a real server on 127.0.0.1 (issue 22 item 5): steps run in order,
 * a later step uses what an earlier one captured, and a failing step or an empty capture is an
 * error naming the step, the path and the answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveScenario } from '../../harness/config/scenario.js';
import { InfrastructureError } from '../../harness/errors.js';
import { runSetup } from '../../harness/process/setup.js';

let server: http.Server;
let baseUrl: string;
const seen: string[] = [];
beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${request.headers.authorization ?? '-'} ${request.headers['content-type'] ?? '-'} ${body}`);
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      if (request.url === '/api/users/login') json(200, { user: { username: (JSON.parse(body) as { user: { username: string } }).user.username, token: 'tok-123456789' } }, { 'x-session': 'sess-1' });
      else if (request.url === '/api/user') json(request.headers.authorization === 'Token tok-123456789' ? 200 : 401, request.headers.authorization === 'Token tok-123456789' ? { user: { id: 7 } } : { errors: { body: ['unauthorized'] } });
      else json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const scenarioWith = (setup: string) =>
  resolveScenario(parse(`name: auth\ndescription: d\nworkload: w\nload: {model: closed, connections: 1}\nsetup:\n${setup}\nrequests:\n  - {path: /x}\n`), 'scenarios/auth.yaml', { quick: false, availableCpus: 2 });

const login = "  - {method: POST, path: /api/users/login, body: '{\"user\": {\"username\": \"bench\"}}', capture: {token: \"$.user.token\", session: {header: X-Session}}}";

describe('setup on a started instance', () => {
  it('runs the steps in order; a later step sends what an earlier one captured', async () => {
    seen.length = 0;
    const captured = await runSetup({ scenario: scenarioWith(`${login}\n  - {path: /api/user, headers: {Authorization: "Token {{token}}"}, capture: {id: "$.user.id"}}`), service: 'svc', baseUrl });
    expect(captured).toEqual({ token: 'tok-123456789', session: 'sess-1', id: '7' });
    expect(seen).toEqual(['POST /api/users/login - application/json {"user": {"username": "bench"}}', 'GET /api/user Token tok-123456789 - ']);
  });
  it('names the step, the service, the status expected and the answer when a step fails', async () => {
    const failing = runSetup({ scenario: scenarioWith('  - {path: /api/user, headers: {Authorization: "Token nope"}}'), service: 'svc', label: 'primary', baseUrl });
    await expect(failing).rejects.toBeInstanceOf(InfrastructureError);
    await expect(failing).rejects.toThrow(
      'Setup step 1 of scenario auth (`setup[0]` in scenarios/auth.yaml: GET /api/user) on svc (primary) failed: expected status 2xx, got 401. It answered 401 application/json: {"errors":{"body":["unauthorized"]}}. Check the step\'s request (its body, its headers) or set its `expectStatus`.',
    );
  });
  it('names the capture, its path and the answer when it finds nothing', async () => {
    const empty = runSetup({ scenario: scenarioWith("  - {method: POST, path: /api/users/login, body: '{\"user\": {\"username\": \"b\"}}', capture: {token: \"$.token\"}}"), service: 'svc', baseUrl });
    await expect(empty).rejects.toThrow(
      'Setup step 1 of scenario auth (`setup[0]` in scenarios/auth.yaml: POST /api/users/login) on svc: the capture `token` (`$.token`) found nothing at `$.token`. It answered 200 application/json: {"user":{"username":"b","token":"tok-123456789"}}. Fix the capture\'s path, or the step\'s request.',
    );
  });
  it('says when a step gets no answer at all', async () => {
    await expect(runSetup({ scenario: scenarioWith('  - {path: /x}'), service: 'svc', baseUrl: 'http://127.0.0.1:9' })).rejects.toThrow(/^Setup step 1 of scenario auth .* on svc got no answer: .*ECONNREFUSED/);
  });
  it('does nothing without a setup', async () => {
    const scenario = resolveScenario(parse('name: a\ndescription: d\nworkload: w\nload: {model: closed, connections: 1}\nrequests:\n  - {path: /x}\n'), 'a.yaml', { quick: false, availableCpus: 2 });
    expect(await runSetup({ scenario, service: 'svc', baseUrl: 'http://127.0.0.1:9' })).toEqual({});
  });
});
