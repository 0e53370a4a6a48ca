/**
 * Diffy's noise model. The reference runs as two instances of the same code (primary and
 * secondary); whatever differs between them on the same request is non-determinism
 * (timestamps, generated ids, orderings), not a behaviour a rewrite must match. It is learnt per
 * kind of request and then ignored when the candidate is compared with the primary. Pure.
 *
 * Learning, per pair of answers to one request:
 * - a different status or media type is counted as such, and the bodies of that pair are not
 *   learnt from (an error body next to a normal one says nothing about fields);
 * - bodies that differ and are not both JSON (see json-compare.ts) are counted as byte noise;
 * - otherwise every differing location is learnt with indices generalised (`$.items[3].id` →
 *   `$.items[*].id`), counted once per request however many elements differed.
 *
 * Comparing, for that kind of request: status (media type) noise means a candidate whose status
 * (media type) differs from the reference's is not reported, nor is its body (not comparable);
 * byte noise means bodies are not compared at all; learnt paths are ignored, with everything
 * under them (a key missing in one instance covers all its fields).
 *
 * A key whose bodies carry random map keys (`{"sessions": {"a8f3…": …}}`) learns a new path per
 * request and cannot generalise them; its candidate differences will still show.
 */
import { forEachDifference, type Answer, type Difference } from './json-compare.js';
import { normalizePath } from './json-path.js';

/** Two answers of the reference to one request, and the kind of request (e.g. `GET /quote`). */
export interface NoisePair {
  readonly key: string;
  readonly primary: Answer;
  readonly secondary: Answer;
}

/** A location that differed between the two instances. */
export interface PathNoise {
  /** Normalised pattern, e.g. `$.items[*].updated_at`. */
  readonly path: string;
  /** Requests (pairs) in which it differed. */
  readonly differedCount: number;
}

/** What was learnt for one kind of request. */
export interface KeyNoise {
  readonly key: string;
  /** Pairs seen for this key. */
  readonly requestCount: number;
  /** Pairs whose statuses differed. */
  readonly statusDifferedCount: number;
  /** Pairs whose media types differed (with equal statuses). */
  readonly contentTypeDifferedCount: number;
  /** Pairs whose bodies differed as bytes (not both JSON): this key's bodies cannot be compared. */
  readonly bytesDifferedCount: number;
  /** Noisy locations in first-seen order. */
  readonly paths: readonly PathNoise[];
}

/** Per key, what was learnt. Keys with no pairs are absent. */
export type NoiseModel = ReadonlyMap<string, KeyNoise>;

interface Tally {
  requestCount: number;
  statusDifferedCount: number;
  contentTypeDifferedCount: number;
  bytesDifferedCount: number;
  pathCounts: Map<string, number>;
}

/**
 * Learns the noise of the reference from pairs of its two instances' answers to the same
 * requests. Keys keep the order in which they first appear.
 * @returns an empty model for no pairs
 */
export function learnNoise(pairs: readonly NoisePair[]): NoiseModel {
  const tallies = new Map<string, Tally>();
  for (const { key, primary, secondary } of pairs) {
    let tally = tallies.get(key);
    if (tally === undefined) {
      tally = { requestCount: 0, statusDifferedCount: 0, contentTypeDifferedCount: 0, bytesDifferedCount: 0, pathCounts: new Map() };
      tallies.set(key, tally);
    }
    tally.requestCount += 1;
    const paths = new Set<string>();
    let kind: 'status' | 'content-type' | 'bytes' | 'body' | undefined;
    forEachDifference(primary, secondary, [], (difference) => {
      if (difference.kind === 'status' || difference.kind === 'content-type' || difference.kind === 'bytes') {
        kind = difference.kind;
        return false;
      }
      kind = 'body';
      paths.add(normalizePath(difference.path));
      return true;
    });
    if (kind === 'status') tally.statusDifferedCount += 1;
    else if (kind === 'content-type') tally.contentTypeDifferedCount += 1;
    else if (kind === 'bytes') tally.bytesDifferedCount += 1;
    for (const path of paths) tally.pathCounts.set(path, (tally.pathCounts.get(path) ?? 0) + 1);
  }
  const model = new Map<string, KeyNoise>();
  for (const [key, { pathCounts, ...counts }] of tallies) {
    model.set(key, Object.freeze({ key, ...counts, paths: Object.freeze([...pathCounts].map(([path, differedCount]) => ({ path, differedCount }))) }));
  }
  return model;
}

/** Whether a key learnt anything to ignore. */
export function isNoisy(noise: KeyNoise): boolean {
  return noise.statusDifferedCount + noise.contentTypeDifferedCount + noise.bytesDifferedCount > 0 || noise.paths.length > 0;
}

/**
 * The first difference between the reference's and the candidate's answers that is neither
 * noise learnt for `key` nor under an `ignore` pattern. A key absent from the model (no pairs
 * were learnt) is compared without noise.
 * @param ignore the user's patterns (json-path.ts), applied on top of the noise
 * @throws ConfigError when an ignore pattern does not parse
 */
export function compareWithNoise(reference: Answer, candidate: Answer, noise: NoiseModel, key: string, ignore: readonly string[] = []): Difference | undefined {
  const learnt = noise.get(key);
  const patterns = learnt === undefined ? ignore : [...ignore, ...learnt.paths.map((path) => path.path)];
  const hasBodyNoise = (learnt?.bytesDifferedCount ?? 0) > 0;
  let first: Difference | undefined;
  forEachDifference(reference, candidate, patterns, (difference) => {
    if (difference.kind === 'status') {
      if ((learnt?.statusDifferedCount ?? 0) === 0) first = difference;
      return false;
    }
    if (difference.kind === 'content-type') {
      if ((learnt?.contentTypeDifferedCount ?? 0) === 0) first = difference;
      return false;
    }
    if (!hasBodyNoise) first = difference;
    return false;
  });
  return first;
}

const BETWEEN = 'between two instances of the reference';

/**
 * Lines for the report, one per learnt item, keys in model order, e.g.
 * "`GET /quote`: `$.generated_at` differed in 200 of 200 requests between two instances of the reference: ignored".
 * Keys with no noise give no line; [] for an empty model.
 */
export function describeNoise(noise: NoiseModel): string[] {
  const lines: string[] = [];
  for (const { key, requestCount, statusDifferedCount, contentTypeDifferedCount, bytesDifferedCount, paths } of noise.values()) {
    const of = (count: number): string => `${count} of ${requestCount} request${requestCount === 1 ? '' : 's'}`;
    if (statusDifferedCount > 0) lines.push(`\`${key}\`: the status differed in ${of(statusDifferedCount)} ${BETWEEN}: a candidate's different status, and its body, are not reported`);
    if (contentTypeDifferedCount > 0) lines.push(`\`${key}\`: the content type differed in ${of(contentTypeDifferedCount)} ${BETWEEN}: a candidate's different content type, and its body, are not reported`);
    if (bytesDifferedCount > 0) lines.push(`\`${key}\`: bodies differed as non-JSON bytes in ${of(bytesDifferedCount)} ${BETWEEN}: bodies are not compared for this request`);
    for (const { path, differedCount } of paths) lines.push(`\`${key}\`: \`${path}\` differed in ${of(differedCount)} ${BETWEEN}: ignored`);
  }
  return lines;
}
