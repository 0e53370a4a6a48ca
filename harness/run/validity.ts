/**
 * Whether a run measured the service, and why not. Rules (issue #4, ../shared/notes/measurement.md):
 * failures the scenario does not expect; achieved < 95 % of the offered rate (open loop); the load
 * generator saturated (closed loop: > 0.85 of a core; open loop: the pacer is systematically late,
 * p90 send lag over 1 ms — the pacer spin-waits, so its CPU share says nothing, and a p99 lag is
 * mostly platform jitter, which is warned about); the service died. Invalid runs stay
 * in the results with their reasons and are never summarised with the valid ones. Pure.
 */
import type { LoadOutcome } from '../load/outcome.js';

export const RULES = {
  minAchievedShare: 0.95,
  maxGeneratorCores: 0.85,
  /** A pacer whose p90 send lag exceeds this is behind its schedule, not just jittery. */
  maxSendLagP90Us: 1000,
  /** Warn when the p99 send lag exceeds this share of the latency p99. */
  maxSendLagShareOfP99: 0.2,
  /** Warn when the generator's event-loop delay p99 exceeds this share of the latency p99. */
  maxLoopDelayShare: 0.25,
  maxStealShare: 0.05,
  minSamplesForP999: 10_000,
} as const;

export interface ValidityInput {
  readonly load: LoadOutcome;
  readonly generatorCpuCores: number;
  readonly serviceDied: string | undefined;
  /** Share of machine CPU time stolen by the hypervisor during the window (0–1). */
  readonly stealShare: number | undefined;
}

export interface Validity {
  readonly valid: boolean;
  /** Why the run is invalid (empty when valid). */
  readonly reasons: readonly string[];
  /** Caveats that do not invalidate the run. */
  readonly warnings: readonly string[];
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** Applies the validity rules to one run. */
export function judgeRun(input: ValidityInput): Validity {
  const { load } = input;
  const { counts } = load;
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (input.serviceDied !== undefined) reasons.push(`the service died during the run: ${input.serviceDied}`);
  const failures: string[] = [];
  if (counts.errors > 0) failures.push(`${counts.errors} connection errors`);
  if (counts.timeouts > 0) failures.push(`${counts.timeouts} timeouts`);
  if (counts.non2xx > 0) failures.push(`${counts.non2xx} non-2xx responses`);
  if (counts.unexpectedStatus > 0) failures.push(`${counts.unexpectedStatus} responses with an unexpected 2xx status`);
  if (counts.mismatches > 0) failures.push(`${counts.mismatches} of ${counts.verified} sampled bodies differed from the reference`);
  if (counts.dropped > 0) failures.push(`${counts.dropped} planned requests dropped (too many outstanding)`);
  if (failures.length > 0) reasons.push(`${failures.join(', ')}${load.firstError === undefined ? '' : ` (first: ${load.firstError})`}`);
  if (counts.expectedStatus === 0) reasons.push('no successful response in the measured window');
  if (load.model === 'open' && load.offeredRps !== undefined && load.achievedRps < RULES.minAchievedShare * load.offeredRps) {
    reasons.push(
      `achieved ${load.achievedRps.toFixed(1)} of ${load.offeredRps.toFixed(1)} req/s offered (${percent(load.achievedRps / load.offeredRps)} < ${percent(RULES.minAchievedShare)}): the service is saturated at this rate`,
    );
  }
  if (load.model === 'closed' && input.generatorCpuCores > RULES.maxGeneratorCores) {
    reasons.push(
      `the load generator used ${input.generatorCpuCores.toFixed(2)} of its core (> ${RULES.maxGeneratorCores}): it measured itself, not the service`,
    );
  }
  if (load.model === 'open' && load.sendLagP90Us !== undefined && load.sendLagP90Us > RULES.maxSendLagP90Us) {
    reasons.push(`the pacer sent ${load.sendLagP90Us} µs late at p90 (> ${RULES.maxSendLagP90Us} µs): the load generator could not keep its schedule`);
  }
  const lag = load.sendLagP99Us;
  const latencyP99 = load.latencyUs?.p99Us;
  if (load.model === 'open' && lag !== undefined && latencyP99 !== undefined && lag > RULES.maxSendLagShareOfP99 * latencyP99) {
    warnings.push(
      `the pacer's own p99 lateness (${lag} µs) is over ${percent(RULES.maxSendLagShareOfP99)} of the latency p99 (${latencyP99} µs): the tail at this rate mixes in platform jitter`,
    );
  }
  const p99 = load.latencyUs?.p99Us;
  if (p99 !== undefined && load.eventLoopDelayP99Us > RULES.maxLoopDelayShare * p99) {
    warnings.push(
      `the load generator's event-loop delay p99 (${load.eventLoopDelayP99Us} µs) is over ${percent(RULES.maxLoopDelayShare)} of the latency p99 (${p99} µs): part of the tail may be client lag`,
    );
  }
  if (input.stealShare !== undefined && input.stealShare > RULES.maxStealShare) {
    warnings.push(`${percent(input.stealShare)} of CPU time was stolen by the hypervisor during the window`);
  }
  if ((load.latencyUs?.count ?? 0) < RULES.minSamplesForP999) {
    warnings.push(`${load.latencyUs?.count ?? 0} responses: p99.9 rests on fewer than 10 samples`);
  }
  return { valid: reasons.length === 0, reasons, warnings };
}
