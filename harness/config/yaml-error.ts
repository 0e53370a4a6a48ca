/**
 * A YAML syntax error as the house message: what the parser said, where (line and column), the
 * offending line(s) with a caret under the spot, and — for a `[` or `{` that is never closed —
 * the line where it opened, which is where the fix goes (the parser only notices at the next
 * line that does not fit, and names that one). Pure: works on the file's text.
 */
import { CST, Parser, YAMLError } from 'yaml';

/** A 1-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly col: number;
}

/** 1-based line and column of a 0-based character offset in `text`. */
export function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, Math.max(0, offset));
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}

/** A bracket or quote that is never closed: its opening character and where it is. */
export interface Unclosed {
  readonly opening: '[' | '{' | '"' | "'";
  readonly at: TextPosition;
}

const CLOSING: Readonly<Record<Unclosed['opening'], string>> = { '[': ']', '{': '}', '"': '"', "'": "'" };

/** Whether a quoted scalar's source ends with its closing quote (an escaped `\"` does not close). */
function isClosedQuote(source: string): boolean {
  const quote = source[0]!;
  if (source.length < 2 || !source.endsWith(quote)) return false;
  if (quote === "'") return true;
  let backslashes = 0;
  for (let index = source.length - 2; index > 0 && source[index] === '\\'; index -= 1) backslashes += 1;
  return backslashes % 2 === 0;
}

/**
 * The last `[`, `{` or quote opened before `beforeOffset` that is never closed, from the
 * library's concrete syntax tree; undefined when everything opened is closed.
 */
export function findUnclosed(text: string, beforeOffset: number): Unclosed | undefined {
  let found: { offset: number; opening: Unclosed['opening'] } | undefined;
  const note = (offset: number, opening: Unclosed['opening']): void => {
    if (offset <= beforeOffset && (found === undefined || offset > found.offset)) found = { offset, opening };
  };
  const consider = (token: CST.Token | null | undefined): void => {
    if (token?.type === 'flow-collection') {
      const opening = token.start.source === '{' ? '{' : '[';
      // Closed only by its own kind: in `{a: [x, y}` the `}` ends the `[` in the tree, wrongly.
      const isClosed = token.end.some((end) => end.type === (opening === '{' ? 'flow-map-end' : 'flow-seq-end'));
      if (!isClosed) note(token.start.offset, opening);
    } else if ((token?.type === 'double-quoted-scalar' || token?.type === 'single-quoted-scalar') && !isClosedQuote(token.source)) {
      note(token.offset, token.type === 'double-quoted-scalar' ? '"' : "'");
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    consider(token.value);
    CST.visit(token, (item) => {
      consider(item.key);
      consider(item.value);
    });
  }
  return found === undefined ? undefined : { opening: found.opening, at: positionOf(text, found.offset) };
}

/** `  14 | text` and, under it, a caret at `col`. */
function excerpt(lines: readonly string[], at: TextPosition, width: number): string[] {
  const text = lines[at.line - 1];
  const gutter = ' '.repeat(width);
  if (text === undefined || (text === '' && at.line === lines.length)) return [`  ${gutter} | (end of file)`];
  return [`  ${String(at.line).padStart(width)} | ${text}`, `  ${gutter} | ${' '.repeat(Math.max(0, at.col - 1))}^`];
}

/** The parser's sentence without its own position and context (we show those ourselves). */
function reasonOf(message: string): string {
  return (message.split(/ at line \d+, column \d+:/)[0] ?? message).split('\n')[0]!.trim().replace(/\.$/, '');
}

/**
 * The message of a YAML syntax error in `file`.
 * @param text the file's text, for the excerpt
 * @param error what `yaml`'s parse threw (a YAMLParseError with `pos` and `linePos`; anything else is shown as is)
 */
export function formatYamlSyntaxError(file: string, text: string, error: unknown): string {
  if (!(error instanceof YAMLError)) return `${file} is not valid YAML: ${error instanceof Error ? error.message : String(error)}. Fix the syntax and run again.`;
  const at = error.linePos?.[0] ?? positionOf(text, error.pos[0]);
  const lines = text.split('\n');
  const unclosed = findUnclosed(text, error.pos[0]);
  const shownLines = unclosed === undefined ? [at.line] : [unclosed.at.line, at.line];
  const width = String(Math.max(...shownLines)).length;
  const reason = reasonOf(error.message);
  if (unclosed !== undefined) {
    const what = unclosed.opening === '[' || unclosed.opening === '{' ? `\`${unclosed.opening}\`` : `quote ${unclosed.opening}`;
    const noticed = unclosed.at.line === at.line ? excerpt(lines, unclosed.at, width) : [...excerpt(lines, unclosed.at, width), ...excerpt(lines, at, width)];
    const alternative = unclosed.opening === '[' ? ', or write the list as indented `- item` lines' : unclosed.opening === '{' ? ', or write the mapping as indented `key: value` lines' : '';
    return [
      `${file} is not valid YAML: the ${what} opened at line ${unclosed.at.line}, column ${unclosed.at.col} is never closed (the parser noticed at line ${at.line}, column ${at.col}: ${reason}).`,
      ...noticed,
      `Close it with \`${CLOSING[unclosed.opening]}\` on line ${unclosed.at.line}${alternative}.`,
    ].join('\n');
  }
  return [
    `${file} is not valid YAML: ${reason} at line ${at.line}, column ${at.col}.`,
    ...excerpt(lines, at, width),
    error.code === 'DUPLICATE_KEY' ? 'Remove one of the two or rename it.' : 'Fix the syntax there (indent with spaces, put a space after each `:`, close every quote and bracket).',
  ].join('\n');
}
