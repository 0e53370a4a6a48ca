/**
 * Drives W started workers through one run: waits for each to be ready (its first pong), measures
 * its clock against the harness's (ping/pong, load/workers/clock.ts), picks one start instant once all
 * ready workers answered, sends it, and collects every worker's outcome. A worker that never got
 * ready or failed is kept, named, with its reason: the run's validity decides what that means
 * (load/workers/validity.ts). I/O (timers, the clock).
 */
import { messageOf } from '../../errors.js';
import { readNativeOutcome } from '../engines/native.js';
import { chooseStartAt, estimateOffset, type ClockOffset, type ClockSample } from './clock.js';
import type { WorkerEndpoint, WorkerLauncher } from './endpoint.js';
import type { CoordinatedRun, WorkerResult } from './result.js';
import { readFailed, readPong, readWorkerLines } from './worker-lines.js';

export type { CoordinatedRun, WorkerResult } from './result.js';

export interface CoordinateOptions {
  /** How long a worker may take to run and say hello (Kubernetes: scheduling and the image pull). */
  readonly readyTimeoutMs: number;
  /** From the start instant until every worker should have ended: warm-up, window, drain, and slack. */
  readonly runTimeoutMs: number;
  /** Clock exchanges per worker (the shortest round trip is kept). */
  readonly pings?: number;
  /** Least time between choosing the start instant and it. */
  readonly minimumLeadMs?: number;
}

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/**
 * Clock exchanges with one worker. The first pong is also its readiness: the script answers only
 * once the engine is unpacked and proven to run (its hello may have gone only to a pod's log,
 * written before the harness attached), so the first waits until the ready deadline.
 */
async function measureClock(endpoint: WorkerEndpoint, pings: number, deadlineMs: number): Promise<ClockSample[] | string> {
  const samples: ClockSample[] = [];
  for (let round = 0; round < pings; round += 1) {
    const sentUs = nowUs();
    await endpoint.send(`ping ${sentUs}`);
    const answerBy = round === 0 ? deadlineMs : Date.now() + 10_000;
    for (;;) {
      const left = answerBy - Date.now();
      const line = left > 0 ? await endpoint.nextLine(left) : undefined;
      if (line === undefined) return round === 0 ? `${endpoint.name} did not answer within the ready timeout` : `${endpoint.name} did not answer a clock ping within 10 s`;
      const failed = readFailed(line);
      if (failed !== undefined) return failed;
      const pong = readPong(line);
      if (pong === undefined || pong.sentUs !== sentUs) continue;
      if (pong.index !== endpoint.index) return `${endpoint.name} says it is worker ${pong.index}, expected ${endpoint.index}`;
      samples.push({ sentUs, workerUs: pong.workerUs, receivedUs: nowUs() });
      break;
    }
  }
  return samples;
}

interface Ready {
  readonly endpoint: WorkerEndpoint;
  readonly clock: ClockOffset;
}

async function prepare(index: number, pending: Promise<WorkerEndpoint>, deadlineMs: number, pings: number): Promise<Ready | WorkerResult> {
  const notReady = (problem: string, endpoint?: WorkerEndpoint): WorkerResult => ({ index, name: endpoint?.name, node: endpoint?.node, state: 'not-ready', problem, clock: undefined, outcome: undefined, startLatenessMs: undefined });
  let endpoint: WorkerEndpoint;
  // The launcher settles every index by the ready timeout; this bounds a launcher stuck on a call that never answers.
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer from the platform within the ready timeout and 30 s more')), Math.max(0, deadlineMs - Date.now()) + 30_000);
  });
  try {
    endpoint = await Promise.race([pending, stuck]);
  } catch (error) {
    return notReady(messageOf(error));
  } finally {
    clearTimeout(timer);
  }
  const samples = await measureClock(endpoint, pings, deadlineMs);
  if (typeof samples === 'string') {
    // What it wrote before it stopped answering (a pod's log holds what the attach missed).
    endpoint.closeInput();
    const end = await endpoint.finish(5000);
    const read = readWorkerLines(end.lines);
    const said = read.failed ?? [...read.other, end.diagnostics].filter((text) => text.trim() !== '').join('\n').slice(-800);
    return notReady(said === '' || said === samples ? samples : `${samples}: ${said}`, endpoint);
  }
  return { endpoint, clock: estimateOffset(samples)! };
}

/** A finished worker's outcome, or why it has none. */
async function collect(ready: Ready, timeoutMs: number): Promise<WorkerResult> {
  const { endpoint, clock } = ready;
  const base = { index: endpoint.index, name: endpoint.name, node: endpoint.node, clock };
  const end = await endpoint.finish(timeoutMs);
  const read = readWorkerLines(end.lines);
  const how = end.reason ?? (end.exitCode === undefined ? 'its end unknown' : `exit code ${end.exitCode}`);
  const tail = [...read.other, end.diagnostics].filter((text) => text.trim() !== '').join('\n').slice(-1500);
  if (read.outcome === undefined) {
    const problem = read.failed ?? `${endpoint.name} ended (${how}) without an outcome${tail === '' ? '' : `; its last output:\n${tail}`}`;
    return { ...base, state: 'failed', problem, outcome: undefined, startLatenessMs: undefined };
  }
  try {
    const outcome = readNativeOutcome(read.outcome);
    const raw = read.outcome as { worker?: { index?: unknown }; startLatenessUs?: unknown };
    if (raw.worker?.index !== endpoint.index) {
      return { ...base, state: 'failed', problem: `${endpoint.name}'s engine reports worker ${String(raw.worker?.index)}, expected ${endpoint.index}: it did not take its slice of the schedule`, outcome, startLatenessMs: undefined };
    }
    const startLatenessMs = typeof raw.startLatenessUs === 'number' ? raw.startLatenessUs / 1000 : undefined;
    return { ...base, state: 'done', problem: undefined, outcome, startLatenessMs };
  } catch (error) {
    return { ...base, state: 'failed', problem: messageOf(error), outcome: undefined, startLatenessMs: undefined };
  }
}

/**
 * Runs the workers of `launcher` through one run. Never throws for a worker's failure (it is a
 * result); the launcher's cleanup is the caller's.
 */
export async function coordinateWorkers(launcher: WorkerLauncher, options: CoordinateOptions): Promise<CoordinatedRun> {
  const launchedMs = Date.now();
  const deadlineMs = launchedMs + options.readyTimeoutMs;
  const prepared = await Promise.all(launcher.endpoints.map((pending, index) => prepare(index, pending, deadlineMs, options.pings ?? 5)));
  const ready = prepared.filter((entry): entry is Ready => 'endpoint' in entry);
  const startAtEpochMs = chooseStartAt(Date.now(), ready.map((entry) => entry.clock.roundTripMs), options.minimumLeadMs ?? 500);
  await Promise.all(
    ready.map(async ({ endpoint }) => {
      await endpoint.send(`start ${startAtEpochMs}`);
      endpoint.closeInput();
    }),
  );
  const readyMs = Date.now() - launchedMs;
  // Workers that got ready too late hear nothing: their stdin closes and they exit.
  for (const entry of prepared) if (!('endpoint' in entry)) void launcher.endpoints[entry.index]!.then((endpoint) => endpoint.closeInput(), () => undefined);
  const finishMs = Math.max(0, startAtEpochMs - Date.now()) + options.runTimeoutMs;
  const workers = await Promise.all(prepared.map((entry) => ('endpoint' in entry ? collect(entry, finishMs) : Promise.resolve(entry))));
  return { startAtEpochMs, readyMs, workers };
}
