/**
 * What the test suite needs beyond the README's toolchains, and how each is got: Prometheus and
 * process-exporter built from pinned Go modules (tests/tools/) into the project's cache folder,
 * Chromium from Debian's packages. Pure: the I/O (hashing files, running go and apt-get) is in
 * test-tools.ts. Dev-only (not in the package).
 */
import { createHash } from 'node:crypto';

/** A program the tests run, built from a Go module of this repository with its own go.mod and go.sum. */
export interface GoTool {
  /** The binary's name in the cache folder. */
  readonly name: string;
  /** The wrapper module's folder, relative to the repository root. */
  readonly moduleDir: string;
  /** The main package to build. */
  readonly mainPackage: string;
  /** The pinned upstream version (for messages; the module's go.mod is what pins it). */
  readonly version: string;
  /** -ldflags for `go build`. */
  readonly ldflags: string;
}

/**
 * The pinned tools. `go install pkg@version` does not work for either: Prometheus' go.mod has
 * replace directives, and the module proxy refuses process-exporter's version list (403); a
 * wrapper module that requires the exact version and builds with -mod=readonly from its
 * committed go.sum needs neither.
 */
export const GO_TOOLS: readonly GoTool[] = [
  {
    name: 'prometheus',
    moduleDir: 'tests/tools/prometheus',
    mainPackage: 'github.com/prometheus/prometheus/cmd/prometheus',
    version: '2.54.1',
    // Without the web UI's assets (the `builtinassets` tag): the tests use the HTTP API only.
    ldflags: '-s -w -X github.com/prometheus/common/version.Version=2.54.1',
  },
  {
    name: 'process-exporter',
    moduleDir: 'tests/tools/process-exporter',
    mainPackage: 'github.com/ncabatoff/process-exporter/cmd/process-exporter',
    version: '0.8.7',
    ldflags: '-s -w -X github.com/prometheus/common/version.Version=0.8.7',
  },
];

/** Where the built tools live, relative to the repository root (gitignored). */
export const TOOLS_BIN_DIR = '.cache/test-tools/bin';

/** The Chromium the report's browser tests drive through playwright-core (Debian's package). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The one command that installs Chromium on a Debian machine when not run as root. */
export const CHROMIUM_INSTALL_COMMAND = 'sudo apt-get install chromium';

/** The `go build` arguments for a tool (run in its module's folder). */
export function goBuildArgs(tool: GoTool, outputFile: string): string[] {
  return ['build', '-mod=readonly', '-trimpath', '-buildvcs=false', `-ldflags=${tool.ldflags}`, '-o', outputFile, tool.mainPackage];
}

/**
 * The key a built binary is kept under: the module's go.mod and go.sum (the pinned versions) and
 * the build arguments. A binary whose stamp holds another key is rebuilt.
 */
export function toolKey(tool: GoTool, goMod: string, goSum: string): string {
  return createHash('sha256').update(JSON.stringify([tool.mainPackage, tool.ldflags, goBuildArgs(tool, 'BIN'), goMod, goSum])).digest('hex');
}

/** What the set-up does about Chromium. */
export type ChromiumAction =
  | { readonly state: 'present' }
  | { readonly state: 'install'; readonly commands: readonly (readonly string[])[] }
  | { readonly state: 'stop'; readonly message: string };

/**
 * Chromium: nothing when it is there; as root on a Debian-like machine, `apt-get update` and
 * `apt-get install -y chromium`; otherwise a stop naming the one command that installs it.
 */
export function planChromium(facts: { readonly hasChromium: boolean; readonly isRoot: boolean; readonly hasAptGet: boolean }): ChromiumAction {
  if (facts.hasChromium) return { state: 'present' };
  if (facts.isRoot && facts.hasAptGet) return { state: 'install', commands: [['apt-get', 'update'], ['apt-get', 'install', '-y', 'chromium']] };
  if (!facts.hasAptGet) {
    return { state: 'stop', message: `The report's browser tests need Chromium at ${CHROMIUM_PATH}, and this machine has no apt-get to install it from Debian's packages. Install Chromium so that ${CHROMIUM_PATH} runs it, then run npm test again.` };
  }
  return { state: 'stop', message: `The report's browser tests need Chromium at ${CHROMIUM_PATH}, which is missing. Install it with \`${CHROMIUM_INSTALL_COMMAND}\`, then run npm test again.` };
}

/** What the set-up does about Go: a stop message when Go is missing or too old for the tools' go.mod, else undefined. */
export function checkGo(versionOutput: string | undefined): string | undefined {
  const hint = 'Install Go 1.26 or later (https://go.dev/dl; README, Toolchains): the test suite builds Prometheus and process-exporter with it.';
  if (versionOutput === undefined) return `Go is not on PATH. ${hint}`;
  const match = /go(\d+)\.(\d+)/.exec(versionOutput);
  if (match === null) return `Could not read Go's version from \`go version\` (${JSON.stringify(versionOutput.trim())}). ${hint}`;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  // The tools' go.mod files declare go 1.23.0 (process-exporter's own minimum).
  if (major < 1 || (major === 1 && minor < 23)) return `Go ${major}.${minor} is too old. ${hint}`;
  return undefined;
}
