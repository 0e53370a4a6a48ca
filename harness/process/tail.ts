/**
 * Keeps the last lines of a child's output for error messages. Pure.
 */

/** A bounded buffer of the last `maxLines` lines written to it. */
export class LineTail {
  readonly #lines: string[] = [];
  #partial = '';
  readonly maxLines: number;
  constructor(maxLines = 40) {
    this.maxLines = maxLines;
  }

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.#lines.push(line);
      if (this.#lines.length > this.maxLines) this.#lines.shift();
    }
  }

  /** The kept lines, the unfinished one last. */
  text(): string {
    return [...this.#lines, ...(this.#partial === '' ? [] : [this.#partial])].join('\n');
  }
}
