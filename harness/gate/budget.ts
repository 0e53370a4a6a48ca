/**
 * k6-style budgets such as `p99 < 50ms`, `errors == 0`, `rps >= 1000`: keep their source text,
 * are validated before anything runs, and are evaluated on the median of valid runs (`errors` on
 * the total over all runs). Pure.
 */
import { median } from 'simple-statistics';
import type { RunRecord } from '../results/document.js';
import { RUN_METRICS } from '../stats/metrics.js';

export interface Budget {
  readonly source: string;
  readonly metric: string;
  readonly comparator: '<' | '<=' | '>' | '>=' | '==';
  /** In the metric's own unit (µs for latency, bytes for memory). */
  readonly limit: number;
}

const UNITS: Record<string, Record<string, number>> = {
  'µs': { us: 1, 'µs': 1, ms: 1000, s: 1_000_000, '': 1 },
  ms: { ms: 1, s: 1000, '': 1 },
  bytes: { b: 1, kb: 1000, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, '': 1 },
};

/**
 * Parses `metric OP value[unit]`.
 * @throws Error naming what was expected
 */
export function parseBudget(source: string): Budget {
  const match = /^\s*([A-Za-z0-9]+)\s*(<=|>=|==|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-zµ]*)\s*$/.exec(source);
  if (match === null) throw new Error(`expected \`metric OP value\` such as \`p99 < 50ms\` or \`errors == 0\`, got \`${source}\``);
  const [, metric, comparator, number, unitText] = match;
  const definition = RUN_METRICS[metric!];
  if (definition === undefined) throw new Error(`unknown metric \`${metric}\`; known: ${Object.keys(RUN_METRICS).join(', ')}`);
  const units = UNITS[definition.unit] ?? { '': 1 };
  const factor = units[unitText!.toLowerCase()];
  if (factor === undefined) throw new Error(`unit \`${unitText}\` does not fit ${metric} (${definition.unit}); use one of ${Object.keys(units).filter(Boolean).join(', ')}`);
  return { source: source.trim(), metric: metric!, comparator: comparator as Budget['comparator'], limit: Number(number) * factor };
}

export interface BudgetResult {
  readonly budget: Budget;
  readonly value: number | undefined;
  /** undefined: not measured (no valid run had the metric) — neither kept nor broken, and the gate cannot pass. */
  readonly kept: boolean | undefined;
}

/** Evaluates a budget on the runs of one scenario point. A budget with no value is not measured. */
export function evaluateBudget(budget: Budget, runs: readonly RunRecord[]): BudgetResult {
  const read = RUN_METRICS[budget.metric]!.read;
  let value: number | undefined;
  if (budget.metric === 'errors') value = runs.reduce((sum, run) => sum + (read(run) ?? 0), 0);
  else {
    const values = runs.filter((run) => run.validity.valid).map(read).filter((entry): entry is number => entry !== undefined);
    value = values.length === 0 ? undefined : median(values);
  }
  if (value === undefined) return { budget, value, kept: undefined };
  const { limit } = budget;
  const kept = { '<': value < limit, '<=': value <= limit, '>': value > limit, '>=': value >= limit, '==': value === limit }[budget.comparator];
  return { budget, value, kept };
}
