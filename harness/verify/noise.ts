/**
 * Diffy's noise model. The reference runs as two instances of the same code (primary and
 * secondary); whatever differs between them on the same request is non-determinism
 * (timestamps, generated ids, orderings, a flaky status), not a behaviour a rewrite must match.
 * It is learnt per kind of request, per location and per request: where each pair of answers
 * differed, and how often each location did. A candidate is then judged against those rates
 * (judge-candidate.ts, noise-rule.ts): noise never switches a check off, it only excuses a
 * candidate's differences up to a comparable rate. Pure.
 *
 * Locations (`Location`): `status`, `content-type`, or a JSON path with indices generalised
 * (`$.items[3].id` → `$.items[*].id`); `$` is the whole body, also when bodies are compared as
 * bytes (not both JSON, see json-compare.ts). Learning, per pair of answers to one request:
 * - a different status is counted at `status`, and the bodies of that pair are not learnt from
 *   (an error body next to a normal one says nothing about fields);
 * - otherwise the content type and every differing body location is counted, once per request
 *   however many elements differed there.
 *
 * A key whose bodies carry random map keys (`{"sessions": {"a8f3…": …}}`) learns a new path per
 * request and cannot generalise them; its candidate differences will still show.
 */
import type { ComparisonRules } from './compare-rules.js';
import { forEachBodyDifference, type Answer, type Difference } from './json-compare.js';
import { normalizePath, parsePathPattern, type PatternStep } from './json-path.js';

/** Two answers of the reference to one request, and the kind of request (e.g. `GET /quote`). */
export interface NoisePair {
  readonly key: string;
  readonly primary: Answer;
  readonly secondary: Answer;
}

/** A location that differed between the two instances. */
export interface LocationNoise {
  /** `status`, `content-type`, or a normalised JSON path such as `$.items[*].updated_at`. */
  readonly location: string;
  /** Requests (pairs) in which it differed. */
  readonly differedCount: number;
}

/** What was learnt for one kind of request. */
export interface KeyNoise {
  readonly key: string;
  /** Pairs seen for this key. */
  readonly requestCount: number;
  /** Pairs whose bodies differed as bytes (not both JSON); counted at `$` too. */
  readonly bytesDifferedCount: number;
  /** Noisy locations in first-seen order. */
  readonly locations: readonly LocationNoise[];
}

/** What two instances of the reference disagreed on. */
export interface NoiseModel {
  /** Per key, in the order keys first appear; keys with no pairs are absent. */
  readonly keys: ReadonlyMap<string, KeyNoise>;
  /** Per pair, in the order given: the locations where its two answers differed. */
  readonly perRequest: readonly ReadonlySet<string>[];
}

/** Where a difference is, as the noise model counts it. */
export function locationOf(difference: Difference): string {
  if (difference.kind === 'status' || difference.kind === 'content-type') return difference.kind;
  return normalizePath(difference.path);
}

/**
 * Learns the noise of the reference from pairs of its two instances' answers to the same
 * requests (in request order: `perRequest[i]` is pair i's).
 * @param rules the scenario's `compare:` rules (or `ignore` patterns): what they accept is not noise
 * @returns an empty model for no pairs
 */
export function learnNoise(pairs: readonly NoisePair[], rules: readonly string[] | ComparisonRules = []): NoiseModel {
  const tallies = new Map<string, { requestCount: number; bytesDifferedCount: number; counts: Map<string, number> }>();
  const perRequest: ReadonlySet<string>[] = [];
  for (const { key, primary, secondary } of pairs) {
    let tally = tallies.get(key);
    if (tally === undefined) {
      tally = { requestCount: 0, bytesDifferedCount: 0, counts: new Map() };
      tallies.set(key, tally);
    }
    tally.requestCount += 1;
    const locations = new Set<string>();
    if (primary.status !== secondary.status) locations.add('status');
    else {
      forEachBodyDifference(primary, secondary, rules, (difference) => {
        if (difference.kind === 'bytes') tally.bytesDifferedCount += 1;
        locations.add(locationOf(difference));
      });
    }
    for (const location of locations) tally.counts.set(location, (tally.counts.get(location) ?? 0) + 1);
    perRequest.push(locations);
  }
  const keys = new Map<string, KeyNoise>();
  for (const [key, { requestCount, bytesDifferedCount, counts }] of tallies) {
    keys.set(key, Object.freeze({ key, requestCount, bytesDifferedCount, locations: Object.freeze([...counts].map(([location, differedCount]) => ({ location, differedCount }))) }));
  }
  return { keys, perRequest };
}

/** Whether a key learnt anything. */
export function isNoisy(noise: KeyNoise): boolean {
  return noise.locations.length > 0;
}

/** A JSON location's steps (keys and `[*]`), undefined for `status` and `content-type`. */
function stepsOf(location: string): readonly PatternStep[] | undefined {
  return location.startsWith('$') ? parsePathPattern(location).steps : undefined;
}

function isPrefix(prefix: readonly PatternStep[], steps: readonly PatternStep[]): boolean {
  if (prefix.length > steps.length) return false;
  return prefix.every((step, index) => {
    const other = steps[index]!;
    return step.type === other.type && (step.type !== 'key' || (other.type === 'key' && step.name === other.name));
  });
}

/**
 * Maps a candidate's difference locations to the locations they are judged at: the most specific
 * noisy location of the key at or above it (a key missing in one instance covers all its fields),
 * else the location itself. `status` and `content-type` map to themselves.
 */
export class LocationMap {
  readonly #noisy: ReadonlyArray<{ readonly location: string; readonly steps: readonly PatternStep[] }>;
  readonly #cache = new Map<string, string>();

  constructor(noise: KeyNoise | undefined) {
    this.#noisy = (noise?.locations ?? []).flatMap(({ location }) => {
      const steps = stepsOf(location);
      return steps === undefined ? [] : [{ location, steps }];
    });
  }

  /** The location `location` is judged at. */
  judgedAt(location: string): string {
    const cached = this.#cache.get(location);
    if (cached !== undefined) return cached;
    const steps = stepsOf(location);
    let best: { location: string; steps: readonly PatternStep[] } | undefined;
    if (steps !== undefined) {
      for (const noisy of this.#noisy) if (isPrefix(noisy.steps, steps) && (best === undefined || noisy.steps.length > best.steps.length)) best = noisy;
    }
    const judged = best?.location ?? location;
    this.#cache.set(location, judged);
    return judged;
  }
}

const BETWEEN = 'between two instances of the reference';

/**
 * Lines for the report, one per noisy location, keys in model order, e.g.
 * "`GET /quote`: `$.generated_at` differed in 200 of 200 requests between two instances of the reference".
 * Keys with no noise give no line; [] for an empty model.
 */
export function describeNoise(noise: NoiseModel): string[] {
  const lines: string[] = [];
  for (const { key, requestCount, bytesDifferedCount, locations } of noise.keys.values()) {
    const of = (count: number): string => `${count} of ${requestCount} request${requestCount === 1 ? '' : 's'}`;
    for (const { location, differedCount } of locations) {
      const what = location === 'status' ? 'the status' : location === 'content-type' ? 'the content type' : location === '$' && bytesDifferedCount > 0 ? 'the body (compared as bytes)' : `\`${location}\``;
      lines.push(`\`${key}\`: ${what} differed in ${of(differedCount)} ${BETWEEN}`);
    }
  }
  return lines;
}
