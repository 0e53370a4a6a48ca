import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../../harness/config/nearest.js';

describe('nearest', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
    expect(editDistance('sku', 'skus')).toBe(1);
    expect(editDistance('bulid', 'build')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ca', 'abc')).toBe(3);
  });
  it('suggests the closest candidate when it is a likely typo', () => {
    expect(nearest('skus', ['qty', 'sku', 'tenant'])).toBe('sku');
    expect(nearest('tenat', ['tenant', 'word'])).toBe('tenant');
    expect(nearest('SKU', ['qty', 'sku'])).toBe('sku');
    expect(nearest('bulid', ['start', 'build'])).toBe('build');
    expect(nearest('zzz', ['sku', 'qty'])).toBeUndefined();
    expect(nearest('x', [])).toBeUndefined();
    expect(nearest('b', ['a'])).toBeUndefined();
    expect(nearest('B', ['a', 'b'])).toBe('b');
    // One edit per three characters: two edits are too many for a short name.
    expect(nearest('abc', ['axy'])).toBeUndefined();
    expect(nearest('abcdef', ['abxyef'])).toBe('abxyef');
    // Ties go to the earlier candidate.
    expect(nearest('cat', ['bat', 'cut'])).toBe('bat');
  });
});
