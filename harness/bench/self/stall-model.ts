/**
 * The truth for the timing calibration: the latency an open-loop, constant-rate client must see
 * from the calibration server (tests/fixtures/calibration/calib-server.c), which holds every
 * response `serviceMs` after reading its request and freezes for `stallMs` at the start of every
 * `periodMs`. Pure.
 *
 * With the freeze over phases [0, S) of each period T and service time s < S, a request planned
 * at phase φ (uniform over the period: constant arrivals over whole periods) waits
 *   φ ∈ [0, S)      read when the freeze ends, answered s later:      L = S + s − φ
 *   φ ∈ [S, T − s)  answered on time:                                  L = s
 *   φ ∈ [T − s, T)  its answer falls due in the next freeze:           L = T + S − φ
 * plus the loopback round trip. So a share f = S/T of requests is delayed by U(0, S), and for a
 * quantile q above 1 − f: p_q ≈ s + S·(1 − (1 − q)/f), e.g. s = 1 ms, S = 100 ms, T = 1 s:
 * p99 ≈ 91 ms. The latency is computed exactly over a fine grid of phases instead of by that
 * approximation, which ignores the last interval.
 */
import { nearestRank } from './table.js';

export interface StallModel {
  readonly serviceMs: number;
  readonly stallMs: number;
  readonly periodMs: number;
}

/** Latency in ms of a request planned at phase `phaseMs` of the period. */
export function modelLatencyMs(model: StallModel, phaseMs: number): number {
  const { serviceMs: s, stallMs: S, periodMs: T } = model;
  if (S <= 0) return s;
  if (phaseMs < S) return S + s - phaseMs;
  if (phaseMs < T - s) return s;
  return T + S - phaseMs >= s ? T + S - phaseMs : s;
}

/** The q-quantile (0–1) of the model's latency, in ms (nearest rank over `steps` equally spaced phases). */
export function modelQuantileMs(model: StallModel, q: number, steps = 100_000): number {
  const latencies = Array.from({ length: steps }, (_, index) => modelLatencyMs(model, ((index + 0.5) / steps) * model.periodMs)).sort((a, b) => a - b);
  return nearestRank(latencies, q);
}
