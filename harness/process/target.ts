/**
 * Remote targets (a manifest's `target:`): services the harness did not start and never stops.
 * Connecting is checking readiness at the URL the user wrote out; nothing is discovered or
 * scanned, and load goes only there. I/O.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedManifest } from '../config/manifest.js';
import { InfrastructureError } from '../errors.js';

/** A remote target that answered its ready path. */
export interface ConnectedTarget {
  readonly label: string;
  /** The target's URL without a trailing slash; request paths are appended to it. */
  readonly baseUrl: string;
  /** From the first ready probe to the first 200 (0 when it was ready at once). */
  readonly waitedMs: number;
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
  const began = performance.now();
  let last = 'no answer yet';
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(5000, readyTimeoutMs)), redirect: 'manual' });
      await response.arrayBuffer();
      if (response.status === 200) return { label: `${manifest.name} (remote target ${baseUrl})`, baseUrl, waitedMs: performance.now() - began };
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error);
    }
    if (performance.now() - began >= readyTimeoutMs) {
      throw new InfrastructureError(
        `Remote target ${manifest.name} not ready: no 200 on ${url} within ${readyTimeoutMs} ms (last: ${last}). The harness does not start remote targets: check that the service runs and that this machine reaches it (\`curl ${url}\`), or fix \`target.url\` / \`ready\` in ${manifest.file}.`,
      );
    }
    await sleep(250);
  }
}
