/**
 * Counts the responses of a measured window and verifies every Nth body against the expected
 * bytes. Shared by the open-loop pacer and the closed-loop autocannon driver. Pure.
 */
import type { LoadCounts } from './outcome.js';
import type { PreparedRequest } from './requests.js';

export class WindowCounter {
  responses = 0;
  expectedStatus = 0;
  non2xx = 0;
  unexpectedStatus = 0;
  errors = 0;
  timeouts = 0;
  mismatches = 0;
  verified = 0;
  dropped = 0;
  firstError: string | undefined;
  readonly #statusCounts = new Map<number, number>();
  readonly #verifyEvery: number;
  #untilVerify: number;

  /** @param verifyEvery compare every Nth body (0: never) */
  constructor(verifyEvery: number) {
    this.#verifyEvery = verifyEvery;
    this.#untilVerify = verifyEvery;
  }

  /** True when the next response's body should be read and compared. */
  shouldVerify(): boolean {
    if (this.#verifyEvery === 0) return false;
    this.#untilVerify -= 1;
    if (this.#untilVerify > 0) return false;
    this.#untilVerify = this.#verifyEvery;
    return true;
  }

  /** Counts a response; `body` only when it was sampled for verification. */
  response(request: PreparedRequest, status: number, body: string | undefined): void {
    this.responses += 1;
    this.#statusCounts.set(status, (this.#statusCounts.get(status) ?? 0) + 1);
    if (status === request.expectStatus) this.expectedStatus += 1;
    else if (status >= 200 && status < 300) this.unexpectedStatus += 1;
    else this.non2xx += 1;
    if (body !== undefined && request.expectBody !== undefined) {
      this.verified += 1;
      if (body !== request.expectBody) {
        this.mismatches += 1;
        this.firstError ??= `body mismatch on ${request.method} ${request.path}: got ${JSON.stringify(body.slice(0, 120))}`;
      }
    }
    if (status !== request.expectStatus) this.firstError ??= `status ${status} on ${request.method} ${request.path} (expected ${request.expectStatus})`;
  }

  /** Counts a failed request. */
  failure(kind: 'error' | 'timeout', message: string): void {
    if (kind === 'timeout') this.timeouts += 1;
    else this.errors += 1;
    this.firstError ??= message;
  }

  counts(): LoadCounts {
    return {
      responses: this.responses,
      expectedStatus: this.expectedStatus,
      non2xx: this.non2xx,
      unexpectedStatus: this.unexpectedStatus,
      errors: this.errors,
      timeouts: this.timeouts,
      mismatches: this.mismatches,
      verified: this.verified,
      dropped: this.dropped,
      statusCounts: Object.fromEntries([...this.#statusCounts].map(([status, count]) => [String(status), count])),
    };
  }
}
