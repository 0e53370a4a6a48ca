/**
 * One global open-loop schedule split exactly across workers: the harness's model of what the
 * native engine plans (harness/engine/src/schedule.rs), used to say how many sends each worker
 * must have planned in the measured window. Pure.
 *
 * Constant arrivals: send n of the whole schedule is planned at trunc(n × 1e9 / rate) ns from
 * the start (the engine's f64 product, truncated like Rust's `as u64`: JavaScript numbers are the
 * same IEEE doubles, so the offsets agree to the nanosecond). Thread t of T of worker w of W takes
 * the sends n ≡ w·T + t (mod W·T): the workers' sends interleave into exactly one engine's
 * schedule at the whole rate, and each worker plans exactly the sends of its residues.
 * Poisson arrivals: every (worker, thread) draws an independent stream at rate ÷ (W·T); their sum
 * is a Poisson stream at the whole rate, and a worker's count in a window is Poisson-distributed.
 */

/** The measured window as offsets from the schedule's start, in ns (the engine's arithmetic). */
export function windowOffsetsNs(warmupSeconds: number, durationSeconds: number): { startNs: number; endNs: number } {
  const startNs = Math.trunc(warmupSeconds * 1e9);
  return { startNs, endNs: startNs + Math.trunc(durationSeconds * 1e9) };
}

/** The planned offset of global send n (ns from the schedule's start). */
export function plannedOffsetNs(n: number, ratePerSecond: number): number {
  return Math.trunc(n * (1e9 / ratePerSecond));
}

/** The smallest n whose planned offset is at or after `offsetNs`. */
function firstSendAtOrAfter(offsetNs: number, ratePerSecond: number): number {
  let n = Math.max(0, Math.ceil(offsetNs / (1e9 / ratePerSecond)));
  // The division can land one off the truncated product in either direction: settle it exactly.
  while (n > 0 && plannedOffsetNs(n - 1, ratePerSecond) >= offsetNs) n -= 1;
  while (plannedOffsetNs(n, ratePerSecond) < offsetNs) n += 1;
  return n;
}

/** Integers in [from, to) whose residue modulo `modulus` lies in [low, high). */
function countResidues(from: number, to: number, modulus: number, low: number, high: number): number {
  const below = (limit: number): number => {
    // Integers in [0, limit) with residue in [low, high).
    const cycles = Math.floor(limit / modulus);
    const rest = limit - cycles * modulus;
    return cycles * (high - low) + Math.max(0, Math.min(rest, high) - low);
  };
  return to <= from ? 0 : below(to) - below(from);
}

/** The global send numbers [first, end) planned inside the window: one engine's schedule. */
export function sendsInWindow(ratePerSecond: number, warmupSeconds: number, durationSeconds: number): { first: number; end: number } {
  const window = windowOffsetsNs(warmupSeconds, durationSeconds);
  return { first: firstSendAtOrAfter(window.startNs, ratePerSecond), end: firstSendAtOrAfter(window.endNs, ratePerSecond) };
}

/**
 * Sends worker `index` of `workers` (each with `threads` threads) plans inside the window under
 * constant arrivals. Summed over the workers this is exactly one engine's count at the whole rate.
 */
export function plannedInWindowOfWorker(options: { ratePerSecond: number; warmupSeconds: number; durationSeconds: number; index: number; workers: number; threads: number }): number {
  const { first, end } = sendsInWindow(options.ratePerSecond, options.warmupSeconds, options.durationSeconds);
  const modulus = options.workers * options.threads;
  return countResidues(first, end, modulus, options.index * options.threads, (options.index + 1) * options.threads);
}

/** The global send numbers of worker `index` planned inside the window, in order (for tests and small windows). */
export function sendNumbersOfWorker(options: { ratePerSecond: number; warmupSeconds: number; durationSeconds: number; index: number; workers: number; threads: number }): number[] {
  const { first, end } = sendsInWindow(options.ratePerSecond, options.warmupSeconds, options.durationSeconds);
  const modulus = options.workers * options.threads;
  const result: number[] = [];
  for (let n = first; n < end; n += 1) {
    const residue = n % modulus;
    if (residue >= options.index * options.threads && residue < (options.index + 1) * options.threads) result.push(n);
  }
  return result;
}

/**
 * Whether a worker's planned sends in the window are its share of the schedule. Constant
 * arrivals: exactly the model's count. Poisson: within 4.5 standard deviations of rate ÷ W ×
 * window (plus one), which a worker that took its share misses about 7 times in a million; a
 * worker running the whole rate instead of its share is W times off.
 */
export function isPlannedShare(planned: number, options: { ratePerSecond: number; warmupSeconds: number; durationSeconds: number; index: number; workers: number; threads: number; arrival: 'constant' | 'poisson' }): { expected: number; ok: boolean } {
  if (options.arrival === 'constant') {
    const expected = plannedInWindowOfWorker(options);
    return { expected, ok: planned === expected };
  }
  const expected = (options.ratePerSecond / options.workers) * (Math.trunc(options.durationSeconds * 1e9) / 1e9);
  return { expected, ok: Math.abs(planned - expected) <= 4.5 * Math.sqrt(expected) + 1 };
}

/** Connections of worker `index`: the total split as evenly as possible, the first workers taking the remainder. */
export function connectionsOfWorker(total: number, index: number, workers: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}
