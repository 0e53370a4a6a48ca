/**
 * The order in which a round measures its members: rotated by one place each round (A B, B A,
 * A B, … for two — the ABBA pattern over rounds; A B C, B C A, C A B for three), so that every
 * member is measured in every position equally often and a position effect (the second run of a
 * round warmer, or after a noisy neighbour) cancels in paired comparisons instead of biasing
 * them. A further member (the platform floor of issue 21) simply joins the list. Pure.
 */

/**
 * The members in the order round `round` (1-based) measures them.
 * @returns a new array; the input order for round 1
 */
export function roundOrder<T>(members: readonly T[], round: number): T[] {
  const count = members.length;
  if (count === 0) return [];
  const shift = (((round - 1) % count) + count) % count;
  return [...members.slice(shift), ...members.slice(0, shift)];
}
