/**
 * A worker's clock against the harness's, from a few ping/pong exchanges (Cristian's algorithm,
 * the way NTP takes one sample): the harness writes its clock t0 to the worker, the worker
 * answers with t0 and its own clock t1, the harness reads the answer at t2. Whatever the delays,
 * t1 was read between t0 and t2 on the harness's clock, so the worker's offset lies in
 * [t1 − t2, t1 − t0]: the midpoint t1 − (t0 + t2) / 2 with an uncertainty of half the round trip.
 * The exchange with the shortest round trip gives the tightest bound. And the start instant the
 * harness picks, with enough lead for every worker to hear of it. Pure.
 */

/** One exchange, in µs since the epoch (each on its own clock). */
export interface ClockSample {
  /** Harness clock when the ping was written. */
  readonly sentUs: number;
  /** Worker clock when it answered. */
  readonly workerUs: number;
  /** Harness clock when the answer was read. */
  readonly receivedUs: number;
}

/** The worker's clock minus the harness's, in ms, within ± uncertaintyMs (exact bounds, not a standard error). */
export interface ClockOffset {
  readonly offsetMs: number;
  readonly uncertaintyMs: number;
  readonly roundTripMs: number;
  readonly samples: number;
}

/** The offset from the sample with the shortest round trip; undefined without samples. */
export function estimateOffset(samples: readonly ClockSample[]): ClockOffset | undefined {
  let best: ClockSample | undefined;
  for (const sample of samples) {
    if (sample.receivedUs < sample.sentUs) continue;
    if (best === undefined || sample.receivedUs - sample.sentUs < best.receivedUs - best.sentUs) best = sample;
  }
  if (best === undefined) return undefined;
  const roundTripUs = best.receivedUs - best.sentUs;
  return {
    offsetMs: (best.workerUs - (best.sentUs + best.receivedUs) / 2) / 1000,
    uncertaintyMs: roundTripUs / 2 / 1000,
    roundTripMs: roundTripUs / 1000,
    samples: samples.length,
  };
}

/**
 * The wall-clock instant every worker starts its schedule at: now plus a lead that covers the
 * slowest round trip three times over (the start line travels one way; the engine then starts and
 * opens its connections), at least `minimumLeadMs`, rounded up to a whole 10 ms.
 */
export function chooseStartAt(nowMs: number, roundTripsMs: readonly number[], minimumLeadMs: number): number {
  const slowest = roundTripsMs.reduce((max, value) => Math.max(max, value), 0);
  const leadMs = Math.max(minimumLeadMs, 3 * slowest + 200);
  return Math.ceil((nowMs + leadMs) / 10) * 10;
}
