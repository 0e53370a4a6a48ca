/**
 * Which services of a scenario still need rounds for its claims to be decided — adaptive
 * repetitions add rounds only there — and, once the rounds stop, how each check's sequential test
 * ended. A check needs more rounds while its plan has not decided it (plan.ts: a look after
 * every round, up to `--max-repetitions`); a round of a check measures all of its services, so
 * its values stay paired. A decided check asks for nothing more, and neither does a claim that
 * one of its checks already refutes. Without claims (`--until-decided`), every point needs the
 * valid runs that give its medians 95 % coverage. Pure.
 */
import type { ResolvedClaims } from '../config/claims.js';
import type { AdaptiveRecord, ResultsDocument } from '../results/document.js';
import type { CheckResult, ClaimResult, ClaimsPlan } from '../results/claims.js';
import { runsForCoverage, TARGET_COVERAGE } from '../stats/interval.js';
import { evaluateClaims } from './evaluate.js';
import { describeProjection, projectDecision } from './projection.js';
import { runServicesOf } from './rounds.js';
import { FLOOR_NAME, serviceRuns } from '../results/floor-runs.js';

/** Why a service needs another run. */
export interface RunNeed {
  readonly service: string;
  /** The load point (index in the scenario's rate list) that needs it. */
  readonly point: number;
  /** The check (or `--until-decided`) that asks for it, and why. */
  readonly because: string;
}

/** Whether `service` has any run (valid or not) at the point. */
const measuredAt = (document: Pick<ResultsDocument, 'runs'>, scenario: string, service: string, point: number): boolean =>
  document.runs.some((run) => run.scenario === scenario && run.service === service && run.rateIndex === point);

const validRuns = (document: Pick<ResultsDocument, 'runs'>, scenario: string, service: string, point: number): number =>
  document.runs.filter((run) => run.scenario === scenario && run.service === service && run.rateIndex === point && run.validity.valid).length;

/**
 * The services (and load points) whose next round would move an open check of a claim on
 * `scenario`: every service of every undecided check, under the run's plan.
 */
export function runsStillNeeded(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs' | 'builds'> & Partial<Pick<ResultsDocument, 'microbenchmarks'>>, scenario: string, plan?: ClaimsPlan): RunNeed[] {
  const needs: RunNeed[] = [];
  const own = { ...claims, claims: claims.claims.filter((claim) => claim.scenario === scenario) };
  const results = evaluateClaims(own, document, plan);
  for (const [index, claim] of own.claims.entries()) {
    const result = results[index]!;
    if (result.verdict === 'refuted') continue;
    for (const [checkIndex, check] of claim.checks.entries()) {
      const checked = result.checks[checkIndex]!;
      const services = runServicesOf(check);
      if (checked.verdict === 'inconclusive') {
        const where = checked.n === undefined ? '' : ` after ${checked.n} usable round${checked.n === 1 ? '' : 's'}`;
        for (const service of services) needs.push({ service, point: claim.point, because: `${claim.id}: \`${check.source}\` is undecided${where}` });
      } else if (checked.verdict === 'not-measured' && services.length > 0 && services.every((service) => measuredAt(document, scenario, service, claim.point))) {
        // Every service was measured, but no round counted (invalid runs, or the machine busy): a
        // later round may count. Points that keep being saturated stop elsewhere (run/saturation.ts).
        for (const service of services) needs.push({ service, point: claim.point, because: `${claim.id}: \`${check.source}\` has no usable round yet` });
      }
    }
  }
  return needs;
}

/**
 * The load points of `scenario` at which a claim refers to the platform floor (`floor.p99`): the
 * floor is paired per round there, so it is measured in every round, added ones included.
 */
export function pointsPairingFloor(claims: ResolvedClaims | undefined, scenario: string): Set<number> {
  const points = new Set<number>();
  for (const claim of claims?.claims ?? []) {
    if (claim.scenario === scenario && claim.checks.some((check) => check.terms.some((term) => term.service === FLOOR_NAME))) points.add(claim.point);
  }
  return points;
}

/**
 * Roughly how many more rounds the scenario's open checks need before their plan can decide: for
 * each undecided check, the fewest usable rounds at which its plan can decide at all less the
 * rounds it has (at least one); the most of any check. A guide for spending the time budget where
 * a decision is nearest (run/adaptive.ts), not a promise. Undefined when no check is open.
 */
export function roundsToDecision(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs' | 'builds'> & Partial<Pick<ResultsDocument, 'microbenchmarks'>>, scenario: string, plan?: ClaimsPlan): number | undefined {
  const own = { ...claims, claims: claims.claims.filter((claim) => claim.scenario === scenario) };
  let most: number | undefined;
  for (const result of evaluateClaims(own, document, plan)) {
    if (result.verdict === 'refuted') continue;
    for (const check of result.checks) {
      if (check.verdict !== 'inconclusive' && check.verdict !== 'not-measured') continue;
      if (check.runsNeeded === undefined) continue;
      const rounds = Math.max(1, check.runsNeeded - (check.n ?? 0));
      most = Math.max(most ?? 0, rounds);
    }
  }
  return most;
}

/** `--until-decided` without claims: services with a point whose medians lack 95 % coverage (fewer than 6 valid runs). */
export function pointsBelowCoverage(document: Pick<ResultsDocument, 'runs'>, scenario: string): RunNeed[] {
  const needed = runsForCoverage(TARGET_COVERAGE);
  // The floor is no service: --until-decided adds rounds for the services' medians.
  const points = new Set(serviceRuns(document.runs).filter((run) => run.scenario === scenario).map((run) => `${run.service}\u0000${run.rateIndex}`));
  const needs: RunNeed[] = [];
  for (const key of points) {
    const [service, point] = key.split('\u0000') as [string, string];
    if (validRuns(document, scenario, service, Number(point)) < needed) needs.push({ service, point: Number(point), because: `--until-decided: ${needed} valid runs give a median 95 % coverage` });
  }
  return needs;
}

/**
 * Adds to each check of a claim on a scenario how its rounds ended: the measuring time of a
 * decided one ("95 s of measuring process-sweep"), or, undecided when the rounds stopped, what a
 * decision would take according to the plan (projection.ts).
 */
export function explainRepetitions(results: readonly ClaimResult[], adaptive: readonly AdaptiveRecord[]): ClaimResult[] {
  return results.map((result) => {
    const record = adaptive.find((entry) => entry.scenario === result.scenario);
    if (record === undefined) return result;
    const checks = result.checks.map((check): CheckResult => {
      if (check.n === undefined) return check;
      let note: string;
      if (check.verdict === 'inconclusive' && result.verdict === 'refuted') note = 'not repeated further: another check already refutes the claim';
      else if (check.verdict === 'holds' || check.verdict === 'refuted') note = `${record.seconds} s of measuring ${record.scenario}`;
      else if (check.verdict === 'inconclusive' && (record.stopped === 'budget' || record.stopped === 'max-repetitions')) {
        const why = record.stopped === 'budget' ? 'time budget: --max-minutes' : 'maximum of repetitions: --max-repetitions';
        const projection = projectDecision(check);
        note = `undecided after ${check.n} usable rounds (${why})${projection === undefined ? '' : `; ${describeProjection(check, projection)}`}`;
      } else return check;
      return { ...check, note: check.note === undefined ? note : `${check.note}; ${note}` };
    });
    return { ...result, checks };
  });
}
