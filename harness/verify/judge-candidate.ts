/**
 * Judges a candidate's answers against the reference's (Diffy's primary and secondary): every
 * location where it differed, per kind of request, counted per request and set against what the
 * reference's two instances disagreed on there (noise.ts), with the rule of noise-rule.ts. All
 * differences are found, not only the first. Pure.
 *
 * Per request, the candidate is compared with the primary. A status that differs from the
 * primary's is counted at `status`, unless a declared status mapping accepts it; the bodies are
 * then compared with the secondary's answer when its status is the candidate's (the reference
 * itself answered that way), and not at all otherwise (an error body next to a normal one, or a
 * redirect next to the page it leads to, has no comparable fields). Every other difference
 * (content type, each JSON location, bytes) is counted at the location it is judged at
 * (noise.ts LocationMap), once per request.
 */
import { ignoreRules, NO_RULES, type ComparisonRules } from './compare-rules.js';
import { forEachBodyDifference, type Answer, type Difference } from './json-compare.js';
import { judgeLocation } from './noise-rule.js';
import { LocationMap, locationOf, type NoiseModel, type NoisePair } from './noise.js';

/** What the candidate did at one location of one kind of request. */
export interface LocationFinding {
  readonly key: string;
  /** `status`, `content-type`, or a normalised JSON path (`$` for the whole body). */
  readonly location: string;
  /** Requests of this kind compared. */
  readonly requests: number;
  /** Requests in which the candidate differed from the reference there. */
  readonly differedCount: number;
  /** Requests in which the reference's two instances differed there. */
  readonly noiseCount: number;
  /** Requests in which both the candidate and the secondary differed from the primary there. */
  readonly bothCount: number;
  /** Whether the rule reports it (else it is within the reference's own noise). */
  readonly isDifference: boolean;
  /** The sign test's p when the reference was noisy there (noise-rule.ts). */
  readonly p: number | undefined;
  /** The first request in which the candidate differed there, and how. */
  readonly example: { readonly index: number; readonly difference: Difference; readonly comparedWith: 'primary' | 'secondary' };
  /** Every request (index) in which the candidate differed there. */
  readonly indices: readonly number[];
}

interface Tally {
  differedCount: number;
  bothCount: number;
  example: LocationFinding['example'];
  indices: number[];
}

/**
 * Every location where `candidate` (one answer per pair, same order) differed from the
 * reference, in the order kinds and then locations first differed.
 * @param rules the scenario's `compare:` rules (or `ignore` patterns alone)
 * @throws Error when `candidate` does not have one answer per pair
 */
export function judgeCandidate(pairs: readonly NoisePair[], candidate: readonly Answer[], noise: NoiseModel, rules: readonly string[] | ComparisonRules = NO_RULES): LocationFinding[] {
  const compiled = Array.isArray(rules) ? ignoreRules(rules as readonly string[]) : (rules as ComparisonRules);
  if (candidate.length !== pairs.length) throw new Error(`judgeCandidate needs one answer per request: ${candidate.length} answers for ${pairs.length} requests`);
  const maps = new Map<string, LocationMap>();
  const tallies = new Map<string, Map<string, Tally>>();
  for (const [index, { key, primary, secondary }] of pairs.entries()) {
    let map = maps.get(key);
    if (map === undefined) {
      map = new LocationMap(noise.keys.get(key));
      maps.set(key, map);
    }
    const answer = candidate[index]!;
    const found = new Map<string, { difference: Difference; comparedWith: 'primary' | 'secondary' }>();
    const record = (difference: Difference, comparedWith: 'primary' | 'secondary'): void => {
      const location = map.judgedAt(locationOf(difference));
      if (!found.has(location)) found.set(location, { difference, comparedWith });
    };
    let bodyReference: { answer: Answer; comparedWith: 'primary' | 'secondary' } | undefined = { answer: primary, comparedWith: 'primary' };
    if (answer.status !== primary.status) {
      if (compiled.statuses.get(primary.status)?.has(answer.status) !== true) record({ kind: 'status', path: 'status', expected: String(primary.status), found: String(answer.status) }, 'primary');
      bodyReference = answer.status === secondary.status ? { answer: secondary, comparedWith: 'secondary' } : undefined;
    }
    if (bodyReference !== undefined) {
      const { comparedWith } = bodyReference;
      forEachBodyDifference(bodyReference.answer, answer, compiled, (difference) => record(difference, comparedWith));
    }
    let byLocation = tallies.get(key);
    if (byLocation === undefined) {
      byLocation = new Map();
      tallies.set(key, byLocation);
    }
    const learnt = noise.perRequest[index];
    for (const [location, { difference, comparedWith }] of found) {
      let tally = byLocation.get(location);
      if (tally === undefined) {
        tally = { differedCount: 0, bothCount: 0, example: { index, difference, comparedWith }, indices: [] };
        byLocation.set(location, tally);
      }
      tally.differedCount += 1;
      if (learnt?.has(location) === true) tally.bothCount += 1;
      tally.indices.push(index);
    }
  }
  const findings: LocationFinding[] = [];
  for (const [key, byLocation] of tallies) {
    const keyNoise = noise.keys.get(key);
    const requests = keyNoise?.requestCount ?? pairs.filter((pair) => pair.key === key).length;
    for (const [location, tally] of byLocation) {
      const noiseCount = keyNoise?.locations.find((entry) => entry.location === location)?.differedCount ?? 0;
      const judgement = judgeLocation({
        requests,
        noiseCount,
        differedCount: tally.differedCount,
        onlyCandidate: tally.differedCount - tally.bothCount,
        onlySecondary: noiseCount - tally.bothCount,
      });
      findings.push(Object.freeze({ key, location, requests, differedCount: tally.differedCount, noiseCount, bothCount: tally.bothCount, isDifference: judgement.isDifference, p: judgement.p, example: tally.example, indices: Object.freeze(tally.indices) }));
    }
  }
  return findings;
}
