/**
 * The legacy service as the oracle (the model of Twitter's Diffy: primary, secondary,
 * candidate). Before a scenario is measured, the reference service runs as two instances
 * (primary and secondary) beside every other service, and each seeded request — the scenario's
 * own mix, other seeds than the load's — goes to all of them at once, request after request, as
 * Diffy's multicast does: instances see the same history and the same moment, so the secondary
 * and a faithful candidate differ from the primary alike. What the two instances of the same
 * code disagree on is noise, learnt per kind of request, location and request (noise.ts); each
 * candidate's differences are counted at every location and reported where they are clearly
 * more than that noise (judge-candidate.ts, noise-rule.ts); a candidate with any is not
 * measured. Each instance gets fresh fixtures (`env`), so stateful endpoints see the same history,
 * and runs the scenario's `setup` itself once ready (its own login): its captured values fill its
 * own requests, and are written back as `{{name}}` in its answers before they are compared
 * (mask-captured.ts), so a token each instance echoes is neither a difference nor noise.
 * I/O (starts services, sends requests).
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { InfrastructureError, messageOf } from '../errors.js';
import { RequestMix, type PreparedRequest } from '../load/requests.js';
import { connectTarget } from '../process/target.js';
import type { LoadTls } from '../load/job.js';
import { secondsToMs } from '../load/limits.js';
import { startService, type RunningService, type ServiceEnvironment } from '../process/service.js';
import { prepareSources } from '../requests/prepare.js';
import { mulberry32 } from '../random.js';
import { describeDifference, type Answer } from './json-compare.js';
import { judgeCandidate, type LocationFinding } from './judge-candidate.js';
import { describeNoise, learnNoise, type NoisePair } from './noise.js';
import { requestKinds } from './request-kind.js';
import type { AcceptRule, ReferenceCheck, ReferenceDifference, ReferenceVerdict } from '../results/document.js';
import { suggestRules, type SuggestionContext } from './suggest.js';
import { compileRules, declaredRules, ignorePaths } from './compare-rules.js';
import { sendRequest } from './send.js';
import { capturedNames } from '../config/setup.js';
import { fillRequest, type CapturedValues } from '../requests/captured.js';
import { runSetup } from '../process/setup.js';
import { maskCaptured } from './mask-captured.js';

export interface ReferenceCheckOptions {
  readonly scenario: ResolvedScenario;
  readonly reference: ResolvedManifest;
  readonly candidates: readonly ResolvedManifest[];
  /** The environment of one instance (the scenario's env and its fresh fixtures: a database, the upstream's URL), by its label: `primary`, `secondary` or `compare`. */
  readonly env: (manifest: ResolvedManifest, label: string) => Promise<ServiceEnvironment>;
  /** Seed of the compared requests (other than every load seed). */
  readonly seed: number;
  /** Requests to compare (default the scenario's `compare.requests`). */
  readonly requests?: number;
  readonly log: (line: string) => void;
}

const BODY_SHOWN = 400;
const shown = (text: string): string => (text === '' ? '(empty)' : text.length > BODY_SHOWN ? `${text.slice(0, BODY_SHOWN)}…` : text);
const bodyText = (answer: Answer): string => (typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body).toString('utf8'));

function toAnswer(observed: { status: number; contentType: string | null; body: string }): Answer {
  // send.ts reads bytes as latin1; JSON is UTF-8.
  return { status: observed.status, contentType: observed.contentType, body: Buffer.from(observed.body, 'latin1').toString('utf8') };
}

/** One running instance of a service being compared, and what it answered so far. */
interface Instance {
  readonly manifest: ResolvedManifest;
  readonly label: string;
  readonly baseUrl: string;
  readonly service: RunningService | undefined;
  /** A remote https target's trust (its `target.tls`). */
  readonly tls: LoadTls | undefined;
  readonly answers: Answer[];
  /** What the scenario's `setup` captured on this instance (its own token): filled into its requests, masked in its answers. */
  readonly captured: CapturedValues;
  error?: string;
}

