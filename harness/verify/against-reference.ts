/**
 * The legacy service as the oracle (the model of Twitter's Diffy: primary, secondary,
 * candidate). Before a scenario is measured, every other service gets the same seeded requests as
 * the reference service — the scenario's own mix, other seeds than the load's — and so does a
 * second instance of the reference. What differs between the two instances of the same code
 * (timestamps, ids, orderings) is noise: learnt, ignored, and listed. A difference that remains
 * names the service, the request, the first differing field and both answers; that service is
 * not measured. Each instance gets fresh fixtures, so stateful endpoints see the same history.
 * I/O (starts services, sends requests).
 */
import type { ResolvedManifest } from '../config/manifest.js';
import type { ResolvedScenario } from '../config/scenario.js';
import { messageOf } from '../errors.js';
import { RequestMix, type PreparedRequest } from '../load/requests.js';
import { connectTarget } from '../process/target.js';
import type { LoadTls } from '../load/job.js';
import { secondsToMs } from '../load/limits.js';
import { startService, type RunningService } from '../process/service.js';
import { prepareSources } from '../requests/prepare.js';
import { describeDifference, type Answer, type Difference } from './json-compare.js';
import { compareWithNoise, describeNoise, learnNoise, type NoiseModel } from './noise.js';
import type { ReferenceCheck, ReferenceVerdict } from '../results/document.js';
import { sendRequest } from './send.js';

export interface ReferenceCheckOptions {
  readonly scenario: ResolvedScenario;
  readonly reference: ResolvedManifest;
  readonly candidates: readonly ResolvedManifest[];
  /** The environment of one instance (fresh fixtures: DB_PATH, UPSTREAM_URL, the scenario's env). */
  readonly env: (manifest: ResolvedManifest, label: string) => Promise<Record<string, string>>;
  /** Seed of the compared requests (other than every load seed). */
  readonly seed: number;
  readonly log: (line: string) => void;
}

/** Requests of one kind share their noise: method and path without the query. */
export const requestKind = (request: PreparedRequest): string => `${request.method} ${request.path.split('?')[0]}`;

const BODY_SHOWN = 400;
const shown = (text: string): string => (text.length > BODY_SHOWN ? `${text.slice(0, BODY_SHOWN)}…` : text);

function toAnswer(observed: { status: number; contentType: string | null; body: string }): Answer {
  // send.ts reads bytes as latin1; JSON is UTF-8.
  return { status: observed.status, contentType: observed.contentType, body: Buffer.from(observed.body, 'latin1').toString('utf8') };
}

async function answersOf(manifest: ResolvedManifest, label: string, requests: readonly PreparedRequest[], options: ReferenceCheckOptions): Promise<Answer[]> {
  let service: RunningService | undefined;
  try {
    // A remote reference is asked twice where it runs (the noise then is what one instance varies by).
    let baseUrl: string;
    let tls: LoadTls | undefined;
    if (manifest.target !== undefined) ({ baseUrl, tls } = await connectTarget(manifest, options.scenario.service.readyTimeoutSeconds * 1000));
    else {
      service = await startService({
        manifest,
        workers: options.scenario.service.workers,
        env: await options.env(manifest, label),
        readyTimeoutMs: options.scenario.service.readyTimeoutSeconds * 1000,
      });
      baseUrl = service.baseUrl;
    }
    const answers: Answer[] = [];
    for (const request of requests) {
      answers.push(toAnswer(await sendRequest(baseUrl, { method: request.method, path: request.path, headers: { ...request.headers }, ...(request.body === undefined ? {} : { body: request.body }) }, secondsToMs(options.scenario.timeoutSeconds), tls)));
    }
    return answers;
  } finally {
    await service?.stop();
  }
}

/** The compared requests: the scenario's mix drawn `count` times with `seed` (inserts numbered, as under load). */
export function comparedRequests(scenario: ResolvedScenario, seed: number): PreparedRequest[] {
  const mix = new RequestMix(prepareSources(scenario.requests, seed), seed);
  return Array.from({ length: scenario.compare.requests }, () => mix.next());
}

/** Runs the check for one scenario. Never throws for a service that fails: its verdict says why. */
export async function checkAgainstReference(options: ReferenceCheckOptions): Promise<ReferenceCheck> {
  const { scenario, reference } = options;
  const requests = comparedRequests(scenario, options.seed);
  const ignore = scenario.compare.ignore;
  options.log(`${scenario.name}: comparing ${options.candidates.map((manifest) => manifest.name).join(', ')} with ${reference.name} on ${requests.length} requests`);
  const [primary, secondary] = [await answersOf(reference, 'primary', requests, options), await answersOf(reference, 'secondary', requests, options)];
  const noise: NoiseModel = learnNoise(requests.map((request, index) => ({ key: requestKind(request), primary: primary[index]!, secondary: secondary[index]! })));
  const verdicts: ReferenceVerdict[] = [];
  for (const candidate of options.candidates) {
    let answers: Answer[];
    try {
      answers = await answersOf(candidate, 'compare', requests, options);
    } catch (error) {
      verdicts.push({ service: candidate.name, state: 'fail', checked: 0, error: messageOf(error) });
      continue;
    }
    let found: ReferenceVerdict['difference'];
    for (const [index, request] of requests.entries()) {
      const difference: Difference | undefined = compareWithNoise(primary[index]!, answers[index]!, noise, requestKind(request), ignore);
      if (difference === undefined) continue;
      const body = (answer: Answer): string => (typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body).toString('utf8'));
      found = {
        request: `${request.method} ${request.path}${request.body === undefined ? '' : ` ${shown(request.body)}`}`,
        field: difference.path,
        described: describeDifference(difference),
        referenceBody: shown(body(primary[index]!)),
        candidateBody: shown(body(answers[index]!)),
      };
      break;
    }
    verdicts.push({ service: candidate.name, state: found === undefined ? 'pass' : 'fail', checked: requests.length, ...(found === undefined ? {} : { difference: found }) });
  }
  return { scenario: scenario.name, reference: reference.name, requests: requests.length, noise: describeNoise(noise), ignore, verdicts };
}

/** A failed verdict as the message of a failure record: service, request, field, both answers. */
export function describeVerdict(verdict: ReferenceVerdict, reference: string): string {
  if (verdict.error !== undefined) return `${verdict.service} could not be compared with ${reference}: ${verdict.error}`;
  const difference = verdict.difference!;
  return [
    `${verdict.service} answers differently from the reference service ${reference}, not measured:`,
    `  request: ${difference.request}`,
    `  first difference: ${difference.described}`,
    `  ${reference} answered:  ${difference.referenceBody}`,
    `  ${verdict.service} answered: ${difference.candidateBody}`,
  ].join('\n');
}
