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
pub mod target;
pub mod tls;
pub mod worker;

use crate::http::PreparedRequest;
use crate::job::{Arrival, Job, Model};
use crate::mix::{RequestMix, SequenceCounter};
use crate::outcome::{build_outcome, Outcome};
use crate::schedule::{Lane, Ramp, Schedule};
use crate::target::Scheme;
use crate::worker::{run_worker, WorkerPlan};
use std::sync::Arc;
use std::time::Duration;

/// Time from the start of the threads to the first send: enough to open every connection.
const LEAD_NS: u64 = 50_000_000;
/// With `startAtEpochMs` in the past (or too near): the least time to the first send.
const MIN_LEAD_NS: u64 = 1_000_000;
/// A start later than this after `startAtEpochMs` is said on stderr (the outcome always has it).
const START_TOLERANCE_NS: u64 = 1_000_000;

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
    let base = target::parse_base_url(&job.base_url)?;
    // Resolved once; of several addresses only those that accept a connection take load.
    let probe_timeout = Duration::from_millis(job.timeout_ms.min(2000));
    let addresses = target::reachable(target::resolve(&base)?, probe_timeout);
    let tls = match base.scheme {
        Scheme::Https => Some(Arc::new(target::tls_client(&base, job.tls.as_ref().and_then(|tls| tls.ca_pem.as_deref()))?)),
        Scheme::Http => None,
    };
    let requests: Arc<Vec<PreparedRequest>> =
        Arc::new(job.sources.iter().flat_map(|source| &source.list).map(|spec| PreparedRequest::new(spec, &base.authority)).collect());
    clock::tighten_timer_slack();
    // A shared start (several worker processes): the wall-clock instant, converted once to the
    // monotonic clock; already past, the run starts at once and reports how late.
    let planned_start_ns = match job.start_at_epoch_ms {
        Some(epoch_ms) => clock::monotonic_of_epoch_ns((epoch_ms * 1e6) as i128),
        None => clock::now_ns() + LEAD_NS,
    };
    let start_ns = planned_start_ns.max(clock::now_ns() + MIN_LEAD_NS);
    let start_lateness_ns = start_ns - planned_start_ns;
    if job.start_at_epoch_ms.is_some() && start_lateness_ns > START_TOLERANCE_NS {
        eprintln!("rewrite-bench-engine: started {} ms after startAtEpochMs (the job came too late)", start_lateness_ns / 1_000_000);
    }
    let window_start_ns = start_ns + (job.warmup_seconds * 1e9) as u64;
    let window_end_ns = window_start_ns + (job.duration_seconds * 1e9) as u64;
    let threads = job.threads;
    let seed = job.seed as u64;
    let (worker, workers) = job.worker.map_or((0, 1), |worker| (worker.index, worker.count));

    on_event(Event::Ready { threads });
    let mut handles = Vec::new();
    for thread_index in 0..threads {
        // This thread's lane of the global schedule (its worker's threads, then the next worker's).
        let lane = Lane { worker, workers, thread: thread_index, threads };
        let (first_connection, connections) = lane.connections(job.connections);
        // Connection c of the job (counted across threads and workers) goes to address c mod n.
        let thread_addresses = target::connection_addresses(&addresses, first_connection, connections);
        let schedule =
            job.rate_per_second.filter(|_| job.model == Model::Open).map(|rate| Schedule::new(rate, job.arrival.unwrap_or(Arrival::Constant), seed, lane));
        let thread_rate = job.rate_per_second.unwrap_or_default() / f64::from(lane.count());
        let plan = WorkerPlan {
            model: job.model,
            connections,
            addresses: thread_addresses,
            tls: tls.clone(),
            schedule,
            ramp: Ramp::new(job.warmup_seconds),
            mix: RequestMix::new(&job.sources, seed, u64::from(lane.index())),
            sequence: SequenceCounter::new(lane.index(), lane.count()),
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
    Ok(build_outcome(job, &records, &addresses, job.start_at_epoch_ms.map(|_| start_lateness_ns)))
}