async function openInstance(manifest: ResolvedManifest, label: string, options: ReferenceCheckOptions): Promise<Instance> {
  const readyTimeoutMs = options.scenario.service.readyTimeoutSeconds * 1000;
  // A remote reference is asked twice where it runs (the noise then is what one instance varies by).
  if (manifest.target !== undefined) {
    const { baseUrl, tls } = await connectTarget(manifest, readyTimeoutMs);
    const captured = await runSetup({ scenario: options.scenario, service: manifest.name, label, baseUrl, tls });
    return { manifest, label, baseUrl, service: undefined, tls, answers: [], captured };
  }
  const service = await startService({ manifest, workers: options.scenario.service.workers, ...(await options.env(manifest, label)), readyTimeoutMs });
  try {
    // Each instance logs in itself (instances start at once): its own token, in its own requests.
    const captured = await runSetup({ scenario: options.scenario, service: manifest.name, label, baseUrl: service.baseUrl });
    return { manifest, label, baseUrl: service.baseUrl, service, tls: undefined, answers: [], captured };
  } catch (error) {
    await service.stop();
    throw error;
  }
}

/** The compared requests: the scenario's mix drawn `count` times with `seed` (inserts numbered, as under load). */
export function comparedRequests(scenario: ResolvedScenario, seed: number, count = scenario.compare.requests): PreparedRequest[] {
  const mix = new RequestMix(prepareSources(scenario.requests, seed, capturedNames(scenario.setup)), seed);
  return Array.from({ length: count }, () => mix.next());
}

/** The request as a line: method, path and (shortened) body. */
export const requestLine = (request: PreparedRequest): string => `${request.method} ${request.path}${request.body === undefined ? '' : ` ${shown(request.body)}`}`;

/** The instances in a random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const order = [...items];
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  return order;
}

/**
 * Sends every request to every live instance at once, in order. Each request goes out to the
 * instances in a fresh random order: the first one sent is answered a little earlier, and a fixed
 * order would make a millisecond timestamp differ more often between the primary and a candidate
 * sent last than between the primary and the secondary sent next to it — a difference in rates
 * that is the order's, not the candidate's (noise-rule.ts needs the secondary and a faithful
 * candidate to be alike). A reference instance that fails stops the check (InfrastructureError);
 * a candidate that fails gets its error and is asked no more.
 */
async function sendAll(requests: readonly PreparedRequest[], reference: readonly Instance[], candidates: readonly Instance[], timeoutMs: number, random: () => number): Promise<void> {
  for (const request of requests) {
    const live = shuffled([...reference, ...candidates.filter((instance) => instance.error === undefined)], random);
    await Promise.all(
      live.map(async (instance) => {
        try {
          const own = fillRequest(request, instance.captured);
          const observed = await sendRequest(instance.baseUrl, { method: own.method, path: own.path, headers: { ...own.headers }, ...(own.body === undefined ? {} : { body: own.body }) }, timeoutMs, instance.tls);
          instance.answers.push(maskCaptured(toAnswer(observed), instance.captured));
        } catch (error) {
          instance.error = `${requestLine(request)}: ${messageOf(error)}`;
        }
      }),
    );
    const failed = reference.find((instance) => instance.error !== undefined);
    if (failed !== undefined) throw new InfrastructureError(`The reference service ${failed.manifest.name} (${failed.label}) did not answer a compared request: ${failed.error}. Check that it serves this scenario's requests.`);
  }
}

/** Most locations kept per verdict (a candidate answering something else entirely differs everywhere). */
export const MAX_DIFFERENCES = 200;

