//! rewrite-bench-engine: the native load engine of rewrite-bench. Open loop (planned send times,
//! latency from the plan: coordinated-omission safe) and closed loop, HTTP/1.1 keep-alive over
//! raw epoll, one event loop per worker thread. `run` is the whole engine; `main.rs` only speaks
//! the stdin/stdout protocol around it.
//!
//! Reading order: `job` (what is asked) → `schedule` and `mix` (what is sent when) → `http`
//! (bytes and parsing) → `conn` (one socket) → `pacing` (precise waits) → `worker` (the loop) →
//! `record` and `outcome` (what is reported).

pub mod clock;
pub mod conn;
pub mod http;
pub mod job;
pub mod mix;
pub mod outcome;
pub mod pacing;
pub mod record;
pub mod rng;
pub mod schedule;
pub mod worker;

use crate::http::PreparedRequest;
use crate::job::{Arrival, Job, Model};
use crate::mix::{RequestMix, SequenceCounter};
use crate::outcome::{build_outcome, Outcome};
use crate::schedule::{Ramp, Schedule};
use crate::worker::{run_worker, WorkerPlan};
use std::sync::Arc;

/// Time from the start of the threads to the first send: enough to open every connection.
const LEAD_NS: u64 = 50_000_000;

/// An edge of the measured window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Start,
    End,
}

/// What the engine reports while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The job is valid and the worker threads are starting.
    Ready { threads: u32 },
    /// An edge of the measured window, signalled from the clock on time.
    Window(Edge),
}

/// Runs a validated job: starts the worker threads, signals the window edges from this thread
/// (sleeping to each edge on the clock, so an edge never depends on a send), then merges the
/// threads' records. The error is fatal (the engine could not work); a service that cannot be
/// reached is not an error here but counts in the outcome.
pub fn run(job: &Job, mut on_event: impl FnMut(Event)) -> Result<Outcome, String> {
    let target = job::parse_base_url(&job.base_url)?;
    let requests: Arc<Vec<PreparedRequest>> =
        Arc::new(job.sources.iter().flat_map(|source| &source.list).map(|spec| PreparedRequest::new(spec, &target.host_header)).collect());
    clock::tighten_timer_slack();
    let start_ns = clock::now_ns() + LEAD_NS;
    let window_start_ns = start_ns + (job.warmup_seconds * 1e9) as u64;
    let window_end_ns = window_start_ns + (job.duration_seconds * 1e9) as u64;
    let threads = job.threads;
    let seed = job.seed as u64;

    on_event(Event::Ready { threads });
    let mut handles = Vec::new();
    for thread_index in 0..threads {
        let connections = (job.connections / threads + u32::from(thread_index < job.connections % threads)) as usize;
        let schedule = job
            .rate_per_second
            .filter(|_| job.model == Model::Open)
            .map(|rate| Schedule::new(rate, job.arrival.unwrap_or(Arrival::Constant), seed, thread_index, threads));
        let thread_rate = job.rate_per_second.unwrap_or_default() / f64::from(threads);
        let plan = WorkerPlan {
            model: job.model,
            connections,
            target: target.addr,
            schedule,
            ramp: Ramp::new(job.warmup_seconds),
            mix: RequestMix::new(&job.sources, seed, u64::from(thread_index)),
            sequence: SequenceCounter::new(thread_index, threads, job.sequence_start),
            start_ns,
            window_start_ns,
            window_end_ns,
            timeout_ns: job.timeout_ms * 1_000_000,
            verify_every: job.verify_every,
            // Little's law bounds useful concurrency; beyond this the run is saturated anyway.
            max_outstanding: (connections * 16).max((thread_rate * job.timeout_ms as f64 / 1000.0).ceil() as usize),
        };
        let requests = Arc::clone(&requests);
        let spawned = std::thread::Builder::new().name(format!("worker-{thread_index}")).spawn(move || run_worker(plan, &requests));
        handles.push(spawned.map_err(|error| format!("cannot start worker thread {thread_index}: {error}"))?);
    }

    clock::sleep_until_ns(window_start_ns);
    on_event(Event::Window(Edge::Start));
    clock::sleep_until_ns(window_end_ns);
    on_event(Event::Window(Edge::End));

    let mut records = Vec::new();
    for handle in handles {
        records.push(handle.join().map_err(|_| "a worker thread panicked".to_string())??);
    }
    Ok(build_outcome(job, &records))
}
