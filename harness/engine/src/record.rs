//! What one worker thread records about its measured window: latency histograms (µs, HDR, 1 µs
//! to 60 s, 3 significant digits; one per second of the window too), send lag, connection
//! waits, and the counts of answers and failures. Recording allocates nothing except the first
//! value of each second of the window; threads merge exactly at the end (HdrHistogram `add`).

use crate::http::PreparedRequest;
use hdrhistogram::Histogram;
use serde::Serialize;

/// Lowest and highest recordable value (µs); values outside are clamped.
pub const LOWEST_US: u64 = 1;
pub const HIGHEST_US: u64 = 60_000_000;
const SIGNIFICANT_DIGITS: u8 = 3;

/// An empty histogram with the engine's bounds.
pub fn new_histogram<T: hdrhistogram::Counter>() -> Histogram<T> {
    Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS).expect("the bounds are valid")
}

/// A duration in ns as the recorded µs value: rounded, clamped to [1 µs, 60 s].
pub fn clamped_us(duration_ns: u64) -> u64 {
    ((duration_ns + 500) / 1000).clamp(LOWEST_US, HIGHEST_US)
}

/// Percentiles of a latency distribution, in microseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencySummary {
    pub count: u64,
    pub min_us: u64,
    pub mean_us: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

/// Percentiles of one histogram, or None when it is empty.
pub fn summarize<T: hdrhistogram::Counter>(histogram: &Histogram<T>) -> Option<LatencySummary> {
    if histogram.is_empty() {
        return None;
    }
    Some(LatencySummary {
        count: histogram.len(),
        min_us: histogram.min_nz(),
        mean_us: histogram.mean().round() as u64,
        p50_us: histogram.value_at_quantile(0.50),
        p90_us: histogram.value_at_quantile(0.90),
        p99_us: histogram.value_at_quantile(0.99),
        p999_us: histogram.value_at_quantile(0.999),
        max_us: histogram.max(),
    })
}

/// One second of the measured window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecondSummary {
    /// Seconds since the window start.
    pub second: u64,
    pub count: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// A latency histogram of the window, with one histogram per second of it.
#[derive(Debug, Clone)]
pub struct LatencyRecorder {
    pub total: Histogram<u64>,
    /// Created on the first value of each second (u32 counts: a second never has 4 billion).
    seconds: Vec<Option<Histogram<u32>>>,
    window_start_ns: u64,
}

impl LatencyRecorder {
    /// A recorder whose seconds count from `window_start_ns`.
    pub fn new(window_start_ns: u64) -> Self {
        LatencyRecorder { total: new_histogram(), seconds: Vec::new(), window_start_ns }
    }

    /// Records `latency_ns` in the second that `at_ns` (the planned or send time) falls in.
    pub fn record(&mut self, latency_ns: u64, at_ns: u64) {
        let value_us = clamped_us(latency_ns);
        self.total.saturating_record(value_us);
        let second = (at_ns.saturating_sub(self.window_start_ns) / 1_000_000_000) as usize;
        if self.seconds.len() <= second {
            self.seconds.resize(second + 1, None);
        }
        self.seconds[second].get_or_insert_with(new_histogram).saturating_record(value_us);
    }

    /// Adds another thread's recorder (same window) into this one.
    pub fn merge(&mut self, other: &LatencyRecorder) {
        self.total.add(&other.total).expect("same bounds");
        if self.seconds.len() < other.seconds.len() {
            self.seconds.resize(other.seconds.len(), None);
        }
        for (mine, theirs) in self.seconds.iter_mut().zip(&other.seconds) {
            if let Some(theirs) = theirs {
                mine.get_or_insert_with(new_histogram).add(theirs).expect("same bounds");
            }
        }
    }

    /// Per-second count, p50, p99 and max; seconds without a value are left out.
    pub fn per_second(&self) -> Vec<SecondSummary> {
        let seconds = self.seconds.iter().enumerate();
        let summaries = seconds.filter_map(|(second, histogram)| Some((second, summarize(histogram.as_ref()?)?)));
        summaries
            .map(|(second, summary)| SecondSummary {
                second: second as u64,
                count: summary.count,
                p50_us: summary.p50_us,
                p99_us: summary.p99_us,
                max_us: summary.max_us,
            })
            .collect()
    }
}

