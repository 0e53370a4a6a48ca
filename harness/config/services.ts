/**
 * Discovers service manifests in service folders and selects the ones asked for. I/O (reads
 * folders) around the pure manifest validation.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { resolveManifest, type ResolvedManifest } from './manifest.js';
import { readYamlFile } from './yaml-file.js';
import { FLOOR_NAME } from '../results/floor-runs.js';

/** Every manifest found in `<dir>/<name>/service.yaml` for each of `dirs`, validated. */
export async function loadManifests(dirs: readonly string[]): Promise<ResolvedManifest[]> {
  const manifests: ResolvedManifest[] = [];
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (cause) {
      throw new ConfigError(`Cannot read services folder ${dir}: ${(cause as Error).message}. Pass an existing folder to --services-dir.`, { cause });
    }
    let found = 0;
    for (const entry of entries) {
      const file = path.join(dir, entry, 'service.yaml');
      const exists = await stat(file).then(
        (info) => info.isFile(),
        () => false,
      );
      if (!exists) continue;
      found += 1;
      const manifest = resolveManifest(await readYamlFile(file), file);
      if (manifest.name === FLOOR_NAME) {
        throw new ConfigError(`Service name \`${FLOOR_NAME}\` in ${file} is reserved: it names the platform floor, which the harness measures beside the services (claims refer to it as \`floor.p99\`). Rename the service.`);
      }
      const clash = manifests.find((other) => other.name === manifest.name);
      if (clash !== undefined) throw new ConfigError(`Service name \`${manifest.name}\` is used twice: ${clash.file} and ${file}. Rename one.`);
      manifests.push(manifest);
    }
    if (found === 0) throw new ConfigError(`No service.yaml found in the folders of ${dir}. Expected ${dir}/<name>/service.yaml.`);
  }
  return manifests;
}

/**
 * The measured services named in `names` (all when undefined), in the order given.
 * @throws ConfigError for an unknown name, listing the known ones.
 */
export function selectServices(manifests: readonly ResolvedManifest[], names: readonly string[] | undefined): ResolvedManifest[] {
  const measured = [...manifests];
  if (names === undefined) return measured;
  return names.map((name) => {
    const manifest = measured.find((candidate) => candidate.name === name);
    if (manifest === undefined) {
      const byFolder = measured.find((candidate) => path.basename(candidate.dir) === name);
      if (byFolder !== undefined) {
        throw new ConfigError(`Unknown service \`${name}\` in --services: ${name}/ is the folder of the service named \`${byFolder.name}\` (${byFolder.file}); the manifest's \`name:\` names a service, not its folder. Use --services ${byFolder.name}.`);
      }
      throw new ConfigError(`Unknown service \`${name}\` in --services. Known services: ${measured.map((m) => m.name).join(', ')}.`);
    }
    return manifest;
  });
}

/**
 * One warning per manifest whose folder is not named like the service: `name:` wins (it is what
 * --services, scenarios, claims and reports use), which surprises whoever named the folder.
 */
export function folderNameWarnings(manifests: readonly ResolvedManifest[]): string[] {
  return manifests
    .filter((manifest) => path.basename(manifest.dir) !== manifest.name)
    .map((manifest) => `${manifest.file} names its service \`${manifest.name}\`, not \`${path.basename(manifest.dir)}\` like its folder: \`name:\` wins, so select it with --services ${manifest.name} (or rename the folder to match).`);
}
