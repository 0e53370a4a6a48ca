/**
 * Runs a scenario's `setup` (config/setup.ts) on one started instance, once, after it is ready:
 * each step in order, with what the steps before it captured, and returns the values captured
 * for the scenario's requests (requests/captured.ts). I/O (sends requests).
 */
import type { ResolvedScenario } from '../config/scenario.js';
import { InfrastructureError, messageOf } from '../errors.js';
import type { LoadTls } from '../load/job.js';
import { secondsToMs } from '../load/limits.js';
import { captureValue, describeCapture, setupRequest, type CapturedValues } from '../requests/captured.js';
import { sendRequestWithHeaders } from '../verify/send.js';

const ANSWER_SHOWN = 400;

/** The answer as a message shows it: status, content type and body, shortened. */
function shownAnswer(answer: { status: number; contentType: string | null; body: string }): string {
  const body = Buffer.from(answer.body, 'latin1').toString('utf8');
  const text = body === '' ? '(empty body)' : body.length > ANSWER_SHOWN ? `${body.slice(0, ANSWER_SHOWN)}…` : body;
  return `${answer.status}${answer.contentType === null ? '' : ` ${answer.contentType}`}: ${text}`;
}

export interface SetupTarget {
  readonly scenario: Pick<ResolvedScenario, 'name' | 'file' | 'setup' | 'timeoutSeconds'>;
  /** The service's name, for messages. */
  readonly service: string;
  /** Which instance, for messages (`primary`, `compare`); absent for a measured start. */
  readonly label?: string;
  readonly baseUrl: string;
  readonly tls?: LoadTls | undefined;
}

/**
 * Runs every setup step against `target.baseUrl`; {} when the scenario has none.
 * @throws InfrastructureError naming the step, the service, and what failed: no answer, another
 *   status than expected (any 2xx by default), or a capture that found nothing — with the answer
 */
export async function runSetup(target: SetupTarget): Promise<CapturedValues> {
  const { scenario } = target;
  const values: Record<string, string> = {};
  const timeoutMs = secondsToMs(scenario.timeoutSeconds);
  for (const [index, step] of scenario.setup.entries()) {
    const request = setupRequest(step, values);
    const where = `Setup step ${index + 1} of scenario ${scenario.name} (\`setup[${index}]\` in ${scenario.file}: ${request.method} ${step.path}) on ${target.service}${target.label === undefined ? '' : ` (${target.label})`}`;
    let answer: Awaited<ReturnType<typeof sendRequestWithHeaders>>;
    try {
      answer = await sendRequestWithHeaders(target.baseUrl, request, timeoutMs, target.tls);
    } catch (error) {
      throw new InfrastructureError(`${where} got no answer: ${messageOf(error)}. Check that the service serves this path once its ready path answers.`, { cause: error });
    }
    const isExpected = step.expectStatus === undefined ? answer.status >= 200 && answer.status < 300 : answer.status === step.expectStatus;
    if (!isExpected) {
      throw new InfrastructureError(`${where} failed: expected status ${step.expectStatus ?? '2xx'}, got ${answer.status}. It answered ${shownAnswer(answer)}. Check the step's request (its body, its headers) or set its \`expectStatus\`.`);
    }
    const utf8 = { ...answer, body: Buffer.from(answer.body, 'latin1').toString('utf8') };
    for (const [name, spec] of Object.entries(step.capture)) {
      const captured = captureValue(utf8, spec);
      if ('problem' in captured) throw new InfrastructureError(`${where}: the capture \`${name}\` (${describeCapture(spec)}) ${captured.problem}. It answered ${shownAnswer(answer)}. Fix the capture's path, or the step's request.`);
      values[name] = captured.value;
    }
  }
  return Object.freeze(values);
}
