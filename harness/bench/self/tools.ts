/**
 * Gets the floor table's tools (tools-plan.ts) on demand: vegeta and k6 built with Go from their
 * wrapper modules, oha with `cargo install --locked`, each into .cache/bench-tools once (kept while
 * its pins do not change). A tool that cannot be got is reported with the reason, and its rows
 * are skipped; the bench goes on. Dev-only (not in the package). I/O.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureGoTool } from '../../dev/go-tool.js';
import { ROOT } from '../../paths.js';
import { findExecutable } from '../../process/toolchain.js';
import { progress } from './processes.js';
import { BENCH_TOOLS_DIR, K6, OHA, ohaInstallArgs, VEGETA } from './tools-plan.js';

/** A tool's binary, or why there is none. */
export type ToolBinary = { readonly binary: string; readonly version: string } | { readonly missing: string };

const root = path.join(ROOT, BENCH_TOOLS_DIR);
const binDir = path.join(root, 'bin');
const lastLines = (output: string | undefined): string => (output ?? '').trim().split('\n').slice(-10).join('\n');

async function goTool(tool: typeof VEGETA): Promise<ToolBinary> {
  if ((await findExecutable('go', process.cwd())) === undefined) return { missing: `Go is not on PATH (install Go 1.26: README, Toolchains) to build ${tool.name} ${tool.version}` };
  try {
    return { binary: await ensureGoTool(tool, binDir, progress), version: tool.version };
  } catch (error) {
    return { missing: error instanceof Error ? error.message : String(error) };
  }
}

/** oha via cargo install, once per version (the stamp beside the binary holds it). */
async function oha(): Promise<ToolBinary> {
  const binary = path.join(binDir, 'oha');
  const stamp = `${binary}.version`;
  if (existsSync(binary) && (await readFile(stamp, 'utf8').catch(() => '')) === OHA.version) {
    progress(`oha ${OHA.version} up to date (${path.relative(process.cwd(), binary)})`);
    return { binary, version: OHA.version };
  }
  if ((await findExecutable('cargo', process.cwd())) === undefined) return { missing: `cargo is not on PATH (install Rust: README, Toolchains) to build oha ${OHA.version}` };
  progress(`building oha ${OHA.version} with cargo install into ${BENCH_TOOLS_DIR} (minutes the first time) ...`);
  const startedMs = performance.now();
  const result = await execa('cargo', ohaInstallArgs(root), { reject: false, stdin: 'ignore', all: true });
  if (result.exitCode !== 0 || !existsSync(binary)) return { missing: `\`cargo ${ohaInstallArgs(root).join(' ')}\` failed (exit code ${String(result.exitCode)}): ${lastLines(result.all)}` };
  await writeFile(stamp, OHA.version);
  progress(`built oha ${OHA.version} in ${((performance.now() - startedMs) / 1000).toFixed(0)} s`);
  return { binary, version: OHA.version };
}

/** vegeta, k6 and oha, one after the other (never two builds at once on a small machine). */
export async function ensureBenchTools(): Promise<{ vegeta: ToolBinary; k6: ToolBinary; oha: ToolBinary }> {
  const vegeta = await goTool(VEGETA);
  const k6 = await goTool(K6);
  return { vegeta, k6, oha: await oha() };
}
