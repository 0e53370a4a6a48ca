/**
 * Remote targets (a manifest's `target:`): services the harness did not start and never stops.
 * Connecting is checking readiness at the URL the user wrote out; nothing is discovered or
 * scanned, and load goes only there. I/O.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates as tlsRootCertificates } from 'node:tls';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ResolvedManifest } from '../config/manifest.js';
import { ConfigError, InfrastructureError } from '../errors.js';
import type { LoadTls } from '../load/job.js';

/** A remote target that answered its ready path. */
export interface ConnectedTarget {
  readonly label: string;
  /** The target's URL without a trailing slash; request paths are appended to it. */
  readonly baseUrl: string;
  /** From the first ready probe to the first 200 (0 when it was ready at once). */
  readonly waitedMs: number;
  /** `https://` only: what the load engine and the equivalence check trust beside the system's CAs (`target.tls`). */
  readonly tls: LoadTls | undefined;
}

/**
 * The TLS trust of an https target: its `target.tls.caFile` read (relative to the service folder).
 * @throws ConfigError naming the manifest and the file when it cannot be read
 */
export function targetTls(manifest: ResolvedManifest): LoadTls | undefined {
  const target = manifest.target;
  if (target === undefined || !target.url.startsWith('https://')) return undefined;
  const caFile = target.tls?.caFile;
  if (caFile === undefined) return {};
  const file = path.resolve(manifest.dir, caFile);
  let caPem: string;
  try {
    caPem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read \`target.tls.caFile\` of ${manifest.file} (${file}): ${(error as Error).message}. Give the PEM file of the CA that signed the target's certificate.`, { cause: error });
  }
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`Expected \`target.tls.caFile\` of ${manifest.file} (${file}) to hold PEM certificates (\`-----BEGIN CERTIFICATE-----\`), got none.`);
  return { caPem };
}

/** The target's base URL, as requests append their paths to it. */
export const targetBaseUrl = (url: string): string => url.replace(/\/+$/, '');

/**
 * Waits until the target answers 200 on its ready path.
 * @throws InfrastructureError naming the URL and the last answer (or error) when it does not within the timeout.
 */
export async function connectTarget(manifest: ResolvedManifest, readyTimeoutMs: number): Promise<ConnectedTarget> {
  if (manifest.target === undefined) throw new Error(`connectTarget needs a manifest with target: ${manifest.file}`);
  const baseUrl = targetBaseUrl(manifest.target.url);
  const url = `${baseUrl}${manifest.ready}`;
  const tls = targetTls(manifest);
  // The probe trusts what the load engine trusts: the system's CAs plus the target's own.
  const dispatcher = tls?.caPem === undefined ? undefined : new Agent({ connect: { ca: [...tlsRootCertificates, tls.caPem] } });
  const began = performance.now();
  let last = 'no answer yet';
  for (;;) {
    try {
      const response = await undiciFetch(url, { signal: AbortSignal.timeout(Math.min(5000, readyTimeoutMs)), redirect: 'manual', ...(dispatcher === undefined ? {} : { dispatcher }) });
      await response.arrayBuffer();
      if (response.status === 200) {
        await dispatcher?.close();
        return { label: `${manifest.name} (remote target ${baseUrl})`, baseUrl, waitedMs: performance.now() - began, tls };
      }
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error);
    }
    if (performance.now() - began >= readyTimeoutMs) {
      await dispatcher?.close();
      throw new InfrastructureError(
        `Remote target ${manifest.name} not ready: no 200 on ${url} within ${readyTimeoutMs} ms (last: ${last}). The harness does not start remote targets: check that the service runs and that this machine reaches it (\`curl ${url}\`), or fix \`target.url\` / \`ready\` in ${manifest.file}.`,
      );
    }
    await sleep(250);
  }
}
