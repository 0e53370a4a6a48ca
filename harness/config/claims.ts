/**
 * Claims files (`scenarios/claims.yaml`): statements with checks over measured metrics, and
 * capacity questions. Validated before any process starts: unknown keys, unparsable checks,
 * unknown metrics and scenarios are errors naming the file and the field. Pure.
 */
import { z } from 'zod';
import { parseCheck, type Check } from '../claims/expression.js';
import { ConfigError } from '../errors.js';
import { metricKind } from '../stats/metrics.js';
import { describeValue, formatZodIssues } from './zod-message.js';
import { FLOOR_NAME } from '../results/floor-runs.js';

/** What a claim may ask of the platform floor (`floor.p99`): its latency, the machine's own. */
export const FLOOR_METRICS: readonly string[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean'];

const claimSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/),
  /** The statement as the source makes it. */
  text: z.string().min(1),
  /** Where the claim comes from (e.g. "seed (a)"). */
  source: z.string().optional(),
  /** The scenario whose runs the checks use (not needed when only build metrics are checked). */
  scenario: z.string().optional(),
  /** Index of the load point in the scenario's rate list (0 for closed loop). */
  point: z.number().int().min(0).default(0),
  /** Every check must hold for the claim to hold; see README for the metric names. */
  checks: z.array(z.string().min(1)).min(1),
});

export const claimsSchema = z.strictObject({
  claims: z.array(claimSchema).min(1),
  /** Cores needed for a throughput, extrapolated from CPU time per request. */
  capacity: z
    .array(z.strictObject({ scenario: z.string(), point: z.number().int().min(0).default(0), throughputRps: z.number().positive() }))
    .default([]),
});

export interface ResolvedClaim extends Omit<z.output<typeof claimSchema>, 'checks'> {
  readonly checks: readonly Check[];
}

export interface ResolvedClaims {
  readonly file: string;
  readonly claims: readonly ResolvedClaim[];
  readonly capacity: z.output<typeof claimsSchema>['capacity'];
}

/** The two accepted top levels: a mapping (`claims:`, optional `capacity:`) or a bare list of claims. */
function normalizeTopLevel(data: unknown, file: string): unknown {
  // A bare list is the claims themselves (the short form; no capacity questions).
  if (Array.isArray(data)) return { claims: data };
  if (data !== null && typeof data === 'object') {
    if (!('claims' in data) && 'checks' in data) {
      throw new ConfigError(`Expected the top level of ${file} to hold a list of claims, got a single claim (a mapping with \`checks\`). Put it in a list under \`claims:\` (\`claims:\` then \`  - id: …\`).`);
    }
    return data;
  }
  throw new ConfigError(
    `Expected the top level of ${file} to be a mapping with \`claims:\` (a list of claims) and optionally \`capacity:\`, or a bare list of claims, got ${describeValue(data)}. ` +
      'Start the file with `claims:` and list the claims under it (README.md, "Claims", shows one).',
  );
}

/**
 * Validates a parsed claims file: a mapping with `claims:` (and optional `capacity:`), or a bare
 * list of claims, which stands for `claims:` with that list.
 * @param scenarioNames scenarios that exist, to catch a misspelled `scenario`
 * @throws ConfigError naming the file, the field, what was expected and what was found
 */
export function resolveClaims(input: unknown, file: string, scenarioNames: readonly string[], microMetrics: ReadonlySet<string> = new Set()): ResolvedClaims {
  const data = normalizeTopLevel(input, file);
  const parsed = claimsSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const hint = issues.some((issue) => issue.path.length === 1 && issue.path[0] === 'claims' && issue.code === 'invalid_type') ? ' Put the list of claims under `claims:` (README.md, "Claims").' : '';
    throw new ConfigError(`${formatZodIssues(file, issues, data, claimsJsonSchema())}${hint}`);
  }
  const ids = new Set<string>();
  const claims = parsed.data.claims.map((claim, index): ResolvedClaim => {
    const where = `claims[${index}]`;
    if (ids.has(claim.id)) throw new ConfigError(`Claim id \`${claim.id}\` is used twice in ${file} (${where}.id). Give each claim its own id.`);
    ids.add(claim.id);
    if (claim.scenario !== undefined && !scenarioNames.includes(claim.scenario)) {
      throw new ConfigError(`Expected \`${where}.scenario\` in ${file} to be one of ${scenarioNames.join(', ')}, got \`${claim.scenario}\`.`);
    }
    const checks = claim.checks.map((text, checkIndex) => {
      let check: Check;
      try {
        check = parseCheck(text);
      } catch (cause) {
        throw new ConfigError(`Cannot read \`${where}.checks[${checkIndex}]\` in ${file} (\`${text}\`): ${(cause as Error).message}.`, { cause });
      }
      const field = `\`${where}.checks[${checkIndex}]\` of ${file} (\`${text}\`)`;
      for (const term of check.terms) {
        const kind = metricKind(term.metric, microMetrics);
        if (kind === undefined) throw new ConfigError(`Unknown metric \`${term.metric}\` in \`${where}.checks[${checkIndex}]\` of ${file}. Metric names are listed in README.md (Claims)${microMetrics.size === 0 ? '' : `; micro-benchmark metrics of these services: ${[...microMetrics].join(', ')}`}.`);
        if (kind === 'run' && claim.scenario === undefined) throw new ConfigError(`\`${where}\` in ${file} checks the run metric \`${term.metric}\` but names no \`scenario\`.`);
        if (term.service === FLOOR_NAME && !FLOOR_METRICS.includes(term.metric)) {
          throw new ConfigError(`Expected \`floor.${term.metric}\` in ${field} to be one of the platform floor's latency metrics (${FLOOR_METRICS.map((metric) => `floor.${metric}`).join(', ')}): \`floor\` is the machine's own latency, not a service.`);
        }
        if (check.sums !== undefined && kind !== 'run') {
          throw new ConfigError(`Cannot add \`${term.service}.${term.metric}\` in a sum in ${field}: a sum (\`+\`) adds run metrics, paired per round; \`${term.metric}\` is a ${kind === 'build' ? 'build metric (a single measurement)' : 'micro-benchmark metric'}. Write that check as a product.`);
        }
      }
      if (check.terms.every((term) => term.service === FLOOR_NAME)) {
        throw new ConfigError(`Expected ${field} to refer to a service's metric: it refers only to the platform floor (\`floor\` is the machine's own latency, measured beside the services; write e.g. \`rust.p99 <= 2 * rust.p50 + floor.p99\`).`);
      }
      return check;
    });
    return { ...claim, checks };
  });
  for (const [index, entry] of parsed.data.capacity.entries()) {
    if (!scenarioNames.includes(entry.scenario)) throw new ConfigError(`Expected \`capacity[${index}].scenario\` in ${file} to be one of ${scenarioNames.join(', ')}, got \`${entry.scenario}\`.`);
  }
  return Object.freeze({ file, claims, capacity: parsed.data.capacity });
}

let claimsJson: unknown;
/** The JSON Schema of claims files (for "Did you mean" on unknown keys). */
function claimsJsonSchema(): unknown {
  claimsJson ??= z.toJSONSchema(claimsSchema, { io: 'input', target: 'draft-2020-12' });
  return claimsJson;
}
