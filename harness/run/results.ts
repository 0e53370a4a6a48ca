/**
 * The results document (`DIR/results.json`, schema version 1, documented in docs/results.md) and
 * its atomic writer: written to a temporary file and renamed after every run, so an interrupted
 * run keeps everything measured so far and a crash never leaves half a file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildRecord } from '../build/build.js';
import type { LoadOutcome } from '../load/outcome.js';
import type { ResourcePoint } from '../process/sampler.js';
import type { CapacityEstimate, ClaimResult } from '../claims/evaluate.js';
import type { Environment } from './environment.js';
import type { Validity } from './validity.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** The service side of one run. */
export interface ServiceMeasurement {
  readonly pid: number;
  readonly cpuList: string | undefined;
  readonly workers: number;
  /** Spawn to the first 200 on the ready path. */
  readonly startupMs: number;
  /** Δ(utime+stime) of the whole process tree over the window ÷ window wall time. */
  readonly cpuCores: number;
  /** CPU time of the tree per completed request, in µs. */
  readonly cpuUsPerRequest: number | undefined;
  /** Σ RSS and Σ PSS of the tree after start, before any load. */
  readonly idleRssBytes: number;
  readonly idlePssBytes: number;
  /** Peaks over the measured window (RSS every 250 ms, PSS every 2 s plus a final read at the window end). */
  readonly peakRssBytes: number;
  readonly peakPssBytes: number;
  /** Σ VmHWM per process at the end: like RSS, double-counts shared pages. */
  readonly vmHwmBytesSum: number;
  readonly processCount: number;
  readonly series: readonly ResourcePoint[];
  /** The service's own /debug/runtime after the run (versions, GC counters), if it answers. */
  readonly runtime: unknown;
}

/** One service × scenario × repetition × rate. */
export interface RunRecord {
  readonly id: string;
  readonly scenario: string;
  readonly service: string;
  readonly language: string;
  readonly repetition: number;
  /** Index in the scenario's rate list (0 for closed loop). */
  readonly rateIndex: number;
  /** The fraction of this service's measured capacity, when the scenario asked for one. */
  readonly capacityFraction: number | undefined;
  readonly startedAt: string;
  readonly validity: Validity;
  readonly load: LoadOutcome;
  readonly measured: ServiceMeasurement;
  readonly generator: { readonly pid: number; readonly cpuList: string | undefined; readonly cpuCores: number };
  readonly upstream: { readonly cpuCores: number } | undefined;
  /** Share of machine CPU time stolen during the window. */
  readonly stealShare: number | undefined;
}

/** A closed-loop capacity probe of one service for one scenario. */
export interface CapacityProbe {
  readonly scenario: string;
  readonly service: string;
  readonly capacityRps: number;
  readonly valid: boolean;
  readonly note: string;
}

/** A failure that stopped part of the matrix (a service that would not start, a build that failed). */
export interface FailureRecord {
  readonly scenario: string | undefined;
  readonly service: string | undefined;
  readonly message: string;
}

export interface ResultsDocument {
  readonly schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  readonly tool: { readonly name: 'rewrite-bench'; readonly version: string };
  state: 'running' | 'complete' | 'interrupted' | 'failed';
  readonly startedAt: string;
  finishedAt: string | undefined;
  readonly environment: Environment;
  cpuPlan: { readonly serviceCpus: string; readonly loadCpus: string } | undefined;
  /** Whether the harness ran at nice 10 (root only) so its sampling yields to the load generator. */
  harnessNiced: boolean;
  readonly scenarios: readonly unknown[];
  readonly builds: BuildRecord[];
  readonly capacity: CapacityProbe[];
  readonly runs: RunRecord[];
  readonly failures: FailureRecord[];
  readonly services: Record<string, { readonly language: string; readonly description: string; readonly runtime: unknown }>;
  /** Verdicts of the claims file, evaluated at the end (see claims/evaluate.ts). */
  claims: { readonly file: string; readonly results: readonly ClaimResult[]; readonly capacity: readonly CapacityEstimate[] } | undefined;
}

/** Writes `document` to `file` atomically (temporary file in the same folder, then rename). */
export async function writeJsonAtomic(file: string, document: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(document, null, 1)}\n`);
  await rename(temporary, file);
}
