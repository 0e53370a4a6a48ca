/**
 * `npm run bench:self` (issue 8) — proves the harness's numbers on this machine: generator
 * capacity against wrk, timing accuracy against a server with known holds and stalls, the
 * overhead of recording and sampling, CPU/memory accounting against a process tree with known
 * use, and (issue 21) the platform floor measured by the engine beside vegeta, k6 and oha (built
 * on demand into .cache/bench-tools: the first run takes minutes more). Prints one Markdown table on stdout (progress goes to stderr); never part of
 * `npm test`. Every load is bounded in time and on 127.0.0.1; every child is stopped by pid.
 *
 * Options: --only 1,2,3,4,5,6 runs some sections; --out FILE also writes the table there.
 */
import { writeFile } from 'node:fs/promises';
import { measureAccounting, startTree } from './accounting.js';
import { measureCapacity } from './capacity.js';
import { measureOverhead } from './overhead.js';
import { compileFixtures, hasCommand, loadAverage1m, progress, startFixture, stopAllFixtures, type CompiledFixtures } from './processes.js';
import { SERVER_CPU } from './load-runs.js';
import { renderTable, type Row, type SectionHeader } from './table.js';
import { measureTiming } from './timing.js';
import { measureServiceTail } from './service-tail.js';
import { measureFloorTable } from './floor-table.js';

interface Section {
  readonly number: number;
  readonly title: string;
  readonly run: (fixtures: CompiledFixtures, hasWrk: boolean) => Promise<Row[]>;
}

const SECTIONS: readonly Section[] = [
  {
    number: 1,
    title: '1. Generator capacity (C epoll server on CPU 0, generator on CPU 1)',
    run: async (fixtures, hasWrk) => {
      const server = await startFixture<{ port: number }>(fixtures.server, [], { SERVICE_US: '0' }, SERVER_CPU);
      try {
        return await measureCapacity(`http://127.0.0.1:${server.ready.port}`, server.pid, hasWrk);
      } finally {
        await server.stop();
      }
    },
  },
  { number: 2, title: '2. Timing accuracy (open-loop engines vs known hold and stall)', run: measureTiming },
  {
    number: 3,
    title: '3. Overhead (recording path, sampler)',
    run: async (fixtures) => {
      const tree = await startTree(fixtures, false);
      try {
        return await measureOverhead(tree.pid, 'an idle pre-fork tree, 88 MiB PSS');
      } finally {
        await tree.stop();
      }
    },
  },
  { number: 4, title: '4. Accounting (calibration process tree)', run: (fixtures) => measureAccounting(fixtures) },
  { number: 5, title: '5. The tail of a fast service (built-in rust /json, 2,000 req/s)', run: (_fixtures, hasWrk) => measureServiceTail(hasWrk) },
  { number: 6, title: '6. The floor: the engine against vegeta, k6 and oha (open loop, 500 and 2,000 req/s, the floor service on CPU 0)', run: () => measureFloorTable() },
];

function parseArgs(argv: readonly string[]): { only: Set<number>; out: string | undefined } {
  let only = new Set(SECTIONS.map((section) => section.number));
  let out: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--only') {
      only = new Set((argv[index + 1] ?? '').split(',').map(Number));
      index += 1;
    } else if (arg === '--out') {
      out = argv[index + 1];
      index += 1;
    } else {
      throw new Error(`Unknown argument \`${String(arg)}\`. Expected --only 1,2,3,4,5,6 and/or --out FILE.`);
    }
  }
  return { only, out };
}

async function run(): Promise<void> {
  const { only, out } = parseArgs(process.argv.slice(2));
  const startedMs = performance.now();
  const compiled = await compileFixtures();
  const hasWrk = await hasCommand('wrk');
  const hasTaskset = await hasCommand('taskset');
  if (!hasTaskset) throw new Error('taskset is missing: the bench pins the server and the generator. Install util-linux.');
  const results: Array<{ header: SectionHeader; rows: Row[] }> = [];
  for (const section of SECTIONS) {
    if (!only.has(section.number)) continue;
    const header: SectionHeader = { title: section.title, loadAverage1m: loadAverage1m() };
    progress(`${section.title} — load average ${header.loadAverage1m.toFixed(2)}`);
    const sectionStartMs = performance.now();
    if ('failed' in compiled) {
      results.push({ header, rows: [{ target: section.title, truth: '—', measured: 'not run', goal: '', verdict: 'skipped', note: compiled.failed }] });
      continue;
    }
    try {
      results.push({ header, rows: await section.run(compiled, hasWrk) });
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      results.push({ header, rows: [{ target: section.title, truth: '—', measured: 'failed', goal: '', verdict: 'fail', note: message }] });
    } finally {
      await stopAllFixtures();
    }
    progress(`section ${section.number} took ${((performance.now() - sectionStartMs) / 1000).toFixed(0)} s`);
  }
  if (!('failed' in compiled)) await compiled.dispose();
  const table = renderTable(results);
  const footer = `\n\nMachine: ${(await import('node:os')).cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}; whole bench ${((performance.now() - startedMs) / 1000).toFixed(0)} s.`;
  process.stdout.write(`${table}${footer}\n`);
  if (out !== undefined) await writeFile(out, `${table}${footer}\n`);
}

run().catch(async (error: unknown) => {
  await stopAllFixtures();
  process.stderr.write(`bench:self failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 3;
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAllFixtures().finally(() => {
      process.exitCode = 130;
      process.exit();
    });
  });
}
