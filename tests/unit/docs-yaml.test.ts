/**
 * Every ```yaml block of README.md and docs/*.md parses (issue 22 item 10: `ignore: [$.items[*].id]`
 * was shown unquoted and did not), and every block that is one of rewrite-bench's files — a whole
 * scenario, service manifest, project or claims file, or a fragment of a scenario or manifest —
 * validates against its schema. A block is recognised by its keys; a comment line
 * `<!-- yaml: KIND -->` just before its fence says what it is where keys do not (KIND: scenario,
 * manifest, project, claims; compare-suggestion for what `rewrite-bench compare` prints, valid once
 * each empty `why` is filled in; other for another program's file, which only has to parse).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveClaims } from '../../harness/config/claims.js';
import { resolveManifest } from '../../harness/config/manifest.js';
import { resolveProject } from '../../harness/config/project.js';
import { resolveScenario, scenarioSchema } from '../../harness/config/scenario.js';
import { manifestJsonSchema } from '../../harness/config/manifest.js';
import { yamlBlocks, type YamlBlock } from './doc-blocks.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCUMENTS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];
const KINDS = ['scenario', 'manifest', 'project', 'claims', 'compare-suggestion', 'other'] as const;
type Kind = (typeof KINDS)[number];

const scenarioKeys = Object.keys(scenarioSchema.shape);
const manifestKeys = Object.keys((manifestJsonSchema() as { properties: Record<string, unknown> }).properties);
const projectKeys = ['services', 'scenarios', 'claims', 'out', 'suite'];

/** What a block is, from its mark or else its top-level keys; undefined when neither tells. */
function kindOf(block: YamlBlock, data: unknown): Kind | undefined {
  if (block.mark !== undefined) return (KINDS as readonly string[]).includes(block.mark) ? (block.mark as Kind) : undefined;
  if (Array.isArray(data)) return data.every((item) => item !== null && typeof item === 'object' && 'id' in item) ? 'claims' : undefined;
  if (data === null || typeof data !== 'object') return undefined;
  const keys = Object.keys(data);
  if (Array.isArray((data as Record<string, unknown>).claims)) return 'claims';
  if (keys.includes('workload')) return 'scenario';
  if (keys.includes('language') || keys.includes('start') || keys.includes('target')) return 'manifest';
  if (keys.every((key) => projectKeys.includes(key)) && keys.includes('scenarios')) return 'project';
  if (keys.every((key) => scenarioKeys.includes(key))) return 'scenario';
  if (keys.every((key) => manifestKeys.includes(key))) return 'manifest';
  return undefined;
}

/** A scenario fragment completed with what every scenario needs (the fragment's own fields win). */
const BASE_SCENARIO = { name: 'example', description: 'a README example', workload: 'example', requests: [{ path: '/' }], load: { model: 'closed', connections: 1 } };
const BASE_MANIFEST = { name: 'example', language: 'any', description: 'a README example', start: ['./server'], implements: ['example'] };

/** Validates a block as its kind; throws the validator's error. */
function validate(kind: Kind, data: unknown, where: string): void {
  switch (kind) {
    case 'scenario': {
      const fields = data as Record<string, unknown>;
      // A fragment naming a reference service runs it: give the example that service.
      resolveScenario({ ...BASE_SCENARIO, ...fields }, where, { quick: false, availableCpus: 64 });
      return;
    }
    case 'manifest': {
      const fields = data as Record<string, unknown>;
      const base = 'target' in fields ? { ...BASE_MANIFEST, start: undefined, ready: '/health' } : BASE_MANIFEST;
      resolveManifest(JSON.parse(JSON.stringify({ ...base, ...fields })), where);
      return;
    }
    case 'project':
      resolveProject(data, `/repo/${where}/rewrite-bench.yaml`);
      return;
    case 'claims':
      resolveClaims(data, where, scenarioNames());
      return;
    case 'compare-suggestion':
      // Printed with every `why` empty for the user to fill in (an empty reason is refused).
      validate('scenario', JSON.parse(JSON.stringify(data).replaceAll('"why":""', '"why":"a reason"')), where);
      return;
    case 'other':
      return;
  }
}

const blocks = DOCUMENTS.flatMap((document) => yamlBlocks(readFileSync(path.join(ROOT, document), 'utf8'), document));

/** The scenarios a claims example may name: the built-in suite's and those the documentation shows whole. */
function scenarioNames(): string[] {
  const suite = readdirSync(path.join(ROOT, 'scenarios')).filter((file) => file.endsWith('.yaml') && !file.startsWith('claims'));
  const named = (data: unknown): string[] => (data !== null && typeof data === 'object' && 'workload' in data && typeof (data as { name?: unknown }).name === 'string' ? [(data as unknown as { name: string }).name] : []);
  return [...suite.flatMap((file) => named(parse(readFileSync(path.join(ROOT, 'scenarios', file), 'utf8')))), ...blocks.flatMap((block) => named(parse(block.text)))];
}

describe('the YAML the documentation shows (issue 22 item 10)', () => {
  it('finds the blocks, indented ones too', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(14);
    expect(blocks.filter((block) => block.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(11);
  });
  it.each(blocks.map((block) => [block.where, block] as const))('%s parses and validates as what it is', (where, block) => {
    let data: unknown;
    expect(() => (data = parse(block.text)), `${where} does not parse as YAML (quote strings that start with $, *, [ or {)`).not.toThrow();
    const kind = kindOf(block, data);
    expect(kind, `${where}: not recognisable as a scenario, manifest, project or claims file or fragment by its keys; mark it with <!-- yaml: KIND --> on the line before its fence`).toBeDefined();
    validate(kind!, data, where);
  });
  it('shows the worked example of "Checking a real rewrite" as the tested fixture has it (tests/fixtures/shop)', () => {
    const shown = blocks.map((block) => parse(block.text) as Record<string, unknown>).find((data) => data !== null && data.name === 'orders' && 'workload' in data)!;
    const fixture = parse(readFileSync(path.join(ROOT, 'tests/fixtures/shop/scenarios/orders.yaml'), 'utf8')) as Record<string, unknown>;
    const resolve = (data: Record<string, unknown>) => {
      const { description: _description, file: _file, ...rest } = resolveScenario(data, '/shop/scenarios/orders.yaml', { quick: false, availableCpus: 64 });
      return rest;
    };
    expect(resolve(shown)).toEqual(resolve(fixture));
    const claims = blocks.map((block) => parse(block.text) as { claims?: Array<{ id: string }> }).find((data) => data?.claims?.[0]?.id === 'half-the-cpu');
    expect(claims).toEqual(parse(readFileSync(path.join(ROOT, 'tests/fixtures/shop/scenarios/claims.yaml'), 'utf8')));
  });
  it('recognises a mistake: an unquoted JSON path in a flow list does not parse, and a misspelt key does not validate', () => {
    expect(() => parse('compare:\n  ignore: [$.items[*].id]\n')).toThrow();
    const [typo] = yamlBlocks('```yaml\nfixtures:\n  databse: {seedSql: seed.sql}\n```\n', 'x.md');
    const data = parse(typo!.text) as unknown;
    expect(kindOf(typo!, data)).toBe('scenario');
    expect(() => validate('scenario', data, 'x.md')).toThrow('Unknown key `databse` in x.md under `fixtures`. Did you mean `database`?');
    const [foreign] = yamlBlocks('<!-- yaml: other -->\n```yaml\nprocess_names: []\n```\n', 'y.md');
    expect(kindOf(foreign!, parse(foreign!.text))).toBe('other');
  });
});