/** A finding as results.json keeps it: counts, one example with both answers shortened, and for a reported one the rules that would accept it. */
function differenceOf(finding: LocationFinding, requests: readonly PreparedRequest[], context: SuggestionContext): ReferenceDifference {
  const { index, difference, comparedWith } = finding.example;
  const accept = finding.isDifference ? suggestRules(finding, context) : [];
  return {
    requestKind: finding.key,
    location: finding.location,
    requests: finding.requests,
    differedCount: finding.differedCount,
    noiseCount: finding.noiseCount,
    ...(finding.p === undefined ? {} : { p: finding.p }),
    example: {
      request: requestLine(requests[index]!),
      field: difference.path,
      described: describeDifference(difference),
      referenceBody: shown(bodyText(context.pairs[index]![comparedWith])),
      candidateBody: shown(bodyText(context.answers[index]!)),
    },
    ...(accept.length === 0 ? {} : { accept }),
  };
}

/** The verdict of one candidate from its findings: every reported location (the earliest first) with the rules that would accept it. */
function verdictOf(candidate: Instance, findings: readonly LocationFinding[], requests: readonly PreparedRequest[], pairs: readonly NoisePair[], declared: readonly AcceptRule[]): ReferenceVerdict {
  if (candidate.error !== undefined) return { service: candidate.manifest.name, state: 'fail', checked: candidate.answers.length, error: candidate.error };
  const context: SuggestionContext = { pairs, answers: candidate.answers, declared };
  const byFirstRequest = [...findings].sort((a, b) => a.example.index - b.example.index);
  const kept = (isDifference: boolean): ReferenceDifference[] =>
    byFirstRequest
      .filter((finding) => finding.isDifference === isDifference)
      .slice(0, MAX_DIFFERENCES)
      .map((finding) => differenceOf(finding, requests, context));
  const reported = kept(true);
  const excused = kept(false);
  const withinNoise = excused.length === 0 ? {} : { withinNoise: excused };
  if (reported.length === 0) return { service: candidate.manifest.name, state: 'pass', checked: requests.length, ...withinNoise };
  const more = findings.filter((finding) => finding.isDifference).length - reported.length;
  return { service: candidate.manifest.name, state: 'fail', checked: requests.length, difference: reported[0]!.example, differences: reported, ...(more > 0 ? { moreDifferences: more } : {}), ...withinNoise };
}

/**
 * Runs the check for one scenario. Never throws for a candidate that fails (its verdict says
 * why); throws when the reference cannot be started or does not answer.
 * @throws InfrastructureError when an instance of the reference fails
 */
export async function checkAgainstReference(options: ReferenceCheckOptions): Promise<ReferenceCheck> {
  const { scenario, reference } = options;
  const requests = comparedRequests(scenario, options.seed, options.requests);
  const declared = declaredRules(scenario.compare);
  const rules = compileRules(declared);
  const kindOf = requestKinds(scenario.requests);
  options.log(`${scenario.name}: comparing ${options.candidates.map((manifest) => manifest.name).join(', ')} with ${reference.name} on ${requests.length} requests`);
  const opened: Instance[] = [];
  try {
    const starting = [
      openInstance(reference, 'primary', options),
      openInstance(reference, 'secondary', options),
      ...options.candidates.map((manifest) =>
        openInstance(manifest, 'compare', options).catch((error: unknown): Instance => ({ manifest, label: 'compare', baseUrl: '', service: undefined, tls: undefined, answers: [], captured: {}, error: `could not be started: ${messageOf(error)}` })),
      ),
    ];
    const settled = await Promise.allSettled(starting);
    for (const result of settled) if (result.status === 'fulfilled') opened.push(result.value);
    const failedReference = settled.slice(0, 2).find((result) => result.status === 'rejected');
    if (failedReference !== undefined) throw new InfrastructureError(`The reference service ${reference.name} could not be started for the comparison: ${messageOf(failedReference.reason)}`, { cause: failedReference.reason });
    const [primary, secondary, ...candidates] = opened as [Instance, Instance, ...Instance[]];
    await sendAll(requests, [primary, secondary], candidates, secondsToMs(scenario.timeoutSeconds), mulberry32(options.seed));
    const pairs: NoisePair[] = requests.map((request, index) => ({ key: kindOf(request), primary: primary.answers[index]!, secondary: secondary.answers[index]! }));
    const noise = learnNoise(pairs, rules);
    const verdicts = candidates.map((candidate) => verdictOf(candidate, candidate.error === undefined ? judgeCandidate(pairs, candidate.answers, noise, rules) : [], requests, pairs, declared));
    return { scenario: scenario.name, reference: reference.name, requests: requests.length, noise: describeNoise(noise), ignore: ignorePaths(scenario.compare), rules: declared, verdicts };
  } finally {
    await Promise.all(opened.map((instance) => instance.service?.stop()));
  }
}

