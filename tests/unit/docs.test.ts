/**
 * Whatever the README and docs/ cite must be in the repository: every relative Markdown link and
 * every backticked path to a .md file in a folder resolves to a file here, and none points outside.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const documents = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

/** Relative paths a Markdown file cites: `[x](path)` links and `` `path.md` `` mentions. */
function citedPaths(text: string): string[] {
  const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/.test(target));
  const mentions = [...text.matchAll(/`([\w./-]+\.md)`/g)].map((match) => match[1]!).filter((mention) => mention.includes('/'));
  return [...new Set([...links, ...mentions])];
}

describe('documentation', () => {
  it.each(documents)('%s cites only files in the repository', (document) => {
    const text = readFileSync(path.join(ROOT, document), 'utf8');
    for (const cited of citedPaths(text)) {
      // Links resolve from the document's folder; bare mentions of repository paths from the root.
      const fromDocument = path.resolve(ROOT, path.dirname(document), cited);
      const fromRoot = path.resolve(ROOT, cited);
      expect(fromDocument.startsWith(ROOT) || fromRoot.startsWith(ROOT), `${document} cites ${cited}, outside the repository`).toBe(true);
      expect(existsSync(fromDocument) || existsSync(fromRoot), `${document} cites ${cited}, which is not in the repository`).toBe(true);
    }
  });
  it('the README cites the measurement notes from docs/', () => {
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('(docs/measurement.md)');
  });
});
