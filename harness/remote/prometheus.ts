/**
 * A small client of Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`): POST form
 * requests, credentials from environment variables only, a timeout per request, responses
 * checked with zod, and errors that name the query and never show a credential. I/O.
 */
import { z } from 'zod';
import { ConfigError, InfrastructureError, messageOf } from '../errors.js';
import type { ResolvedAuth } from './schema.js';
import type { Series } from './series.js';

/** Default environment variables: a bearer token, or a user and password for basic auth. */
export const DEFAULT_ENV = { token: 'PROMETHEUS_TOKEN', user: 'PROMETHEUS_USER', password: 'PROMETHEUS_PASSWORD' } as const;

/** The client the measurement needs; a fake one in unit tests. */
export interface PrometheusClient {
  readonly baseUrl: string;
  /** A range query over [start, end] at `stepSeconds`: one series per label set (a matrix). */
  queryRange(query: string, range: { readonly startEpochSeconds: number; readonly endEpochSeconds: number; readonly stepSeconds: number }): Promise<Series[]>;
  /**
   * An instant query at `atEpochSeconds` (Prometheus' now when undefined): a vector gives one
   * sample per series, a range selector (`x[1m]`) its raw samples, a scalar one unlabelled series.
   */
  queryInstant(query: string, atEpochSeconds?: number): Promise<Series[]>;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly auth: ResolvedAuth;
  readonly timeoutMs: number;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to the global fetch; injectable for tests. */
  readonly fetch?: typeof fetch;
}

/** The Authorization header and the secrets to mask, from the environment. */
export interface Credentials {
  readonly header: string | undefined;
  /** Every secret value (and its encoded forms), to mask in messages. */
  readonly secrets: readonly string[];
  /** "a bearer token from PROMETHEUS_TOKEN", for messages. */
  readonly described: string;
}

/**
 * Reads credentials from the environment. `default` auth uses PROMETHEUS_TOKEN when set, else
 * PROMETHEUS_USER and PROMETHEUS_PASSWORD when set, else none.
 * @throws ConfigError when a named variable is unset, or when both defaults are set.
 */
export function readCredentials(auth: ResolvedAuth, env: Readonly<Record<string, string | undefined>>): Credentials {
  const bearer = (name: string): Credentials => {
    const token = env[name];
    if (token === undefined || token === '') throw new ConfigError(`The Prometheus token is missing: \`${name}\` is not set in the environment. Export it (the token never goes into a file), or remove \`metrics.auth\`.`);
    return { header: `Bearer ${token}`, secrets: [token], described: `a bearer token from ${name}` };
  };
  const basic = (userName: string, passwordName: string): Credentials => {
    const user = env[userName];
    const password = env[passwordName];
    if (user === undefined || user === '' || password === undefined) {
      throw new ConfigError(`The Prometheus credentials are incomplete: \`${user === undefined || user === '' ? userName : passwordName}\` is not set in the environment. Export both \`${userName}\` and \`${passwordName}\`.`);
    }
    const encoded = Buffer.from(`${user}:${password}`).toString('base64');
    return { header: `Basic ${encoded}`, secrets: [password, encoded, ...(password === '' ? [] : [encodeURIComponent(password)])], described: `basic auth as ${userName}/${passwordName}` };
  };
  if (auth.kind === 'bearer') return bearer(auth.tokenEnv);
  if (auth.kind === 'basic') return basic(auth.userEnv, auth.passwordEnv);
  const hasToken = (env[DEFAULT_ENV.token] ?? '') !== '';
  const hasUser = (env[DEFAULT_ENV.user] ?? '') !== '';
  if (hasToken && hasUser) throw new ConfigError(`Both \`${DEFAULT_ENV.token}\` and \`${DEFAULT_ENV.user}\` are set: the Prometheus client cannot tell bearer from basic auth. Unset one, or name the variables in \`metrics.auth\`.`);
  if (hasToken) return bearer(DEFAULT_ENV.token);
  if (hasUser) return basic(DEFAULT_ENV.user, DEFAULT_ENV.password);
  return { header: undefined, secrets: [], described: 'no credentials' };
}

/** `text` with every secret replaced by `***` (longest first, so a secret inside another goes too). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of [...secrets].filter((value) => value.length > 0).sort((a, b) => b.length - a.length)) masked = masked.replaceAll(secret, '***');
  return masked;
}

const sampleTuple = z.tuple([z.number(), z.string()]);
const labels = z.record(z.string(), z.string());
const dataSchema = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: labels, values: z.array(sampleTuple) })) }),
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: labels, value: sampleTuple })) }),
  z.object({ resultType: z.literal('scalar'), result: sampleTuple }),
  z.object({ resultType: z.literal('string'), result: sampleTuple }),
]);
const envelopeSchema = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

/** Prometheus' value strings: "1.5", "NaN", "+Inf", "-Inf". */
function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function toSeries(data: z.infer<typeof dataSchema>): Series[] {
  const sample = ([atEpochSeconds, value]: [number, string]): { atEpochSeconds: number; value: number } => ({ atEpochSeconds, value: parseValue(value) });
  switch (data.resultType) {
    case 'matrix':
      return data.result.map((series) => ({ labels: series.metric, samples: series.values.map(sample) }));
    case 'vector':
      return data.result.map((series) => ({ labels: series.metric, samples: [sample(series.value)] }));
    case 'scalar':
    case 'string':
      return [{ labels: {}, samples: [sample(data.result)] }];
  }
}

