/**
 * The package as a user gets it: `npm pack` here, `npm install ./rewrite-bench-<version>.tgz` in
 * a fresh repository, `npx rewrite-bench init`, `npx rewrite-bench run` there — exit 0, a verdict
 * printed, results and report under that repository (never inside the package) — then a rewrite
 * answering one field differently, caught before it is measured (exit 1). The tarball holds no
 * tests or fixtures. Installing runs no install script and no compiler (SQLite is WebAssembly,
 * sql.js), so npm prints no warning about unreviewed install scripts; the native engine builds
 * inside the package on first run.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

let work: string;
let repo: string;
let tarball: string;
let installOutput: string;
const owner = { REWRITE_BENCH_OWNER: process.env.REWRITE_BENCH_OWNER ?? '' };

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'rb-pack-'));
  repo = path.join(work, 'my-repo');
  await mkdir(repo);
  const packed = await execa('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, stdin: 'ignore' });
  tarball = path.join(work, String(packed.stdout).trim().split('\n').pop()!);
  await execa('npm', ['init', '-y'], { cwd: repo, stdin: 'ignore' });
  const installed = await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: repo, stdin: 'ignore', all: true });
  installOutput = String(installed.all);
}, 900_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const npx = async (args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> => {
  const result = await execa('npx', ['--no-install', 'rewrite-bench', ...args], { cwd: repo, reject: false, env: owner, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
};

/** Installed packages (name@version) whose package.json runs a script at install time, or that carry a node-gyp build. */
async function packagesWithInstallScripts(modules: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const folder = path.join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        await visit(folder);
        continue;
      }
      const manifest = await readFile(path.join(folder, 'package.json'), 'utf8').then((text) => JSON.parse(text) as { name: string; version: string; scripts?: Record<string, string> }, () => undefined);
      if (manifest === undefined) continue;
      const scripts = Object.keys(manifest.scripts ?? {}).filter((name) => ['preinstall', 'install', 'postinstall'].includes(name));
      if (scripts.length > 0 || existsSync(path.join(folder, 'binding.gyp'))) found.push(`${manifest.name}@${manifest.version} (${scripts.join(', ') || 'binding.gyp'})`);
      await visit(path.join(folder, 'node_modules'));
    }
  };
  await visit(modules);
  return found;
}

describe('the packed package in a fresh repository', () => {
  it('installs with no install script, no compiler and no npm warning', async () => {
    expect(installOutput.split('\n').filter((line) => /npm warn|gyp/i.test(line))).toEqual([]);
    expect(await packagesWithInstallScripts(path.join(repo, 'node_modules'))).toEqual([]);
  });
  it('holds the harness, the engine sources and the starter, but no tests or test fixtures', async () => {
    const listed = await execa('tar', ['-tzf', tarball], { stdin: 'ignore' });
    const files = String(listed.stdout).split('\n');
    expect(files).toContain('package/dist/harness/cli.js');
    expect(files).toContain('package/harness/engine/Cargo.lock');
    expect(files).toContain('package/harness/init/starter/rewrite-bench.yaml');
    expect(files).toContain('package/services/vectors/json.json');
    expect(files.filter((file) => file.startsWith('package/tests/') || file.includes('/engine/tests/') || file.includes('dist/tests/'))).toEqual([]);
    expect(JSON.parse(await readFile(path.join(repo, 'node_modules/rewrite-bench/package.json'), 'utf8')).private).toBeUndefined();
  });
  it('init, then run: exit 0, the verdict printed, results and report in the repository', async () => {
    expect((await npx(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const init = await npx(['init']);
    expect(init.exitCode, init.stderr).toBe(0);
    const run = await npx(['run']);
    expect(run.stdout, run.stderr).toMatch(/(HOLDS|REFUTED|INCONCLUSIVE) +cheaper/);
    expect(run.exitCode, run.stderr).toBe(0);
    const [folder] = await readdir(path.join(repo, 'reports/runs'));
    expect(existsSync(path.join(repo, 'reports/runs', folder!, 'results.json'))).toBe(true);
    expect(existsSync(path.join(repo, 'reports/runs', folder!, 'index.html'))).toBe(true);
    expect(existsSync(path.join(repo, 'node_modules/rewrite-bench/reports'))).toBe(false);
    // The first run builds the native engine inside the package (cargo, a minute or more on a busy machine).
  }, 600_000);
  it('catches a rewrite that answers one field differently before measuring it (exit 1)', async () => {
    const server = await readFile(path.join(repo, 'services/rewrite/server.mjs'), 'utf8');
    await writeFile(path.join(repo, 'services/rewrite/server.mjs'), server.replace("currency: 'EUR'", "currency: 'USD'"));
    const run = await npx(['run', 'quote']);
    expect(run.stdout + run.stderr).toContain('rewrite answers differently from the reference service legacy at 1 location, not measured');
    expect(run.stdout + run.stderr).toContain('$.currency: expected `"EUR"`, found `"USD"`');
    expect(run.exitCode).toBe(1);
  });
});