/** `2 of 300 requests`. */
const ofRequests = (count: number, total: number): string => `${count} of ${total} request${total === 1 ? '' : 's'}`;

/** Where a difference is, for people: `GET /quote $.total`, `GET /quote status`. */
export function whereOf(difference: ReferenceDifference): string {
  return `${difference.requestKind} ${difference.location === '$' ? '$ (the body)' : difference.location}`;
}

/** One difference as indented lines: where, how often against the reference's own noise, the example with both answers. */
export function describeReferenceDifference(difference: ReferenceDifference, reference: string, service: string, indent = '  '): string[] {
  const width = Math.max(reference.length, service.length) + 10;
  return [
    `${indent}${whereOf(difference)}: differs in ${ofRequests(difference.differedCount, difference.requests)} (between two instances of ${reference}: ${difference.noiseCount})`,
    `${indent}  request: ${difference.example.request}`,
    `${indent}  ${difference.example.described}`,
    `${indent}  ${`${reference} answered:`.padEnd(width)} ${difference.example.referenceBody}`,
    `${indent}  ${`${service} answered:`.padEnd(width)} ${difference.example.candidateBody}`,
  ];
}

/** Locations a failure message describes; the rest are counted (results.json and `compare` have them). */
export const DESCRIBED_DIFFERENCES = 10;

/**
 * A failed verdict as the message of a failure record: every differing location with its counts,
 * the request, the difference and both answers, and how to see them all with the rules that would
 * accept them.
 */
export function describeVerdict(verdict: ReferenceVerdict, reference: string, scenario?: string): string {
  if (verdict.error !== undefined) return `${verdict.service} could not be compared with ${reference}: ${verdict.error}`;
  const differences = verdict.differences ?? (verdict.difference === undefined ? [] : undefined);
  const lines = [`${verdict.service} answers differently from the reference service ${reference}, not measured:`];
  if (differences === undefined) {
    // A verdict of an older results file: only its first difference.
    const difference = verdict.difference!;
    lines.push(`  request: ${difference.request}`, `  first difference: ${difference.described}`, `  ${reference} answered:  ${difference.referenceBody}`, `  ${verdict.service} answered: ${difference.candidateBody}`);
  } else {
    const total = differences.length + (verdict.moreDifferences ?? 0);
    lines[0] = `${verdict.service} answers differently from the reference service ${reference} at ${total} location${total === 1 ? '' : 's'}, not measured:`;
    for (const difference of differences.slice(0, DESCRIBED_DIFFERENCES)) lines.push(...describeReferenceDifference(difference, reference, verdict.service));
    if (total > DESCRIBED_DIFFERENCES) lines.push(`  … and ${total - DESCRIBED_DIFFERENCES} more location${total - DESCRIBED_DIFFERENCES === 1 ? '' : 's'} (results.json's \`equivalence\` keeps ${differences.length === total ? 'them' : `the first ${differences.length}`})`);
  }
  if (scenario !== undefined) lines.push(`  \`rewrite-bench compare ${scenario}\` lists them in seconds, with the \`compare:\` lines that would accept them.`);
  return lines.join('\n');
}
