/**
 * A remote target given by host name gets load end to end: `target.url: http://localhost:PORT`
 * of a tiny server this test runs (not the harness). `localhost` goes through the native engine's
 * name resolution like any name (the engine used to accept only IP addresses and failed every
 * run with exit 2); the engine sends the authority as written in the Host header.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../harness/results/document.js';
import { CLI } from './helpers.js';

let project: string;
let server: http.Server;
let port: number;
const hosts: string[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/ping') hosts.push(request.headers.host ?? '');
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' }).end('pong');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  project = await mkdtemp(path.join(os.tmpdir(), 'rb-by-name-'));
  await writeFile(path.join(project, 'rewrite-bench.yaml'), 'services: [services]\nscenarios: scenarios\nout: runs\n');
  await mkdir(path.join(project, 'services/by-name'), { recursive: true });
  await writeFile(
    path.join(project, 'services/by-name/service.yaml'),
    `name: by-name\nlanguage: node\ndescription: a tiny server the test runs, reached by host name\nimplements: [ping]\nready: /health\ntarget:\n  url: http://localhost:${port}\n`,
  );
  await mkdir(path.join(project, 'scenarios'));
  await writeFile(
    path.join(project, 'scenarios/ping.yaml'),
    'name: ping\ndescription: /ping at a fixed rate\nworkload: ping\nrequests: [{path: /ping, expectBody: pong}]\nload: {model: open, connections: 4, ratesPerSecond: [100]}\nwarmupSeconds: 0.5\ndurationSeconds: 1.5\nrepetitions: 1\n',
  );
}, 30_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(project, { recursive: true, force: true });
});

describe('a remote target by host name', () => {
  it('gets load through the native engine, which resolves the name and sends it as the Host header', async () => {
    const result = await execa(process.execPath, [CLI, 'run'], { cwd: project, reject: false, env: { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' }, stdin: 'ignore' });
    const stderr = String(result.stderr);
    const [folder] = (await readdir(path.join(project, 'runs'))).sort().reverse();
    const document = JSON.parse(await readFile(path.join(project, 'runs', folder!, 'results.json'), 'utf8')) as ResultsDocument;
    expect(document.failures, stderr).toEqual([]);
    expect(document.runs).toHaveLength(1);
    const load = document.runs[0]!.load;
    expect(load.engine.name, stderr).toBe('native');
    expect(load.counts.responses).toBeGreaterThan(100);
    expect(load.counts.expectedStatus).toBe(load.counts.responses);
    expect([load.counts.errors, load.counts.timeouts, load.counts.mismatches]).toEqual([0, 0, 0]);
    expect(load.addresses).toEqual([`127.0.0.1:${port}`]);
    expect(hosts.length).toBeGreaterThanOrEqual(load.counts.responses);
    expect(new Set(hosts)).toEqual(new Set([`localhost:${port}`]));
  }, 60_000);
});
