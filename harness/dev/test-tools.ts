/**
 * The test suite's set-up (`npm run test:tools`; `npm test` runs it before vitest): builds the
 * pinned Prometheus and process-exporter with the Go toolchain into .cache/test-tools/bin (once;
 * kept while their go.mod and go.sum do not change) and installs Chromium from Debian's packages
 * when run as root. What it cannot install it names, with the command, and exits 3 at once, so no
 * test is ever skipped for a missing program. Dev-only (not in the package). I/O.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../paths.js';
import { findExecutable } from '../process/toolchain.js';
import { CHROMIUM_PATH, checkGo, GO_TOOLS, goBuildArgs, planChromium, toolKey, TOOLS_BIN_DIR, type GoTool } from './test-tools-plan.js';

const binDir = path.join(ROOT, TOOLS_BIN_DIR);
const seconds = (startedMs: number): string => `${((performance.now() - startedMs) / 1000).toFixed(1)} s`;
const log = (line: string): void => console.log(`test tools: ${line}`);

class StopError extends Error {}

const lastLines = (output: string | undefined): string => (output ?? '').trim().split('\n').slice(-20).join('\n');

async function goVersion(): Promise<string | undefined> {
  if ((await findExecutable('go', process.cwd())) === undefined) return undefined;
  const result = await execa('go', ['version'], { reject: false });
  return result.exitCode === 0 ? result.stdout : undefined;
}

/** Builds one tool unless the binary of the same go.mod, go.sum and flags is already there. */
async function ensureGoTool(tool: GoTool): Promise<void> {
  const moduleDir = path.join(ROOT, tool.moduleDir);
  const key = toolKey(tool, await readFile(path.join(moduleDir, 'go.mod'), 'utf8'), await readFile(path.join(moduleDir, 'go.sum'), 'utf8'));
  const binary = path.join(binDir, tool.name);
  const stampFile = `${binary}.key`;
  if (existsSync(binary) && (await readFile(stampFile, 'utf8').catch(() => '')) === key) {
    log(`${tool.name} ${tool.version} up to date (${path.relative(process.cwd(), binary) || binary})`);
    return;
  }
  log(`building ${tool.name} ${tool.version} with Go into ${TOOLS_BIN_DIR} (a few minutes the first time: its modules are downloaded from the Go module proxy) ...`);
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
    throw new StopError(`Building ${tool.name} ${tool.version} failed (go ${goBuildArgs(tool, partial).join(' ')} in ${tool.moduleDir}, exit code ${String(result.exitCode)}). Its output ends with:\n${lastLines(result.all)}\nCheck the network access to the Go module proxy (GOPROXY), then run npm test again.`);
  }
  await rename(partial, binary);
  await writeFile(stampFile, key);
  log(`built ${tool.name} ${tool.version} in ${seconds(startedMs)}`);
}

async function ensureChromium(): Promise<void> {
  const action = planChromium({
    hasChromium: existsSync(CHROMIUM_PATH),
    isRoot: process.getuid?.() === 0,
    hasAptGet: (await findExecutable('apt-get', process.cwd())) !== undefined,
  });
  if (action.state === 'present') {
    log(`chromium at ${CHROMIUM_PATH}`);
    return;
  }
  if (action.state === 'stop') throw new StopError(action.message);
  log(`installing chromium from Debian's packages (${action.commands.map((command) => command.join(' ')).join(', then ')}) ...`);
  const startedMs = performance.now();
  for (const command of action.commands) {
    const result = await execa(command[0]!, command.slice(1), { reject: false, stdin: 'ignore', all: true, env: { DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.exitCode !== 0) throw new StopError(`\`${command.join(' ')}\` failed (exit code ${String(result.exitCode)}). Its output ends with:\n${lastLines(result.all)}\nInstall Chromium so that ${CHROMIUM_PATH} exists, then run npm test again.`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new StopError(`apt-get installed chromium, but ${CHROMIUM_PATH} is still missing. Install Chromium so that ${CHROMIUM_PATH} runs it, then run npm test again.`);
  log(`installed chromium in ${seconds(startedMs)}`);
}

const startedMs = performance.now();
try {
  const goProblem = checkGo(await goVersion());
  if (goProblem !== undefined) throw new StopError(goProblem);
  for (const tool of GO_TOOLS) await ensureGoTool(tool);
  await ensureChromium();
  log(`ready in ${seconds(startedMs)}`);
} catch (error) {
  if (!(error instanceof StopError)) throw error;
  console.error(`test tools: ${error.message}`);
  process.exitCode = 3;
}
