/**
 * The /proc sampler against a fixture tree: a parent holding 64 MiB forks 3 children that share
 * it copy-on-write; one child burns a core. Σ RSS counts the shared pages 4 times, Σ PSS once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { coresBetween, TreeSampler } from '../../harness/process/sampler.js';
import { FIXTURES, spawnFixture } from './helpers.js';

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
});
