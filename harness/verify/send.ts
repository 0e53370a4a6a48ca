/**
 * Sends one conformance request to a running service and returns what came back. I/O.
 * Uses node:http rather than fetch: it lets us choose chunked vs Content-Length bodies and
 * still read a 413 that a server sends before consuming an oversized body.
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { LoadTls } from '../load/job.js';
import type { Observed, Vector } from './vector.js';

/** The request part of a vector. */
export type Request = Pick<Vector, 'method' | 'path' | 'headers' | 'body' | 'body_bytes' | 'pad_to_bytes' | 'chunked'>;

/** The body bytes a request sends, or undefined for none. */
export function requestBody(request: Request): Buffer | undefined {
  if (request.body_bytes !== undefined) return Buffer.alloc(request.body_bytes, 0x20);
  if (request.body === undefined) return undefined;
  const body = Buffer.from(request.body);
  if (request.pad_to_bytes === undefined || request.pad_to_bytes <= body.length) return body;
  return Buffer.concat([body, Buffer.alloc(request.pad_to_bytes - body.length, 0x20)]);
}

/**
 * Sends `request` to `baseUrl` and resolves with the response; rejects after `timeoutMs`.
 * @param tls for an https:// base URL: extra CAs to trust (a remote target's `target.tls`)
 */
export async function sendRequest(baseUrl: string, request: Request, timeoutMs = 30_000, tls?: LoadTls): Promise<Observed> {
  const { status, contentType, body } = await sendRequestWithHeaders(baseUrl, request, timeoutMs, tls);
  return { status, contentType, body };
}

/** As sendRequest, with the answer's headers (names in lower case; repeated ones joined by `, `). */
export function sendRequestWithHeaders(baseUrl: string, request: Request, timeoutMs = 30_000, tls?: LoadTls): Promise<Observed & { readonly headers: Readonly<Record<string, string>> }> {
  const body = requestBody(request);
  const url = new URL(request.path, baseUrl);
  const headers: Record<string, string> = { ...request.headers };
  if (body !== undefined) {
    if (request.chunked === true) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(body.length);
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const options = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port, method: request.method, path: `${url.pathname}${url.search}`, headers, agent: false, timeout: timeoutMs };
    const outgoing = (isHttps ? https.request : http.request)(
      isHttps && tls?.caPem !== undefined ? { ...options, ca: [...rootCertificates, tls.caPem], servername: url.hostname } : options,
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'] ?? null,
            body: Buffer.concat(chunks).toString('latin1'),
            headers: Object.fromEntries(Object.entries(response.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]]))),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no response within ${timeoutMs} ms`)));
    // A server may answer 413 and close before reading the whole body: EPIPE/ECONNRESET while
    // writing is then expected, and the response handler above still resolves.
    outgoing.on('error', reject);
    if (body === undefined) outgoing.end();
    else if (request.chunked === true) {
      for (let offset = 0; offset < body.length; offset += 65_536) outgoing.write(body.subarray(offset, offset + 65_536));
      outgoing.end();
    } else outgoing.end(body);
  });
}
