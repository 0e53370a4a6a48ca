/**
 * The /proc sampler against a fixture tree: a parent holding 64 MiB forks 3 children that share
 * it copy-on-write; one child burns a core. Σ RSS counts the shared pages 4 times, Σ PSS once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { coresBetween, TreeSampler } from '../../harness/process/sampler.js';
import { FIXTURES, firstJsonLine, spawnFixture } from './helpers.js';

let tree: ResultPromise | undefined;
afterEach(async () => {
  tree?.kill('SIGTERM');
  await tree;
  tree = undefined;
});

describe('TreeSampler on a real forked tree', () => {
  it('counts every process, the CPU burn, and shared pages once in PSS', async () => {
    tree = spawnFixture('python3', [path.join(FIXTURES, 'tree.py')], { SHARED_MB: '64', CHILDREN: '3' });
    await new Promise<void>((resolve) => tree!.stdout!.once('data', () => resolve()));
    const sampler = new TreeSampler(tree.pid!);
    const start = await sampler.read();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const end = await sampler.read();
    const memory = await sampler.memory();
    expect(end.processCount).toBe(4);
    const cores = coresBetween(start, end, sampler.constants);
    // One child spins: about one core, whatever the machine's speed (10 ms tick resolution).
    expect(cores).toBeGreaterThan(0.6);
    expect(cores).toBeLessThan(1.4);
    const sharedBytes = 64 * 1024 * 1024;
    expect(end.rssBytes).toBeGreaterThan(4 * sharedBytes * 0.9);
    expect(memory.pssBytes).toBeGreaterThan(sharedBytes * 0.9);
    expect(memory.pssBytes).toBeLessThan(end.rssBytes * 0.5);
    expect(memory.vmHwmBytesSum).toBeGreaterThanOrEqual(end.rssBytes * 0.9);
  });

  it('counts the CPU of short-lived children reaped between readings (a fork per request)', async () => {
    tree = spawnFixture('python3', [path.join(FIXTURES, 'fork-per-request.py')], { CPU_MS: '5' });
    const { port } = await firstJsonLine<{ port: number }>(tree);
    const base = `http://127.0.0.1:${port}`;
    const truth = async (): Promise<number> => ((await (await fetch(`${base}/stats`)).json()) as { cpuSeconds: number }).cpuSeconds;
    const sampler = new TreeSampler(tree.pid!);
    const truthBefore = await truth();
    const start = await sampler.read();
    // 40 requests at about 40 req/s: each child lives ~5 ms, far shorter than any sampling period.
    for (let request = 0; request < 40; request += 1) {
      await (await fetch(`${base}/work`)).arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (request % 10 === 0) await sampler.read();
    }
    const end = await sampler.read();
    const truthAfter = await truth();
    const measuredSeconds = (end.cpuTicks - start.cpuTicks) / sampler.constants.clockTicksPerSecond;
    const trueSeconds = truthAfter - truthBefore;
    // 40 × 5 ms of children alone: 0.2 s. Ticks are 10 ms grained: allow 15 % and 3 ticks.
    expect(trueSeconds).toBeGreaterThan(0.2);
    expect(Math.abs(measuredSeconds - trueSeconds)).toBeLessThan(0.15 * trueSeconds + 0.03);
  });
});
