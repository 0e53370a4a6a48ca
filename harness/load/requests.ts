/**
 * Prepared requests and their weighted mix, as the Node engines send them: plain data that the
 * harness prepares before a job is sent (requests/prepare.ts) and the engines only cycle through,
 * so no engine's hot path computes a body or an expected answer. Pure.
 */
import { mulberry32 } from '../random.js';

/** One request ready to send. */
export interface PreparedRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly expectStatus: number;
  /** Exact expected body, when the answer does not depend on state. */
  readonly expectBody?: string;
  /**
   * A token in the path and/or body that each send replaces with a unique increasing integer
   * (inserts need unique keys; everything else is prepared once). Only such requests pay for it.
   */
  readonly sequence?: string;
}


/** One entry of a mix, ready to cross to the engine: a weight and a finite list of prepared requests (cycled through). */
export interface PreparedSource {
  readonly weight: number;
  readonly list: readonly PreparedRequest[];
}

/** A weighted mix of prepared sources, for the Node engines (the native engine does the same in Rust). */
export class RequestMix {
  readonly #lists: ReadonlyArray<readonly PreparedRequest[]>;
  readonly #positions: number[];
  readonly #cumulative: number[];
  readonly #total: number;
  readonly #random: () => number;
  #sequence = 0;

  /**
   * @param sources from prepareSources
   * @param seed this run's seed: the order of the mix and where each list starts
   * @param sequenceStart the first number a sequenced request gets (LoadJob.sequenceStart)
   */
  constructor(sources: readonly PreparedSource[], seed: number, sequenceStart = 1) {
    this.#random = mulberry32(seed);
    this.#sequence = sequenceStart - 1;
    this.#lists = sources.map((source) => source.list);
    // Each run starts its lists at a seeded place, so runs do not all send the same first requests.
    this.#positions = this.#lists.map((list) => Math.floor(this.#random() * list.length));
    let sum = 0;
    this.#cumulative = sources.map((source) => (sum += source.weight));
    this.#total = sum;
  }

  /** The next request of the mix, its sequence token (if any) replaced by a fresh number. */
  next(): PreparedRequest {
    let index = 0;
    if (this.#lists.length > 1) {
      const target = this.#random() * this.#total;
      while (this.#cumulative[index]! <= target) index += 1;
    }
    const list = this.#lists[index]!;
    const position = this.#positions[index]!;
    this.#positions[index] = position + 1 === list.length ? 0 : position + 1;
    const request = list[position]!;
    if (request.sequence === undefined) return request;
    this.#sequence += 1;
    const value = String(this.#sequence);
    return { ...request, path: request.path.replaceAll(request.sequence, value), ...(request.body === undefined ? {} : { body: request.body.replaceAll(request.sequence, value) }) };
  }

  /**
   * When no request needs a fresh number: `length` requests drawn from the mix, to be sent in a
   * fixed cycle (lets autocannon prebuild each request, twice as fast as a per-request setup).
   */
  staticSequence(length: number): PreparedRequest[] | undefined {
    if (this.#lists.some((list) => list.some((request) => request.sequence !== undefined))) return undefined;
    if (this.#lists.length === 1 && this.#lists[0]!.length <= length) return [...this.#lists[0]!];
    return Array.from({ length }, () => this.next());
  }
}
