/**
 * Options shared by the subcommands, and their parsing into validated values. Pure apart from
 * reading manifests (config/services.ts) and printing their warnings to stderr.
 */
import path from 'node:path';
import { loadProject } from '../config/find-project.js';
import type { ResolvedProject } from '../config/project.js';
import { folderNameWarnings, loadManifests, selectServices } from '../config/services.js';
import type { ResolvedManifest } from '../config/manifest.js';
import { ConfigError } from '../errors.js';

/** One command-line option: its parseArgs shape and its help line. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
}

export const PROJECT_OPTION = {
  project: { type: 'string', value: 'FILE', help: 'The project file (default: the nearest rewrite-bench.yaml from the working directory upward).' },
} as const satisfies Record<string, OptionSpec>;

/** The project a command works on: --project FILE, else the nearest rewrite-bench.yaml upward. */
export function projectOf(values: { project?: string | undefined }): Promise<ResolvedProject> {
  return loadProject(values.project);
}

export const SERVICE_OPTIONS = {
  ...PROJECT_OPTION,
  services: {
    type: 'string',
    value: 'a,b',
    help: 'Comma-separated service names, as each service.yaml\'s `name:` spells them (default: every service of the project and of --services-dir). Overrides the scenarios\' own `services:` lists.',
  },
  'services-dir': {
    type: 'string',
    multiple: true,
    value: 'DIR',
    help: 'Also load services from DIR/<folder>/service.yaml (repeatable), beside the project\'s own; they all stay selected unless --services names some (e.g. --services my-service,go).',
  },
} as const satisfies Record<string, OptionSpec>;

/** `a,b` → ['a','b']; undefined stays undefined. */
export function parseList(text: string | undefined, option: string): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new ConfigError(`Expected --${option} to list at least one name, got \`${text}\`.`);
  return items;
}

/** The manifests of the project's service folders plus --services-dir folders, and the selection. */
export async function resolveServiceSelection(
  project: ResolvedProject,
  values: { services?: string | undefined; 'services-dir'?: string[] | undefined },
): Promise<{
  all: ResolvedManifest[];
  selected: ResolvedManifest[];
}> {
  const dirs = [...project.serviceDirs, ...(values['services-dir'] ?? []).map((dir) => path.resolve(dir))];
  const all = await loadManifests([...new Set(dirs)]);
  for (const warning of folderNameWarnings(all)) console.error(`rewrite-bench: warning: ${warning}`);
  const selected = selectServices(all, parseList(values.services, 'services'));
  return { all, selected };
}
