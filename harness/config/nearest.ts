/**
 * "Did you mean …?" for misspelt names: the closest candidate by optimal string alignment
 * distance (Levenshtein plus adjacent transpositions, so `bulid` is one edit from `build`). Pure.
 */

/**
 * Edits (insertions, deletions, substitutions, swaps of adjacent characters) that turn `a` into
 * `b`, each string edited at most once per position (optimal string alignment). Counts UTF-16
 * code units. 0 for equal strings; the longer length when one is empty.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: two back (for swaps), one back, current.
  let twoBack: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, twoBack[j - 2]! + 1);
      current.push(best);
    }
    twoBack = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `name`, if it is close enough to be a likely typo: at most one edit
 * per three whole characters of `name` (none for names shorter than 3: `b` is not a typo of `a`).
 * A candidate equal but for letter case wins outright. Ties go to the earlier candidate.
 * @returns undefined when there are no candidates or none is close; never `name` itself unless it is a candidate
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameButCase = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  const allowedEdits = Math.floor(name.length / 3);
  let best: string | undefined;
  let bestDistance = allowedEdits + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
