import { describe, expect, it } from 'vitest';
import { LineTail } from '../../harness/process/tail.js';

describe('LineTail', () => {
  it('keeps the last lines, the unfinished one last', () => {
    const tail = new LineTail(2);
    tail.push('one\ntwo\nthr');
    tail.push('ee\nfo');
    expect(tail.text()).toBe('two\nthree\nfo');
  });

  it('keeps only the end of output without newlines, and says how much it cut', () => {
    const tail = new LineTail(3, 10);
    for (let index = 0; index < 1000; index += 1) tail.push('abc');
    expect(tail.text()).toBe('[line cut: its first 2990 characters dropped] cabcabcabc');
  });

  it('stays bounded on megabytes without a newline, then goes on with whole lines', () => {
    const tail = new LineTail(2, 8);
    const chunk = 'a'.repeat(65_536);
    for (let index = 0; index < 160; index += 1) tail.push(chunk); // 10 MiB, one line
    tail.push('bcdefghij\nnext\n');
    expect(tail.text()).toBe(`[line cut: its first ${160 * 65_536 + 9 - 8} characters dropped] cdefghij\nnext`);
  });

  it('cuts a long line given in one chunk, and keeps short lines whole', () => {
    const tail = new LineTail(5, 4);
    tail.push('abcdefgh\nabcd\nab');
    expect(tail.text()).toBe('[line cut: its first 4 characters dropped] efgh\nabcd\nab');
  });
});
