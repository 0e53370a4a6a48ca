/**
 * The fenced YAML blocks of a Markdown document, for the tests that check what the README and
 * docs/ show (docs-yaml.test.ts parses and validates them all; others look at one example closely).
 */

/** One fenced YAML block: where it is, its text (dedented as far as its fence), and a `<!-- yaml: KIND -->` mark before it. */
export interface YamlBlock {
  readonly where: string;
  readonly text: string;
  readonly mark: string | undefined;
}

/** The ```yaml blocks of a Markdown text, fences indented (inside a list item) or not. */
export function yamlBlocks(markdown: string, document: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  for (const match of markdown.matchAll(/^([ \t]*)```ya?ml[ \t]*\n([\s\S]*?)^\1```[ \t]*$/gm)) {
    const indent = match[1]!;
    const line = markdown.slice(0, match.index).split('\n').length;
    const before = markdown.slice(0, match.index).trimEnd().split('\n').at(-1) ?? '';
    const mark = /^\s*<!--\s*yaml:\s*([a-z-]+)\s*-->\s*$/.exec(before)?.[1];
    const text = match[2]!.split('\n').map((row) => (row.startsWith(indent) ? row.slice(indent.length) : row)).join('\n');
    blocks.push({ where: `${document}:${line}`, text, mark });
  }
  return blocks;
}
