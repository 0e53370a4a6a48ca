import { describe, expect, it } from 'vitest';
import { roundOrder } from '../../harness/run/round-order.js';

describe('the order of a round', () => {
  it('alternates two members (A B, B A, …: ABBA over rounds)', () => {
    expect([1, 2, 3, 4].map((round) => roundOrder(['baseline', 'candidate'], round).join(' '))).toEqual(['baseline candidate', 'candidate baseline', 'baseline candidate', 'candidate baseline']);
  });
  it('rotates more members so each takes each position equally often', () => {
    expect([1, 2, 3, 4].map((round) => roundOrder(['a', 'b', 'c'], round).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
    const firsts = Array.from({ length: 12 }, (_, index) => roundOrder(['a', 'b', 'c', 'd'], index + 1)[0]);
    expect(['a', 'b', 'c', 'd'].map((member) => firsts.filter((first) => first === member).length)).toEqual([3, 3, 3, 3]);
  });
  it('leaves the input alone and handles no members', () => {
    const members = ['a', 'b'];
    roundOrder(members, 2);
    expect(members).toEqual(['a', 'b']);
    expect(roundOrder([], 3)).toEqual([]);
  });
});
