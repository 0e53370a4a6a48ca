/**
 * The test suite's set-up (`npm run test:tools`; `npm test` runs it before vitest): builds the
 * pinned Prometheus and process-exporter with the Go toolchain into .cache/test-tools/bin (once;
 * kept while their go.mod and go.sum do not change) and installs Chromium from Debian's packages
 * when run as root. What it cannot install it names, with the command, and exits 3 at once, so no
 * test is ever skipped for a missing program. Dev-only (not in the package). I/O.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.js';
import { findExecutable } from '../process/toolchain.js';
import { ensureGoTool, ToolBuildError } from './go-tool.js';
import { CHROMIUM_PATH, checkGo, GO_TOOLS, planChromium, TOOLS_BIN_DIR } from './test-tools-plan.js';

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
  for (const tool of GO_TOOLS) {
    try {
      await ensureGoTool(tool, binDir, log);
    } catch (error) {
      if (error instanceof ToolBuildError) throw new StopError(error.message.replace(/then run again\.$/, 'then run npm test again.'));
      throw error;
    }
  }
  await ensureChromium();
  log(`ready in ${seconds(startedMs)}`);
} catch (error) {
  if (!(error instanceof StopError)) throw error;
  console.error(`test tools: ${error.message}`);
  process.exitCode = 3;
}