/** Epoch seconds to the ms, as Prometheus accepts them. */
function epoch(seconds: number): string {
  return seconds.toFixed(3);
}

const excerpt = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
};

/**
 * A client of the Prometheus at `baseUrl` (the part before /api/v1; a path prefix behind a proxy
 * is kept). Credentials are read once, here.
 * @throws ConfigError when the environment's credentials are incomplete (see readCredentials).
 */
export function createPrometheusClient(options: ClientOptions): PrometheusClient {
  const credentials = readCredentials(options.auth, options.env ?? process.env);
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const mask = (text: string): string => maskSecrets(text, credentials.secrets);

  async function call(endpoint: 'query' | 'query_range', params: Record<string, string>): Promise<Series[]> {
    const query = params.query!;
    const url = new URL(`api/v1/${endpoint}`, base).toString();
    const what = `the query \`${query}\``;
    const body = new URLSearchParams({ ...params, timeout: `${Math.max(1, Math.floor(options.timeoutMs / 1000))}s` });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (credentials.header !== undefined) headers.authorization = credentials.header;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error' });
      text = await response.text();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new InfrastructureError(`Prometheus at ${options.baseUrl} did not answer ${what} within ${options.timeoutMs} ms. Raise \`metrics.timeoutMs\`, or check that the server is not overloaded.`, { cause: error });
      }
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new InfrastructureError(mask(`Prometheus at ${options.baseUrl} could not be reached for ${what}: ${messageOf(error)}${cause}. Check \`metrics.prometheus\` (the server's base URL, e.g. http://prometheus:9090) and that Prometheus is up.`), { cause: error });
    }
    if (response.status === 401 || response.status === 403) {
      throw new ConfigError(
        `Prometheus at ${options.baseUrl} refused ${what} with HTTP ${response.status} (sent ${credentials.described}). Set \`${DEFAULT_ENV.token}\` (bearer) or \`${DEFAULT_ENV.user}\` and \`${DEFAULT_ENV.password}\` (basic auth) in the environment, or name other variables in \`metrics.auth\`.`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InfrastructureError(
        mask(`Prometheus at ${options.baseUrl} answered ${what} with HTTP ${response.status} and no JSON (${response.headers.get('content-type') ?? 'no content type'}: "${excerpt(text)}"). Check that \`metrics.prometheus\` is the server's base URL (the API is under /api/v1), not a UI page or a proxy's login.`),
        { cause: error },
      );
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw new InfrastructureError(mask(`Prometheus at ${options.baseUrl} answered ${what} with HTTP ${response.status} and JSON that is not a Prometheus API response ("${excerpt(text)}"). Check \`metrics.prometheus\`.`));
    if (envelope.data.status === 'error' || !response.ok) {
      const detail = mask(`${envelope.data.errorType ?? `HTTP ${response.status}`}: ${envelope.data.error ?? excerpt(text)}`);
      // bad_data (400) and execution errors (422) come from the query; timeouts and 5xx from the server.
      if (response.status === 400 || response.status === 422) throw new ConfigError(`Prometheus at ${options.baseUrl} rejected ${what}: ${detail}. Fix the query in \`metrics\` (try it in Prometheus' graph page).`);
      throw new InfrastructureError(`Prometheus at ${options.baseUrl} failed on ${what} (HTTP ${response.status}): ${detail}. Retry, or raise \`metrics.timeoutMs\` if it timed out.`);
    }
    const data = dataSchema.safeParse(envelope.data.data);
    if (!data.success) throw new InfrastructureError(mask(`Prometheus at ${options.baseUrl} answered ${what} with a \`data\` field this client does not understand ("${excerpt(text)}"). Report it with the server's version.`));
    return toSeries(data.data);
  }

  return {
    baseUrl: options.baseUrl,
    queryRange(query, range) {
      return call('query_range', { query, start: epoch(range.startEpochSeconds), end: epoch(range.endEpochSeconds), step: String(range.stepSeconds) });
    },
    queryInstant(query, atEpochSeconds) {
      return call('query', atEpochSeconds === undefined ? { query } : { query, time: epoch(atEpochSeconds) });
    },
  };
}
