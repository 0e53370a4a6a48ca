/**
 * What a worker's output says: the worker script's lines (hello, pongs, starting, failed) and the
 * engine's (ready, window, done or failed), read from its stdout or its pod's log. Lines that are
 * not JSON objects with a `type` (a runtime's own messages) are kept as diagnostics. Pure.
 */

/** A worker's output, read. */
export interface WorkerLines {
  /** The script's hello: its index and W as it read them. */
  readonly hello: { readonly index: number; readonly workers: number } | undefined;
  /** The start instant the worker received. */
  readonly startAtEpochMs: number | undefined;
  /** The engine's outcome as it wrote it (validated later), or undefined. */
  readonly outcome: unknown;
  /** The first `failed` message (the script's or the engine's). */
  readonly failed: string | undefined;
  /** Lines that were not the protocol's, last 10. */
  readonly other: readonly string[];
}

function asRecord(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads every line of one worker. */
export function readWorkerLines(lines: readonly string[]): WorkerLines {
  let hello: WorkerLines['hello'];
  let startAtEpochMs: number | undefined;
  let outcome: unknown;
  let failed: string | undefined;
  const other: string[] = [];
  for (const raw of lines) {
    const text = raw.trim();
    if (text === '') continue;
    const line = asRecord(text);
    if (line === undefined) {
      other.push(text);
      continue;
    }
    if (line.type === 'hello' && typeof line.index === 'number' && typeof line.workers === 'number') hello ??= { index: line.index, workers: line.workers };
    else if (line.type === 'starting' && typeof line.startAtEpochMs === 'number') startAtEpochMs ??= line.startAtEpochMs;
    else if (line.type === 'done') outcome ??= line.outcome;
    else if (line.type === 'failed') failed ??= typeof line.message === 'string' ? line.message : JSON.stringify(line);
  }
  return { hello, startAtEpochMs, outcome, failed, other: other.slice(-10) };
}

/** A pong line's fields, or undefined when the line is not a pong. */
export function readPong(text: string): { index: number; sentUs: number; workerUs: number } | undefined {
  const line = asRecord(text.trim());
  return line?.type === 'pong' && typeof line.index === 'number' && typeof line.sentUs === 'number' && typeof line.workerUs === 'number' ? { index: line.index, sentUs: line.sentUs, workerUs: line.workerUs } : undefined;
}

/** A hello line's fields, or undefined. */
export function readHello(text: string): { index: number; workers: number } | undefined {
  const line = asRecord(text.trim());
  return line?.type === 'hello' && typeof line.index === 'number' && typeof line.workers === 'number' ? { index: line.index, workers: line.workers } : undefined;
}

/** A `failed` line's message, or undefined. */
export function readFailed(text: string): string | undefined {
  const line = asRecord(text.trim());
  return line?.type === 'failed' ? (typeof line.message === 'string' ? line.message : JSON.stringify(line)) : undefined;
}
