/**
 * One running load worker as the coordinator sees it, whatever runs it (a pod reached through
 * the Kubernetes API, or a local process): lines in, lines out, its end. And the line queue both
 * launchers feed. Types and a small buffer; no I/O of its own.
 */

/** How a worker ended: its exit, and every line it wrote (the pod's log, or the process's stdout). */
export interface WorkerEnd {
  readonly lines: readonly string[];
  /** Exit code of the worker's command, when known. */
  readonly exitCode: number | undefined;
  /** Why it ended otherwise (a signal, a pod deleted, the wait timed out). */
  readonly reason: string | undefined;
  /** Its last stderr lines (local) or the pod's termination message (Kubernetes), for errors. */
  readonly diagnostics: string;
}

/** A started worker whose stdin and stdout the harness holds. */
export interface WorkerEndpoint {
  /** Its index, 0 … W−1 (JOB_COMPLETION_INDEX). */
  readonly index: number;
  /** Who runs it: the pod's name, or `local process <pid>`. */
  readonly name: string;
  /** The node a pod was scheduled on (undefined for a local process). */
  readonly node: string | undefined;
  /** Writes one line (without its newline) to the worker's stdin. */
  send(line: string): Promise<void>;
  /** The next line the worker wrote, or undefined when none came within `timeoutMs` or its output ended. */
  nextLine(timeoutMs: number): Promise<string | undefined>;
  /** Closes the worker's stdin once the start line is sent. */
  closeInput(): void;
  /** Waits until the worker ends (at most `timeoutMs`) and returns what it wrote. */
  finish(timeoutMs: number): Promise<WorkerEnd>;
}

/** Starts W workers and removes everything they left (processes, or the Job and its ConfigMap). */
export interface WorkerLauncher {
  /** What runs the workers, for messages and the run record. */
  readonly platform: 'kubernetes' | 'local';
  /** Per index, its endpoint once it runs; rejects with a message naming the worker when it never does. */
  readonly endpoints: ReadonlyArray<Promise<WorkerEndpoint>>;
  /** The Kubernetes namespace and Job name (undefined for local workers). */
  readonly namespace: string | undefined;
  readonly jobName: string | undefined;
  /** Removes what was created; safe to call twice, also after an interrupt. */
  cleanup(): Promise<void>;
}

/** A queue of output lines with waiting readers: a launcher pushes, the coordinator pulls. */
export class LineQueue {
  readonly #lines: string[] = [];
  readonly #all: string[] = [];
  #partial = '';
  #ended = false;
  #waiter: ((line: string | undefined) => void) | undefined;

  /** Adds output text (any chunking). */
  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#deliver(line);
  }

  /** The output ended: an unfinished last line counts as a line. */
  end(): void {
    if (this.#partial !== '') this.#deliver(this.#partial);
    this.#partial = '';
    this.#ended = true;
    this.#waiter?.(undefined);
    this.#waiter = undefined;
  }

  #deliver(line: string): void {
    this.#all.push(line);
    if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(line);
    } else {
      this.#lines.push(line);
    }
  }

  /** The next line not yet taken, or undefined after `timeoutMs` or at the end. */
  next(timeoutMs: number): Promise<string | undefined> {
    const ready = this.#lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.#waiter = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  /** Every line seen so far, taken or not. */
  all(): readonly string[] {
    return this.#all;
  }

  get ended(): boolean {
    return this.#ended;
  }
}
