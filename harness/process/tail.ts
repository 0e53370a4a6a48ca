/**
 * Keeps the last lines of a child's output for error messages. Pure.
 */

/** A bounded buffer of the last `maxLines` lines written to it, each cut to its last `maxLineChars` characters. */
export class LineTail {
  readonly #lines: string[] = [];
  #partial = '';
  /** Characters dropped from the front of the unfinished line. */
  #partialCutChars = 0;
  readonly maxLines: number;
  readonly maxLineChars: number;

  /**
   * @param maxLines lines kept (the oldest go first)
   * @param maxLineChars characters kept of one line, its end (8192 by default: 8 KiB of ASCII). A
   *   service that writes megabytes without a newline (a progress bar, a binary dump) must cost
   *   neither unbounded memory nor a copy of everything so far per chunk.
   */
  constructor(maxLines = 40, maxLineChars = 8192) {
    this.maxLines = maxLines;
    this.maxLineChars = maxLineChars;
  }

  push(chunk: string): void {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', from);
      if (newline === -1) {
        this.#appendPartial(chunk.slice(from));
        return;
      }
      this.#appendPartial(chunk.slice(from, newline));
      this.#lines.push(this.#renderPartial());
      if (this.#lines.length > this.maxLines) this.#lines.shift();
      this.#partial = '';
      this.#partialCutChars = 0;
      from = newline + 1;
    }
  }

  /** The kept lines, the unfinished one last; a cut line starts with how much of it was cut. */
  text(): string {
    const partial = this.#renderPartial();
    return [...this.#lines, ...(partial === '' ? [] : [partial])].join('\n');
  }

  #appendPartial(text: string): void {
    if (text.length >= this.maxLineChars) {
      this.#partialCutChars += this.#partial.length + text.length - this.maxLineChars;
      this.#partial = text.slice(-this.maxLineChars);
      return;
    }
    const joined = this.#partial + text;
    if (joined.length > this.maxLineChars) {
      this.#partialCutChars += joined.length - this.maxLineChars;
      this.#partial = joined.slice(-this.maxLineChars);
    } else {
      this.#partial = joined;
    }
  }

  #renderPartial(): string {
    return this.#partialCutChars === 0 ? this.#partial : `[line cut: its first ${this.#partialCutChars} ${this.#partialCutChars === 1 ? 'character' : 'characters'} dropped] ${this.#partial}`;
  }
}
