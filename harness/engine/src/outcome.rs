//! The outcome of a run: the threads' records merged (exactly) and written as the harness's
//! LoadOutcome contract (camelCase JSON; absent figures are null).

use crate::job::{Arrival, Job, Model, WorkerSpec};
use crate::record::{encode_histogram, summarize, Counts, LatencySummary, SecondSummary, ThreadRecord};
use crate::schedule::Lane;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// The engine's name and version, as in every message.
#[derive(Debug, Clone, Serialize)]
pub struct EngineInfo {
    pub name: &'static str,
    pub version: &'static str,
}

/// This build's identity.
pub const ENGINE: EngineInfo = EngineInfo { name: "rewrite-bench-engine", version: env!("CARGO_PKG_VERSION") };

/// Counts of the measured window.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeCounts {
    /// Answers to requests of the window (any status).
    pub responses: u64,
    pub expected_status: u64,
    pub non2xx: u64,
    /// 2xx, but not the status the request expects.
    pub unexpected_status: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub mismatches: u64,
    pub verified: u64,
    pub dropped: u64,
    pub status_counts: BTreeMap<String, u64>,
}

impl From<&Counts> for OutcomeCounts {
    fn from(counts: &Counts) -> Self {
        let statuses = counts.status_counts.iter().enumerate().filter(|(_, &count)| count > 0);
        OutcomeCounts {
            responses: counts.responses,
            expected_status: counts.expected_status,
            non2xx: counts.non2xx,
            unexpected_status: counts.unexpected_status,
            errors: counts.errors,
            timeouts: counts.timeouts,
            mismatches: counts.mismatches,
            verified: counts.verified,
            dropped: counts.dropped,
            status_counts: statuses.map(|(status, &count)| (status.to_string(), count)).collect(),
        }
    }
}

/// The result of one run (the harness's LoadOutcome).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// How the load was made, shown next to every latency figure.
    pub method: String,
    pub engine: EngineInfo,
    pub threads: u32,
    pub model: Model,
    pub connections: u32,
    /// Open loop: the offered rate; null for closed loop.
    pub offered_rps: Option<f64>,
    /// Open loop: sends planned in the window (responses + failures + dropped = planned).
    pub planned_in_window: Option<u64>,
    pub window_seconds: f64,
    pub counts: OutcomeCounts,
    /// Expected-status answers completed inside the window (whenever sent) ÷ window.
    pub achieved_rps: f64,
    /// From the planned send (open loop) or the send (closed loop).
    pub latency_us: Option<LatencySummary>,
    /// The whole latency histogram, HdrHistogram V2 DEFLATE, base64.
    pub latency_histogram: Option<String>,
    /// Open loop only: from the actual write (hides queueing; for comparison).
    pub uncorrected_latency_us: Option<LatencySummary>,
    pub per_second: Vec<SecondSummary>,
    pub send_lag_p90_us: Option<u64>,
    pub send_lag_p99_us: Option<u64>,
    pub send_lag_max_us: Option<u64>,
    /// Diagnostic only (stderr), not part of the contract.
    #[serde(skip)]
    pub send_lag_p50_us: Option<u64>,
    /// Open loop: in-window sends that found no free connection at their planned time.
    pub connection_waits: u64,
    pub connection_wait_p99_us: Option<u64>,
    /// A Node-only figure; always null here.
    pub event_loop_delay_p99_us: Option<u64>,
    pub first_error: Option<String>,
    /// This process's share of a split job (absent: the whole job).
    pub worker: Option<WorkerSpec>,
    /// With `startAtEpochMs`: how long after that instant this worker's schedule started (µs).
    pub start_lateness_us: Option<u64>,
    /// The addresses the load went to (the base URL's host resolved once; connections spread
    /// over them round-robin), as `IP:port`.
    pub addresses: Vec<String>,
}

/// Merges the threads' records and describes the run.
pub fn build_outcome(job: &Job, records: &[ThreadRecord], addresses: &[SocketAddr], start_lateness_ns: Option<u64>) -> Outcome {
    let mut merged = records[0].clone();
    for record in &records[1..] {
        merged.merge(record);
    }
    let open = job.model == Model::Open;
    let plural = if job.threads == 1 { "" } else { "s" };
    let version = ENGINE.version;
    // A worker of a split job reports its own share: its rate and its connections.
    let (worker, workers) = job.worker.map_or((0, 1), |worker| (worker.index, worker.count));
    let connections: u32 = (0..job.threads).map(|thread| Lane { worker, workers, thread, threads: job.threads }.connections(job.connections).1 as u32).sum();
    let rate_per_second = job.rate_per_second.map(|rate| rate / f64::from(workers));
    let share = match job.worker {
        Some(worker) => format!(
            ", worker {} of {} splitting one schedule of {} req/s and {} connections",
            worker.index + 1,
            worker.count,
            job.rate_per_second.map_or("(closed loop)".to_string(), |rate| format!("{rate:.1}")),
            job.connections
        ),
        None => String::new(),
    };
    let method = match (open, job.arrival.unwrap_or(Arrival::Constant)) {
        (true, arrival) => format!(
            "rewrite-bench-engine {version} (native, Rust): open loop, {} arrivals at {:.1} req/s, latency from the planned send time (coordinated-omission safe), {} connections on {} thread{plural}",
            if arrival == Arrival::Poisson { "poisson" } else { "constant" },
            rate_per_second.unwrap_or_default(),
            connections,
            job.threads
        ),
        (false, _) => format!(
            "rewrite-bench-engine {version} (native, Rust): closed loop, {} connections, pipelining 1 (latency restates throughput: Little's law), latency from the actual send, on {} thread{plural}",
            connections, job.threads
        ),
    } + &share;
    let latency = summarize(&merged.latency.total);
    let send_lag = summarize(&merged.send_lag).filter(|_| open);
    Outcome {
        method,
        engine: ENGINE,
        threads: job.threads,
        model: job.model,
        connections,
        offered_rps: rate_per_second.filter(|_| open),
        planned_in_window: open.then_some(merged.planned_in_window),
        window_seconds: job.duration_seconds,
        counts: OutcomeCounts::from(&merged.counts),
        achieved_rps: merged.completed_in_window as f64 / job.duration_seconds,
        latency_histogram: latency.as_ref().map(|_| encode_histogram(&merged.latency.total)),
        latency_us: latency,
        uncorrected_latency_us: summarize(&merged.uncorrected.total).filter(|_| open),
        per_second: merged.latency.per_second(),
        send_lag_p90_us: send_lag.as_ref().map(|lag| lag.p90_us),
        send_lag_p99_us: send_lag.as_ref().map(|lag| lag.p99_us),
        send_lag_max_us: send_lag.as_ref().map(|lag| lag.max_us),
        send_lag_p50_us: send_lag.as_ref().map(|lag| lag.p50_us),
        connection_waits: merged.connection_waits,
        connection_wait_p99_us: summarize(&merged.connection_wait).map(|wait| wait.p99_us),
        event_loop_delay_p99_us: None,
        first_error: merged.counts.first_error.map(|(_, message)| message),
        worker: job.worker,
        start_lateness_us: start_lateness_ns.map(|ns| ns / 1000),
        addresses: addresses.iter().map(SocketAddr::to_string).collect(),
    }
}
