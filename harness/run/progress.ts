/**
 * Progress of a run: a bar with ETA on a terminal (cli-progress for drawing; the ETA is ours,
 * from eta.ts), plain lines otherwise (CI logs). I/O (stderr only; stdout is for results).
 */
import cliProgress from 'cli-progress';
import { etaText } from './eta.js';

export interface Progress {
  /** Sets the total number of steps (runs and probes). */
  start(total: number): void;
  /** One step began. */
  step(label: string): void;
  /** More steps than planned (adaptive repetitions). */
  grow(by: number): void;
  /** A line of information, above the bar. */
  log(line: string): void;
  stop(): void;
}

/** Steps counted by a Progress: begun, completed (all begun but the current one) and the clock. */
class StepClock {
  total = 0;
  begun = 0;
  private startedMs: number | undefined;

  start(total: number): void {
    this.total = total;
  }

  step(): void {
    this.begun += 1;
    // The clock starts with the first step, so builds and checks before it do not count.
    this.startedMs ??= performance.now();
  }

  get completed(): number {
    return Math.max(0, this.begun - 1);
  }

  eta(): string {
    return etaText(this.startedMs === undefined ? 0 : performance.now() - this.startedMs, this.completed, this.total);
  }
}

/** A progress reporter for the current stderr. */
export function createProgress(): Progress {
  const clock = new StepClock();
  if (process.stderr.isTTY !== true) {
    return {
      start: (count) => clock.start(count),
      step: (label) => {
        clock.step();
        console.error(`[${clock.begun}/${clock.total}, ETA ${clock.eta()}] ${label}`);
      },
      grow: (by) => clock.start(clock.total + by),
      log: (line) => console.error(line),
      stop: () => {},
    };
  }
  let label = '';
  let isStarted = false;
  const bar = new cliProgress.SingleBar(
    {
      format: (options, params) => `${cliProgress.Format.BarFormat(params.progress, options)} ${params.value}/${params.total} | ETA ${clock.eta()} | ${label}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (count) => {
      clock.start(count);
      label = 'starting';
      bar.start(count, 0);
      isStarted = true;
    },
    step: (text) => {
      label = text;
      clock.step();
      bar.update(clock.completed);
    },
    grow: (by) => {
      clock.start(clock.total + by);
      if (isStarted) bar.setTotal(clock.total);
    },
    log: (line) => {
      // cli-progress redraws on the next update; clear the line so the message stands alone.
      // Before start() there is no bar to redraw (rendering it then printed "0/100 | {label}").
      process.stderr.write(`\r\x1b[K${line}\n`);
      if (isStarted) bar.render();
    },
    stop: () => {
      if (!isStarted) return;
      bar.update(clock.begun);
      bar.stop();
      isStarted = false;
    },
  };
}
