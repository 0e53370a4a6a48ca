/**
 * `rewrite-bench verify`: conformance vectors and the differential check for each service.
 */
import { checkEnvFrom } from '../config/service-env.js';
import { ConfigError, EXIT_CODES, type ExitCode } from '../errors.js';
import { formatTable } from '../format.js';
import { CONTRACT_ORACLE } from '../suite/contract.js';
import { verifyServices, type VerifyResult } from '../verify/verify.js';
import { projectOf, resolveServiceSelection, SERVICE_OPTIONS, type OptionSpec } from './common.js';

export const verifyOptions = {
  ...SERVICE_OPTIONS,
  random: { type: 'string', value: 'N', help: 'Random requests per endpoint in the differential check (default 200).' },
  seed: { type: 'string', value: 'N', help: 'Seed of the random requests (default 4242; load uses other seeds).' },
} as const satisfies Record<string, OptionSpec>;

function positiveInteger(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text)) throw new ConfigError(`Expected --${option} to be a non-negative integer, got \`${text}\`.`);
  return Number(text);
}

/** Runs verify and returns its results (also used by `npm start` before measuring). */
export async function verifyAll(
  values: { project?: string | undefined; services?: string | undefined; 'services-dir'?: string[] | undefined; random?: string | undefined; seed?: string | undefined },
  log: (line: string) => void,
): Promise<VerifyResult[]> {
  const randomPerEndpoint = positiveInteger(values.random, 'random', 200);
  const seed = positiveInteger(values.seed, 'seed', 4242);
  const { selected } = await resolveServiceSelection(await projectOf(values), values);
  checkEnvFrom(selected, process.env);
  return verifyServices({ services: selected, oracle: CONTRACT_ORACLE, randomPerEndpoint, seed, log });
}

/** The verify table and the failures under it. */
export function formatVerifyResults(results: readonly VerifyResult[]): string {
  const table = formatTable(
    ['service', 'verdict', 'checks', 'failed'],
    results.map((result) => [result.service, result.state === 'pass' ? 'conforms' : result.state === 'fail' ? 'DOES NOT CONFORM' : 'not checked (implements no contract workload)', String(result.checked), String(result.failures.length)]),
  );
  const details = results.flatMap((result) => result.failures.slice(0, 10).concat(result.failures.length > 10 ? [`${result.service}: … and ${result.failures.length - 10} more`] : []));
  return details.length === 0 ? table : `${table}\n\n${details.join('\n')}`;
}

export async function runVerifyCommand(values: Parameters<typeof verifyAll>[0]): Promise<ExitCode> {
  const results = await verifyAll(values, (line) => console.error(line));
  console.log(formatVerifyResults(results));
  return results.some((result) => result.state === 'fail') ? EXIT_CODES.regression : EXIT_CODES.pass;
}
