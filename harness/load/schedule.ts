/**
 * Planned send times of the open-loop pacer: constant spacing or Poisson arrivals. The pacer
 * measures each latency from the planned time, so a service stall cannot hide (coordinated
 * omission; wrk2's approach, docs/measurement.md §3). Pure.
 */
import { mulberry32 } from '../random.js';

/** Returns successive planned send offsets in ms from the schedule start. */
export function createSchedule(ratePerSecond: number, arrival: 'constant' | 'poisson', seed: number): () => number {
  const intervalMs = 1000 / ratePerSecond;
  if (arrival === 'constant') {
    let index = 0;
    return () => intervalMs * index++;
  }
  const random = mulberry32(seed);
  let at = 0;
  return () => {
    const offset = at;
    // Exponential gaps with mean intervalMs; 1 - u avoids log(0).
    at += -Math.log(1 - random()) * intervalMs;
    return offset;
  };
}
