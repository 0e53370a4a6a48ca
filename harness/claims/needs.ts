/**
 * Which services of a scenario still need runs for its claims to be decided — adaptive
 * repetitions add interleaved runs only there — and what more runs would take once the budget is
 * spent. A check needs more runs when its coverage is below 95 % (each of its services needs
 * `runsNeeded` valid runs) or when its interval straddles the threshold (more runs narrow it:
 * order-statistic intervals shrink about as 1/√n). Without claims (`--until-decided`), every
 * point needs the valid runs that give its medians 95 % coverage. Pure.
 */
import type { ResolvedClaims } from '../config/claims.js';
import type { AdaptiveRecord, ResultsDocument } from '../results/document.js';
import { runsForCoverage, TARGET_COVERAGE } from '../stats/interval.js';
import { evaluateCheck, coveragePlan } from './evaluate.js';
import type { CheckResult, ClaimResult } from '../results/claims.js';
import { formatNumber } from './format.js';

/** Why a service needs another run. */
export interface RunNeed {
  readonly service: string;
  /** The load point (index in the scenario's rate list) that needs it. */
  readonly point: number;
  /** The check (or `--until-decided`) that asks for it, and why. */
  readonly because: string;
}

const validRuns = (document: Pick<ResultsDocument, 'runs'>, scenario: string, service: string, point: number): number =>
  document.runs.filter((run) => run.scenario === scenario && run.service === service && run.rateIndex === point && run.validity.valid).length;

/**
 * The services (and load points) whose runs would move an open check of a claim on `scenario`.
 * A claim already refuted by one of its checks needs nothing more: no further run can save it.
 */
export function runsStillNeeded(claims: ResolvedClaims, document: Pick<ResultsDocument, 'runs' | 'builds'> & Partial<Pick<ResultsDocument, 'microbenchmarks'>>, scenario: string): RunNeed[] {
  const needs: RunNeed[] = [];
  for (const claim of claims.claims) {
    if (claim.scenario !== scenario) continue;
    const runs = document.runs.filter((run) => run.scenario === scenario && run.rateIndex === claim.point);
    const results = claim.checks.map((check) => evaluateCheck(check, runs, document.builds, document.microbenchmarks ?? []));
    if (results.some((result) => result.verdict === 'refuted')) continue;
    for (const [index, check] of claim.checks.entries()) {
      const { services, runsNeeded } = coveragePlan(check);
      if (services.length === 0) continue;
      if (results[index]!.verdict !== 'inconclusive') continue;
      const short = services.filter((service) => validRuns(document, scenario, service, claim.point) < runsNeeded);
      if (short.length > 0) for (const service of short) needs.push({ service, point: claim.point, because: `${claim.id}: \`${check.source}\` needs ${runsNeeded} valid runs a service for 95 % coverage` });
      else for (const service of services) needs.push({ service, point: claim.point, because: `${claim.id}: \`${check.source}\` straddles its threshold` });
    }
  }
  return needs;
}

/** `--until-decided` without claims: services with a point whose medians lack 95 % coverage (fewer than 6 valid runs). */
export function pointsBelowCoverage(document: Pick<ResultsDocument, 'runs'>, scenario: string): RunNeed[] {
  const needed = runsForCoverage(TARGET_COVERAGE);
  const points = new Set(document.runs.filter((run) => run.scenario === scenario).map((run) => `${run.service}\u0000${run.rateIndex}`));
  const needs: RunNeed[] = [];
  for (const key of points) {
    const [service, point] = key.split('\u0000') as [string, string];
    if (validRuns(document, scenario, service, Number(point)) < needed) needs.push({ service, point: Number(point), because: `--until-decided: ${needed} valid runs give a median 95 % coverage` });
  }
  return needs;
}

const percentFrom = (value: number | undefined, threshold: number): string => (value === undefined ? '?' : `${(Math.abs(value / threshold - 1) * 100).toFixed(1)} %`);

/**
 * Roughly how many valid runs a service would decide an inconclusive check, if the spread stays
 * as measured: the interval's half-width on a log scale shrinks about as 1/√n until it no longer
 * reaches the threshold. Undefined when the estimate sits on the threshold (no number of runs
 * decides it) or there is no interval.
 */
export function runsToDecide(check: CheckResult): number | undefined {
  const { value, low, high, n, threshold } = check;
  if (value === undefined || low === undefined || high === undefined || n === undefined || !(value > 0) || !(low > 0) || !(threshold > 0)) return undefined;
  const distance = Math.abs(Math.log(value) - Math.log(threshold));
  if (distance === 0 || !Number.isFinite(high)) return undefined;
  const halfWidth = Math.max(Math.log(high) - Math.log(value), Math.log(value) - Math.log(low));
  if (halfWidth < distance) return check.runsNeeded;
  return Math.max(check.runsNeeded ?? n, Math.ceil(n * (halfWidth / distance) ** 2));
}

/**
 * Adds to each check of a claim on a scenario how its repetitions ended: "decided after N valid
 * runs a service (T s of measuring)", or "undecided after N runs (time budget): about K valid
 * runs a service would decide it".
 */
export function explainRepetitions(results: readonly ClaimResult[], adaptive: readonly AdaptiveRecord[]): ClaimResult[] {
  return results.map((result) => {
    const record = adaptive.find((entry) => entry.scenario === result.scenario);
    if (record === undefined) return result;
    const checks = result.checks.map((check): CheckResult => {
      if (check.n === undefined) return check;
      let note: string;
      if (check.verdict === 'inconclusive' && result.verdict === 'refuted') note = 'not repeated further: another check already refutes the claim';
      else if (check.verdict === 'holds' || check.verdict === 'refuted') note = `decided after ${check.n} valid runs a service (${record.seconds} s of measuring ${record.scenario})`;
      else if (check.verdict === 'inconclusive' && (record.stopped === 'budget' || record.stopped === 'max-repetitions')) {
        const more = runsToDecide(check);
        note = `undecided after ${record.repetitions} runs (${record.stopped === 'budget' ? 'time budget: --max-minutes' : 'maximum of repetitions: --max-repetitions'})${more === undefined ? ': the estimate sits on the threshold, no number of runs would decide it' : more > 1000 ? `: the estimate (${formatNumber(check.value)}) sits within ${percentFrom(check.value, check.threshold)} of the threshold; more than 1,000 valid runs a service would be needed` : `: about ${more} valid runs a service would decide it if the spread stays the same`}`;
      } else return check;
      return { ...check, note: check.note === undefined ? note : `${check.note}; ${note}` };
    });
    return { ...result, checks };
  });
}
