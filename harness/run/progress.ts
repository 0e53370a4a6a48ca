/**
 * Progress of a run: a bar with ETA on a terminal (cli-progress), plain lines otherwise (CI logs).
 * I/O (stderr only; stdout is for results).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the total number of steps (runs and probes). */
  start(total: number): void;
  /** One step began. */
  step(label: string): void;
  /** A line of information, above the bar. */
  log(line: string): void;
  stop(): void;
}

/** A progress reporter for the current stderr. */
export function createProgress(): Progress {
  if (process.stderr.isTTY !== true) {
    let done = 0;
    let total = 0;
    return {
      start: (count) => {
        total = count;
      },
      step: (label) => {
        done += 1;
        console.error(`[${done}/${total}] ${label}`);
      },
      log: (line) => console.error(line),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} | ETA {eta_formatted} | {label}', stream: process.stderr, hideCursor: true, etaBuffer: 20, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  return {
    start: (count) => bar.start(count, 0, { label: 'starting' }),
    step: (label) => {
      bar.update(done, { label });
      done += 1;
    },
    log: (line) => {
      // cli-progress redraws on the next update; clear the line so the message stands alone.
      process.stderr.write(`\r\x1b[K${line}\n`);
      bar.render();
    },
    stop: () => {
      bar.update(done);
      bar.stop();
    },
  };
}
