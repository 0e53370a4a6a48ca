/**
 * Builds a pinned Go program from a wrapper module of this repository (its own go.mod and go.sum
 * under tests/tools/) into a cache folder, once: kept while the module's files and the build flags
 * do not change (a stamp beside the binary holds their key). `go install pkg@version` does not work
 * for every tool here (replace directives, a module proxy that refuses some version lists); a
 * wrapper module built with -mod=readonly needs neither. Used by the test suite's set-up
 * (test-tools.ts) and by bench:self for its bench-only tools. Dev-only (not in the package). I/O.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../paths.js';
import { goBuildArgs, toolKey, type GoTool } from './test-tools-plan.js';

/** A tool that could not be built: the message says what failed and what to do. */
export class ToolBuildError extends Error {}

const lastLines = (output: string | undefined): string => (output ?? '').trim().split('\n').slice(-20).join('\n');
const seconds = (startedMs: number): string => `${((performance.now() - startedMs) / 1000).toFixed(1)} s`;

/**
 * Builds `tool` into `binDir` unless the binary of the same go.mod, go.sum and flags is there.
 * @returns the binary's path
 * @throws ToolBuildError when `go build` fails (its output's end in the message)
 */
export async function ensureGoTool(tool: GoTool, binDir: string, log: (line: string) => void): Promise<string> {
  const moduleDir = path.join(ROOT, tool.moduleDir);
  const key = toolKey(tool, await readFile(path.join(moduleDir, 'go.mod'), 'utf8'), await readFile(path.join(moduleDir, 'go.sum'), 'utf8'));
  const binary = path.join(binDir, tool.name);
  const stampFile = `${binary}.key`;
  if (existsSync(binary) && (await readFile(stampFile, 'utf8').catch(() => '')) === key) {
    log(`${tool.name} ${tool.version} up to date (${path.relative(process.cwd(), binary) || binary})`);
    return binary;
  }
  log(`building ${tool.name} ${tool.version} with Go into ${path.relative(ROOT, binDir)} (a few minutes the first time: its modules are downloaded from the Go module proxy) ...`);
  const startedMs = performance.now();
  await mkdir(binDir, { recursive: true });
  // Built beside the binary, then renamed: an interrupted build never leaves a half-written one.
  const partial = `${binary}.partial-${process.pid}`;
  const result = await execa('go', goBuildArgs(tool, partial), {
    cwd: moduleDir,
    reject: false,
    stdin: 'ignore',
    all: true,
    // No cgo: the tools need no C library, and the build needs no C compiler.
    env: { CGO_ENABLED: '0' },
  });
  if (result.exitCode !== 0) {
    await rm(partial, { force: true });
    throw new ToolBuildError(`Building ${tool.name} ${tool.version} failed (go ${goBuildArgs(tool, partial).join(' ')} in ${tool.moduleDir}, exit code ${String(result.exitCode)}). Its output ends with:\n${lastLines(result.all)}\nCheck the network access to the Go module proxy (GOPROXY), then run again.`);
  }
  await rename(partial, binary);
  await writeFile(stampFile, key);
  log(`built ${tool.name} ${tool.version} in ${seconds(startedMs)}`);
  return binary;
}
