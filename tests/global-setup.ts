/**
 * After the whole suite: no process that the harness started may still run. Every child the
 * harness spawns carries REWRITE_BENCH_OWNER (inherited from this suite's tag) in its
 * environment; this scans /proc for this suite's tag, so a concurrent run elsewhere is ignored.
 */
import { readdir, readFile } from 'node:fs/promises';

const TAG = `suite-${process.pid}-${Date.now()}`;

async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (!environ.split('\0').includes(`REWRITE_BENCH_OWNER=${TAG}`)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '')).replaceAll('\0', ' ');
    found.push(`pid ${entry}: ${cmdline.trim()}`);
  }
  return found;
}

export default function setup(): () => Promise<void> {
  // Workers inherit it, and through them every process the harness starts.
  process.env.REWRITE_BENCH_OWNER = TAG;
  return async () => {
    // Give stopped processes a moment to be reaped.
    for (let attempt = 0; attempt < 20; attempt += 1) {
      if ((await leftovers()).length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const remaining = await leftovers();
    throw new Error(`Processes started by the harness were left running after the test suite:\n${remaining.join('\n')}`);
  };
}
