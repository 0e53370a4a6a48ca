//! The engine's process protocol. The harness writes ONE JSON job to stdin and closes it; the
//! engine answers with JSON lines on stdout, each flushed at once:
//! `{"type":"ready",…}`, `{"type":"window","edge":"start"}`, `{"type":"window","edge":"end"}`,
//! then `{"type":"done","outcome":{…}}` and exit 0. A malformed job: `{"type":"failed",…}` and
//! exit 2; a fatal runtime error: `failed` and exit 3. Diagnostics go to stderr. With `--check`
//! the job is only validated: `{"type":"valid",…}` and exit 0, or `failed` and exit 2.

use rewrite_bench_engine::outcome::{EngineInfo, Outcome, ENGINE};
use rewrite_bench_engine::{job, run, Edge, Event};
use serde::Serialize;
use std::io::{Read, Write};
use std::process::ExitCode;

/// One line of the protocol (`type` first, then the fields in order).
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line<'a> {
    Ready {
        engine: EngineInfo,
        threads: u32,
    },
    Window {
        edge: &'static str,
    },
    Done {
        outcome: &'a Outcome,
    },
    Failed {
        message: &'a str,
    },
    /// `--check`: the job is valid (nothing was run).
    Valid {
        engine: EngineInfo,
    },
}

fn emit(line: &Line) {
    let text = serde_json::to_string(line).expect("protocol lines serialize");
    let mut stdout = std::io::stdout().lock();
    // If the harness has gone, there is no one to tell; the run ends anyway.
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("rewrite-bench-engine: {message}");
    emit(&Line::Failed { message });
    ExitCode::from(code)
}

/// Raises the open-file limit to its hard maximum: each connection is a file descriptor.
fn raise_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: valid out-pointer, then the same struct back.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// CPUs this process may run on (the harness pins it with taskset).
fn allowed_cpus() -> u32 {
    // SAFETY: a zeroed cpu_set_t is valid; sched_getaffinity fills it for this process.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return 0;
        }
        libc::CPU_COUNT(&set) as u32
    }
}

fn main() -> ExitCode {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        return fail(&format!("Cannot read the load job from stdin: {error}."), 2);
    }
    let job = match job::parse_job(&text) {
        Ok(job) => job,
        Err(message) => return fail(&message, 2),
    };
    if std::env::args().nth(1).as_deref() == Some("--check") {
        emit(&Line::Valid { engine: ENGINE });
        return ExitCode::SUCCESS;
    }
    raise_file_limit();
    let cpus = allowed_cpus();
    if cpus > 0 && job.threads > cpus {
        eprintln!("rewrite-bench-engine: {} worker threads on {cpus} allowed CPUs: threads will share CPUs and pace less precisely", job.threads);
    }
    let outcome = run(&job, |event| match event {
        Event::Ready { threads } => emit(&Line::Ready { engine: ENGINE, threads }),
        Event::Window(edge) => emit(&Line::Window { edge: if edge == Edge::Start { "start" } else { "end" } }),
    });
    match outcome {
        Ok(outcome) => {
            let lag = [outcome.send_lag_p50_us, outcome.send_lag_p90_us, outcome.send_lag_p99_us, outcome.send_lag_max_us]
                .map(|us| us.map_or("-".to_string(), |us| us.to_string()));
            eprintln!(
                "rewrite-bench-engine: {} responses, {:.1} req/s achieved, send lag p50/p90/p99/max {}/{}/{}/{} µs, {} connection waits",
                outcome.counts.responses, outcome.achieved_rps, lag[0], lag[1], lag[2], lag[3], outcome.connection_waits
            );
            emit(&Line::Done { outcome: &outcome });
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message, 3),
    }
}