/// The standard compressed encoding of a histogram (HdrHistogram V2 + DEFLATE, cookie
/// 0x1c849304), base64: what `hdr-histogram-js`'s `decodeFromCompressedBase64` reads.
pub fn encode_histogram(histogram: &Histogram<u64>) -> String {
    use base64::Engine as _;
    use hdrhistogram::serialization::Serializer as _;
    let mut bytes = Vec::new();
    hdrhistogram::serialization::V2DeflateSerializer::new().serialize(histogram, &mut bytes).expect("serializing to memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The kinds of failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Error,
    Timeout,
}

/// Counts of the answers and failures of the window's requests, and sampled verification.
#[derive(Debug, Clone)]
pub struct Counts {
    pub responses: u64,
    pub expected_status: u64,
    pub non2xx: u64,
    pub unexpected_status: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub mismatches: u64,
    pub verified: u64,
    pub dropped: u64,
    /// Indexed by status code (0–999).
    pub status_counts: Vec<u64>,
    /// The first failure's message, with when it happened (to merge threads by time).
    pub first_error: Option<(u64, String)>,
    verify_every: u64,
    until_verify: u64,
}

/// How much of a mismatching body the message quotes.
const QUOTED_BODY_BYTES: usize = 120;

impl Counts {
    /// Counts that sample every `verify_every`-th verifiable response (0: none).
    pub fn new(verify_every: u64) -> Self {
        Counts {
            responses: 0,
            expected_status: 0,
            non2xx: 0,
            unexpected_status: 0,
            errors: 0,
            timeouts: 0,
            mismatches: 0,
            verified: 0,
            dropped: 0,
            status_counts: vec![0; 1000],
            first_error: None,
            verify_every,
            until_verify: verify_every,
        }
    }

    /// Whether the next verifiable request's answer should be read and compared.
    pub fn should_verify(&mut self) -> bool {
        if self.verify_every == 0 {
            return false;
        }
        self.until_verify -= 1;
        if self.until_verify > 0 {
            return false;
        }
        self.until_verify = self.verify_every;
        true
    }

    fn note_error(&mut self, message: impl FnOnce() -> String, at_ns: u64) {
        if self.first_error.is_none() {
            self.first_error = Some((at_ns, message()));
        }
    }

    /// Counts an answer at `at_ns`; `body` only when it was sampled for verification.
    pub fn response(&mut self, request: &PreparedRequest, status: u16, body: Option<&[u8]>, at_ns: u64) {
        self.responses += 1;
        self.status_counts[usize::from(status).min(999)] += 1;
        if status == request.expect_status {
            self.expected_status += 1;
        } else if (200..300).contains(&status) {
            self.unexpected_status += 1;
        } else {
            self.non2xx += 1;
        }
        if let (Some(body), Some(expected)) = (body, &request.expect_body) {
            self.verified += 1;
            if body != expected.as_slice() {
                self.mismatches += 1;
                // Quoted as the harness does: the first 120 bytes, each byte one character (latin1).
                let quoted: String = body.iter().take(QUOTED_BODY_BYTES).map(|&byte| char::from(byte)).collect();
                self.note_error(|| format!("body mismatch on {}: got {}", request.label, serde_json::to_string(&quoted).unwrap_or_default()), at_ns);
            }
        }
        if status != request.expect_status {
            self.note_error(|| format!("status {status} on {} (expected {})", request.label, request.expect_status), at_ns);
        }
    }

    /// Counts a failed request.
    pub fn failure(&mut self, kind: Failure, message: impl FnOnce() -> String, at_ns: u64) {
        match kind {
            Failure::Error => self.errors += 1,
            Failure::Timeout => self.timeouts += 1,
        }
        self.note_error(message, at_ns);
    }

    /// Adds another thread's counts.
    pub fn merge(&mut self, other: &Counts) {
        self.responses += other.responses;
        self.expected_status += other.expected_status;
        self.non2xx += other.non2xx;
        self.unexpected_status += other.unexpected_status;
        self.errors += other.errors;
        self.timeouts += other.timeouts;
        self.mismatches += other.mismatches;
        self.verified += other.verified;
        self.dropped += other.dropped;
        for (mine, theirs) in self.status_counts.iter_mut().zip(&other.status_counts) {
            *mine += theirs;
        }
        if let Some((at_ns, message)) = &other.first_error {
            if self.first_error.as_ref().is_none_or(|(mine_ns, _)| at_ns < mine_ns) {
                self.first_error = Some((*at_ns, message.clone()));
            }
        }
    }
}

/// Everything one worker thread recorded.
#[derive(Debug, Clone)]
pub struct ThreadRecord {
    /// From the planned time (open loop) or the send (closed loop).
    pub latency: LatencyRecorder,
    /// Open loop: from the actual write.
    pub uncorrected: LatencyRecorder,
    /// Open loop: write time - planned time, for sends that found a free connection.
    pub send_lag: Histogram<u64>,
    /// Open loop: write time - planned time, for sends that had to wait for a connection.
    pub connection_wait: Histogram<u64>,
    pub counts: Counts,
    pub planned_in_window: u64,
    pub connection_waits: u64,
    /// Expected-status answers completed inside the window, whenever sent.
    pub completed_in_window: u64,
}

impl ThreadRecord {
    /// An empty record for a window starting at `window_start_ns`.
    pub fn new(window_start_ns: u64, verify_every: u64) -> Self {
        ThreadRecord {
            latency: LatencyRecorder::new(window_start_ns),
            uncorrected: LatencyRecorder::new(window_start_ns),
            send_lag: new_histogram(),
            connection_wait: new_histogram(),
            counts: Counts::new(verify_every),
            planned_in_window: 0,
            connection_waits: 0,
            completed_in_window: 0,
        }
    }

    /// Adds another thread's record (exact: histograms add bucket by bucket).
    pub fn merge(&mut self, other: &ThreadRecord) {
        self.latency.merge(&other.latency);
        self.uncorrected.merge(&other.uncorrected);
        self.send_lag.add(&other.send_lag).expect("same bounds");
        self.connection_wait.add(&other.connection_wait).expect("same bounds");
        self.counts.merge(&other.counts);
        self.planned_in_window += other.planned_in_window;
        self.connection_waits += other.connection_waits;
        self.completed_in_window += other.completed_in_window;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::RequestSpec;
    use std::collections::BTreeMap;

    fn request(expect_body: Option<&str>) -> PreparedRequest {
        let spec = RequestSpec {
            method: "GET".into(),
            path: "/json".into(),
            headers: BTreeMap::new(),
            body: None,
            expect_status: 200,
            expect_body: expect_body.map(String::from),
            sequence: None,
        };
        PreparedRequest::new(&spec, "h")
    }

    #[test]
    fn values_are_rounded_and_clamped_to_the_bounds() {
        assert_eq!(clamped_us(0), 1);
        assert_eq!(clamped_us(1_499), 1);
        assert_eq!(clamped_us(1_500), 2);
        assert_eq!(clamped_us(u64::MAX / 2), HIGHEST_US);
    }

    #[test]
    fn merging_threads_is_exact() {
        let mut a = ThreadRecord::new(0, 0);
        let mut b = ThreadRecord::new(0, 0);
        let mut all = LatencyRecorder::new(0);
        for index in 0..1000u64 {
            let (latency_ns, at_ns) = (index * 7_919 % 50_000 * 1000, index * 3_000_000);
            if index % 3 == 0 { &mut a } else { &mut b }.latency.record(latency_ns, at_ns);
            all.record(latency_ns, at_ns);
        }
        a.counts.failure(Failure::Error, || "late".into(), 20);
        b.counts.failure(Failure::Timeout, || "early".into(), 10);
        a.merge(&b);
        assert_eq!(a.latency.total, all.total);
        assert_eq!(summarize(&a.latency.total), summarize(&all.total));
        assert_eq!(a.latency.per_second(), all.per_second());
        assert_eq!(a.latency.per_second().len(), 3);
        assert_eq!((a.counts.errors, a.counts.timeouts), (1, 1));
        assert_eq!(a.counts.first_error.unwrap().1, "early");
    }

    #[test]
    fn summaries_use_value_at_quantile_and_a_rounded_mean() {
        let mut recorder = LatencyRecorder::new(0);
        for value_us in [100u64, 200, 300, 400] {
            recorder.record(value_us * 1000, 0);
        }
        let summary = summarize(&recorder.total).unwrap();
        assert_eq!((summary.count, summary.min_us, summary.mean_us, summary.p50_us, summary.max_us), (4, 100, 250, 200, 400));
        assert!(summarize(&new_histogram::<u64>()).is_none());
    }

    #[test]
    fn responses_are_counted_by_status_and_sampled_bodies_verified() {
        let mut counts = Counts::new(2);
        let good = request(Some("{\"ok\":true}"));
        let samples: Vec<bool> = (0..4).map(|_| counts.should_verify()).collect();
        assert_eq!(samples, [false, true, false, true]);
        counts.response(&good, 200, Some(b"{\"ok\":true}"), 1);
        counts.response(&good, 200, Some(b"{\"x\":1}"), 2);
        counts.response(&good, 201, None, 3);
        counts.response(&good, 500, None, 4);
        assert_eq!((counts.responses, counts.expected_status, counts.unexpected_status, counts.non2xx), (4, 2, 1, 1));
        assert_eq!((counts.verified, counts.mismatches), (2, 1));
        assert_eq!(counts.status_counts[200], 2);
        assert_eq!(counts.first_error.unwrap().1, "body mismatch on GET /json: got \"{\\\"x\\\":1}\"");
        let mut counts = Counts::new(0);
        assert!(!counts.should_verify());
        counts.response(&good, 500, None, 1);
        assert_eq!(counts.first_error.unwrap().1, "status 500 on GET /json (expected 200)");
    }
}
