/**
 * Lines of code: non-blank, non-comment lines per language, counted by the `sloc` library.
 * Pure over file texts.
 */
import sloc from 'sloc';
import type { LinesOfCode } from '../results/document.js';

const LANGUAGES: Record<string, string> = {
  py: 'python',
  rs: 'rust',
  go: 'go',
  ts: 'typescript',
  js: 'javascript',
  mjs: 'javascript',
  c: 'c',
  h: 'c',
};

/** The language counted for a file name, or undefined for files that are not code (config, data, docs). */
export function languageOf(file: string): string | undefined {
  const extension = file.split('.').pop() ?? '';
  return LANGUAGES[extension];
}

/** Source lines of one file's text (lines with code, including lines that also hold a comment). */
export function countSourceLines(text: string, file: string): number {
  const extension = file.split('.').pop() ?? '';
  return sloc(text, extension === 'mjs' ? 'js' : extension).source;
}


/** Sums the source lines of `files` (name and text); files that are not code are ignored. */
export function countLinesOfCode(files: ReadonlyArray<{ name: string; text: string }>): LinesOfCode {
  const byLanguage: Record<string, number> = {};
  let total = 0;
  let counted = 0;
  for (const file of files) {
    const language = languageOf(file.name);
    if (language === undefined) continue;
    const lines = countSourceLines(file.text, file.name);
    byLanguage[language] = (byLanguage[language] ?? 0) + lines;
    total += lines;
    counted += 1;
  }
  return { total, byLanguage, files: counted };
}
