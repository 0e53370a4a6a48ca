/**
 * Runs conformance vectors against one running service, in order. I/O (HTTP).
 */
import type { LoadTls } from '../load/job.js';
import { sendRequest } from './send.js';
import { compareResponse, type Vector } from './vector.js';

/** The outcome of one vector. */
export type VectorOutcome =
  | { state: 'pass'; name: string }
  | { state: 'fail'; name: string; message: string };

/** Sends every vector in order and compares the answers byte for byte (`tls`: an https target's extra trust). */
export async function runVectors(baseUrl: string, vectors: readonly Vector[], tls?: LoadTls): Promise<VectorOutcome[]> {
  const outcomes: VectorOutcome[] = [];
  for (const vector of vectors) {
    try {
      const observed = await sendRequest(baseUrl, vector, undefined, tls);
      const message = compareResponse(vector.expect, observed);
      outcomes.push(message === undefined ? { state: 'pass', name: vector.name } : { state: 'fail', name: vector.name, message });
    } catch (cause) {
      outcomes.push({ state: 'fail', name: vector.name, message: `request failed: ${(cause as Error).message}` });
    }
  }
  return outcomes;
}
