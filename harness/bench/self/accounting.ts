/**
 * Section 4, accounting: TreeSampler's cores, RSS and PSS of the C calibration tree
 * (tests/fixtures/calibration/calib-tree.c) next to the truth by construction:
 * - CPU: child 0 spins (1.0 core) and child 1 burns 50 % of every 10 ms (0.5 core) = 1.5 cores
 *   nominal. On a shared 2-core machine the children get what the scheduler gives them, so the
 *   reference is the scheduler's own ns clock (/proc/PID/schedstat), read at the same edges as
 *   TreeSampler's tick counts (utime+stime in 10 ms ticks).
 * - Memory: 64 MiB touched by the parent before forking 3 children that never write it, and
 *   8 MiB private per child: Σ PSS = 64 + 3 × 8 = 88 MiB, Σ RSS = 4 × 64 + 3 × 8 = 280 MiB, plus
 *   each process's own binary, libc and stack (a few hundred KiB each).
 * I/O.
 */
import { TreeSampler, coresBetween } from '../../process/sampler.js';
import type { CompiledFixtures, Fixture } from './processes.js';
import { progress, schedulerCpuNs, startFixture } from './processes.js';
import { formatMiB, formatSignedPercent, median, spread, type Row } from './table.js';

const SHARED_MB = 64;
const PRIVATE_MB = 8;
const CHILDREN = 3;
const DUTY_PERCENT = 50;
const WINDOW_SECONDS = 3;
const REPETITIONS = 3;
const MIB = 1024 * 1024;

/** What the tree fixture prints when every child has touched its memory. */
export interface TreeReady {
  readonly pid: number;
  readonly children: readonly number[];
}

/** Starts the calibration tree; `burn` false makes every child sleep (a quiet tree for section 3). */
export function startTree(fixtures: CompiledFixtures, burn: boolean): Promise<Fixture<TreeReady>> {
  return startFixture<TreeReady>(
    fixtures.tree,
    [],
    { SHARED_MB: String(SHARED_MB), PRIVATE_MB: String(PRIVATE_MB), CHILDREN: String(CHILDREN), SPIN: burn ? '1' : '0', DUTY: burn ? String(DUTY_PERCENT) : '0' },
    undefined,
  );
}

async function schedulerTotalNs(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += (await schedulerCpuNs(pid)) ?? 0;
  return total;
}

const within = (measured: number, truth: number, share: number): boolean => Math.abs(measured / truth - 1) <= share;

/** Measures cores, RSS and PSS of a burning calibration tree. */
export async function measureAccounting(fixtures: CompiledFixtures): Promise<Row[]> {
  const tree = await startTree(fixtures, true);
  const pids = [tree.ready.pid, ...tree.ready.children];
  const sampledCores: number[] = [];
  const referenceCores: number[] = [];
  const pss: number[] = [];
  const smapsRss: number[] = [];
  const statRss: number[] = [];
  const vmHwm: number[] = [];
  try {
    const sampler = new TreeSampler(tree.pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
      const start = await sampler.read(true);
      const startNs = await schedulerTotalNs(pids);
      const startWallMs = performance.now();
      await new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1000));
      const end = await sampler.read(false);
      const endNs = await schedulerTotalNs(pids);
      const endWallMs = performance.now();
      sampledCores.push(coresBetween(start, end, sampler.constants));
      referenceCores.push((endNs - startNs) / 1e6 / (endWallMs - startWallMs));
      const memory = await sampler.memory();
      pss.push(memory.pssBytes);
      smapsRss.push(memory.rssBytes);
      vmHwm.push(memory.vmHwmBytesSum);
      statRss.push(end.rssBytes);
    }
  } finally {
    await tree.stop();
  }
  progress(`accounting: cores ${sampledCores.map((cores) => cores.toFixed(3)).join('/')} vs schedstat ${referenceCores.map((cores) => cores.toFixed(3)).join('/')}; PSS ${pss.map((bytes) => (bytes / MIB).toFixed(1)).join('/')} MiB`);
  const coreErrors = sampledCores.map((cores, index) => cores / referenceCores[index]! - 1);
  const nominalCores = 1 + DUTY_PERCENT / 100;
  const pssTruth = (SHARED_MB + CHILDREN * PRIVATE_MB) * MIB;
  const rssTruth = ((CHILDREN + 1) * SHARED_MB + CHILDREN * PRIVATE_MB) * MIB;
  const pssOk = within(median(pss), pssTruth, 0.05);
  const coresOk = coreErrors.every((error) => Math.abs(error) <= 0.05);
  const nominalGap = median(referenceCores) / nominalCores - 1;
  return [
    {
      target: `4 · cores of the tree (TreeSampler, Δ utime+stime ticks, ${WINDOW_SECONDS} s windows)`,
      truth: `${nominalCores.toFixed(2)} nominal (1 spinning child + 1 at ${DUTY_PERCENT} %); scheduler ns clock (schedstat) ${spread(referenceCores, (cores) => cores.toFixed(3))}`,
      measured: `${spread(sampledCores, (cores) => cores.toFixed(3))}, vs schedstat ${spread(coreErrors, formatSignedPercent)}`,
      goal: '± 5 % (of schedstat)',
      verdict: coresOk ? 'pass' : 'fail',
      ...(Math.abs(nominalGap) > 0.05 ? { note: `the tree got ${formatSignedPercent(nominalGap)} of its nominal demand: other load on the 2 cores` } : {}),
    },
    {
      target: '4 · Σ PSS of the tree (TreeSampler.memory, smaps_rollup)',
      truth: `${formatMiB(pssTruth)} (64 shared once + 3 × 8 private) + binaries, libc, stacks`,
      measured: `${spread(pss, formatMiB)}, error ${spread(pss.map((bytes) => bytes / pssTruth - 1), formatSignedPercent)}`,
      goal: '± 5 %',
      verdict: pssOk ? 'pass' : 'fail',
    },
    {
      target: '4 · Σ RSS of the tree (stat · smaps_rollup) and Σ VmHWM',
      truth: `${formatMiB(rssTruth)} (shared 64 MiB counted 4 ×)`,
      measured: `${spread(statRss, formatMiB)} · ${spread(smapsRss, formatMiB)}; VmHWM ${spread(vmHwm, formatMiB)}; RSS/PSS ${(median(statRss) / median(pss)).toFixed(2)}×`,
      goal: '',
      verdict: 'info',
      note: 'RSS over-counts shared pages, as it must: the harness reports PSS',
    },
  ];
}
