/**
 * The claims of a results document computed again from what the document holds: its runs,
 * builds and micro-benchmarks, each check's source text, and the plan recorded before the first
 * round. Because the plan is fixed and the stopping rule replays its looks in round order, this
 * gives the verdicts `run` stored (before the notes on how the rounds ended) — the check that a
 * results file carries everything its verdicts rest on. Pure.
 */
import type { ResolvedClaims } from '../config/claims.js';
import type { ClaimResult } from '../results/claims.js';
import type { ResultsDocument } from '../results/document.js';
import { evaluateClaims } from './evaluate.js';
import { parseCheck } from './expression.js';

/**
 * @returns undefined for a document without claims, or one of schema version 2 (no plan: its
 *   verdicts came from per-service intervals and are shown as stored)
 */
export function reevaluateClaims(document: Pick<ResultsDocument, 'runs' | 'builds' | 'microbenchmarks' | 'claims'>): ClaimResult[] | undefined {
  const stored = document.claims;
  if (stored === undefined || stored === null || stored.plan === undefined) return undefined;
  const claims: ResolvedClaims = {
    file: stored.file,
    capacity: [],
    claims: stored.results.map((result) => ({ id: result.id, text: result.text, source: result.source, scenario: result.scenario, point: result.point ?? 0, checks: result.checks.map((check) => parseCheck(check.source)) })),
  };
  return evaluateClaims(claims, document, stored.plan);
}
