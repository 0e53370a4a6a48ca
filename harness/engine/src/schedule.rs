//! Planned send times of the open loop, per worker thread, and the warm-up ramp that thins them.
//! Latency is measured from these planned times, so a stall of the service shows in the
//! percentiles instead of slowing the load (coordinated omission; wrk2's approach). Pure.

use crate::job::Arrival;
use crate::rng::SplitMix64;

/// One thread's place in the global schedule: thread `thread` of `threads` in worker process
/// `worker` of `workers` (a job without `worker` is worker 0 of 1). The `count()` lanes split
/// one global schedule; lane `index()` is `worker · threads + thread`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lane {
    pub worker: u32,
    pub workers: u32,
    pub thread: u32,
    pub threads: u32,
}

impl Lane {
    /// Thread `thread` of `threads` of a job run by one process.
    pub fn single(thread: u32, threads: u32) -> Self {
        Lane { worker: 0, workers: 1, thread, threads }
    }

    /// This lane's number among all lanes.
    pub fn index(&self) -> u32 {
        self.worker * self.threads + self.thread
    }

    /// Lanes in all (workers × threads).
    pub fn count(&self) -> u32 {
        self.workers * self.threads
    }

    /// This lane's connections of the job's `connections`, spread like the sends: the first
    /// connection's number (counted across all lanes) and how many.
    pub fn connections(&self, connections: u32) -> (usize, usize) {
        let (lanes, lane) = (self.count() as usize, self.index() as usize);
        let (each, extra) = (connections as usize / lanes, connections as usize % lanes);
        (lane * each + lane.min(extra), each + usize::from(lane < extra))
    }
}

/// The planned send offsets (ns from the start of the run) of one worker thread.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Thread `i` of `T` at total rate `r` sends at `(i + k T) / r`: the threads interleave into
    /// one evenly spaced stream.
    Constant { thread_index: u64, threads: u64, ns_per_send: f64, next_index: u64 },
    /// Exponential gaps of mean `T / r` from a stream of its own: independent Poisson streams
    /// superpose into a Poisson stream at the total rate.
    Poisson { mean_gap_ns: f64, at_ns: f64, random: SplitMix64 },
}

impl Schedule {
    /// The schedule of `lane` for the job's global rate: constant, the lane takes sends
    /// `(index + k · count) / rate`; Poisson, a stream of its own at `rate / count`.
    pub fn new(rate_per_second: f64, arrival: Arrival, seed: u64, lane: Lane) -> Self {
        let (thread_index, threads) = (lane.index(), lane.count());
        let ns_per_send = 1e9 / rate_per_second;
        match arrival {
            Arrival::Constant => Schedule::Constant { thread_index: thread_index.into(), threads: threads.into(), ns_per_send, next_index: 0 },
            Arrival::Poisson => {
                let mut schedule = Schedule::Poisson {
                    mean_gap_ns: ns_per_send * f64::from(threads),
                    at_ns: 0.0,
                    random: SplitMix64::new(seed, 0x5043_4845 + u64::from(thread_index)),
                };
                // A Poisson process has no event at 0: the first send comes after a gap too.
                schedule.next_offset_ns();
                schedule
            }
        }
    }

    /// The next planned offset in ns from the start (non-decreasing).
    pub fn next_offset_ns(&mut self) -> u64 {
        match self {
            Schedule::Constant { thread_index, threads, ns_per_send, next_index } => {
                // Computed from the index, not accumulated, so rounding never drifts.
                let offset_ns = (*thread_index + *next_index * *threads) as f64 * *ns_per_send;
                *next_index += 1;
                offset_ns as u64
            }
            Schedule::Poisson { mean_gap_ns, at_ns, random } => {
                let offset_ns = *at_ns;
                // 1 - u is in (0, 1]: never log(0).
                *at_ns += -(1.0 - random.next_unit()).ln() * *mean_gap_ns;
                offset_ns as u64
            }
        }
    }
}

/// The warm-up ramp: over the first half of the warm-up the offered rate rises linearly from 0
/// to the full rate, by keeping a planned send only when a credit (growing by `t / ramp` per
/// planned send at offset `t`) reaches 1. A cold start at full rate (connections just opened,
/// caches cold) builds a backlog that otherwise drains into the measured window. Deterministic.
#[derive(Debug, Clone)]
pub struct Ramp {
    ramp_ns: f64,
    credit: f64,
}

impl Ramp {
    /// A ramp over the first half of `warmup_seconds`.
    pub fn new(warmup_seconds: f64) -> Self {
        Ramp { ramp_ns: warmup_seconds * 1e9 / 2.0, credit: 0.0 }
    }

    /// Whether the send planned at `offset_ns` from the start is sent (always after the ramp).
    pub fn keep(&mut self, offset_ns: u64) -> bool {
        let offset_ns = offset_ns as f64;
        if offset_ns >= self.ramp_ns {
            return true;
        }
        self.credit += offset_ns / self.ramp_ns;
        if self.credit < 1.0 {
            return false;
        }
        self.credit -= 1.0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_spacing_is_exact() {
        let mut schedule = Schedule::new(2000.0, Arrival::Constant, 1, Lane::single(0, 1));
        let offsets: Vec<u64> = (0..4).map(|_| schedule.next_offset_ns()).collect();
        assert_eq!(offsets, [0, 500_000, 1_000_000, 1_500_000]);
    }

    #[test]
    fn threads_split_a_constant_rate_into_interleaved_streams() {
        let mut all: Vec<u64> = (0..3u32)
            .flat_map(|thread| {
                let mut schedule = Schedule::new(3000.0, Arrival::Constant, 1, Lane::single(thread, 3));
                (0..100).map(move |_| schedule.next_offset_ns())
            })
            .collect();
        all.sort_unstable();
        for (index, offset_ns) in all.iter().enumerate() {
            let expected_ns = index as f64 * 1e9 / 3000.0;
            assert!((*offset_ns as f64 - expected_ns).abs() <= 1.0, "send {index}: {offset_ns} vs {expected_ns}");
        }
    }

    /// Every lane of `workers` × `threads`: (worker, thread, lane).
    fn lanes(workers: u32, threads: u32) -> Vec<Lane> {
        (0..workers).flat_map(|worker| (0..threads).map(move |thread| Lane { worker, workers, thread, threads })).collect()
    }

    #[test]
    fn workers_and_threads_split_one_constant_schedule_exactly() {
        // 7,000 req/s (1e9 / 7000 is not a whole number of ns), the first 6,000 global sends.
        let (rate, sends) = (7000.0, 6000u64);
        let mut whole = Schedule::new(rate, Arrival::Constant, 1, Lane::single(0, 1));
        let expected: Vec<u64> = (0..sends).map(|_| whole.next_offset_ns()).collect();
        for workers in [1, 2, 3] {
            for threads in [1, 2, 4] {
                let lanes = lanes(workers, threads);
                let per_lane = sends / u64::from(workers * threads);
                let mut union: Vec<u64> = lanes
                    .iter()
                    .flat_map(|&lane| {
                        let mut schedule = Schedule::new(rate, Arrival::Constant, 1, lane);
                        (0..per_lane).map(move |_| schedule.next_offset_ns())
                    })
                    .collect();
                union.sort_unstable();
                let whole_part = &expected[..(per_lane * u64::from(workers * threads)) as usize];
                assert_eq!(union, whole_part, "{workers} workers × {threads} threads");
            }
        }
    }

    #[test]
    fn poisson_streams_of_all_workers_sum_to_the_global_rate() {
        // 3 workers × 2 threads at 6,000 req/s: 6 independent streams of 1,000 req/s each.
        let horizon_ns = 20_000_000_000u64;
        let mut total = 0u64;
        let mut firsts = Vec::new();
        for lane in lanes(3, 2) {
            let mut schedule = Schedule::new(6000.0, Arrival::Poisson, 7, lane);
            let first = schedule.next_offset_ns();
            firsts.push(first);
            let mut count = 1u64;
            while schedule.next_offset_ns() < horizon_ns {
                count += 1;
            }
            // Each stream: 20,000 expected, standard deviation 141; ±5 % is 7 deviations.
            assert!((19_000..=21_000).contains(&count), "lane {lane:?}: {count}");
            total += count;
        }
        // 120,000 expected in all (sd 346): within 1 %.
        assert!((118_800..=121_200).contains(&total), "{total}");
        firsts.sort_unstable();
        firsts.dedup();
        assert_eq!(firsts.len(), 6, "every stream is its own");
        // Lane numbers are global: worker 1's thread 0 is lane 2 of 6, the stream thread 2 of 6
        // of a single process would have.
        let mut split = Schedule::new(6000.0, Arrival::Poisson, 7, Lane { worker: 1, workers: 3, thread: 0, threads: 2 });
        let mut single = Schedule::new(6000.0, Arrival::Poisson, 7, Lane::single(2, 6));
        assert!((0..100).all(|_| split.next_offset_ns() == single.next_offset_ns()));
    }

    #[test]
    fn connections_split_over_workers_and_threads_like_the_sends() {
        for (workers, threads, connections) in [(1, 1, 8), (2, 2, 10), (3, 2, 64), (3, 1, 3)] {
            let shares: Vec<(usize, usize)> = lanes(workers, threads).iter().map(|lane| lane.connections(connections)).collect();
            assert_eq!(shares.iter().map(|share| share.1).sum::<usize>(), connections as usize);
            assert!(shares.iter().all(|share| share.1 >= 1));
            // Contiguous global numbering: each lane starts where the previous ended.
            for pair in shares.windows(2) {
                assert_eq!(pair[0].0 + pair[0].1, pair[1].0);
            }
            assert_eq!(shares[0].0, 0);
        }
        // 10 over 4 lanes: 3, 3, 2, 2.
        assert_eq!(Lane { worker: 1, workers: 2, thread: 1, threads: 2 }.connections(10), (8, 2));
    }

    #[test]
    fn poisson_mean_gap_matches_the_rate() {
        let mut schedule = Schedule::new(1000.0, Arrival::Poisson, 42, Lane::single(0, 1));
        let count = 100_000;
        let mut last_ns = schedule.next_offset_ns();
        let first_ns = last_ns;
        let mut gaps_below_mean = 0;
        for _ in 0..count {
            let next_ns = schedule.next_offset_ns();
            assert!(next_ns >= last_ns);
            if next_ns - last_ns < 1_000_000 {
                gaps_below_mean += 1;
            }
            last_ns = next_ns;
        }
        let mean_gap_ns = (last_ns - first_ns) as f64 / count as f64;
        assert!((mean_gap_ns - 1e6).abs() < 0.02 * 1e6, "mean gap {mean_gap_ns} ns");
        // Exponential: P(gap < mean) = 1 - 1/e ≈ 0.632.
        let share = f64::from(gaps_below_mean) / count as f64;
        assert!((share - 0.632).abs() < 0.01, "share below mean {share}");
    }

    #[test]
    fn poisson_threads_are_independent_streams_at_their_share_of_the_rate() {
        let mut first = Schedule::new(2000.0, Arrival::Poisson, 9, Lane::single(0, 2));
        let mut second = Schedule::new(2000.0, Arrival::Poisson, 9, Lane::single(1, 2));
        let a: Vec<u64> = (0..10_000).map(|_| first.next_offset_ns()).collect();
        let b: Vec<u64> = (0..10_000).map(|_| second.next_offset_ns()).collect();
        assert_ne!(a[..10], b[..10]);
        // Each runs at 1000 req/s: 10,000 sends take about 10 s.
        for stream in [&a, &b] {
            let seconds = *stream.last().unwrap() as f64 / 1e9;
            assert!((seconds - 10.0).abs() < 0.5, "{seconds} s");
        }
    }

    #[test]
    fn the_warmup_ramp_keeps_half_of_the_ramp_and_all_after_it() {
        // 1000 req/s, 2 s warm-up: 1000 sends planned in the 1 s ramp, about half kept.
        let mut ramp = Ramp::new(2.0);
        let mut schedule = Schedule::new(1000.0, Arrival::Constant, 1, Lane::single(0, 1));
        let mut kept_in_ramp = 0;
        let mut kept_after = 0;
        for _ in 0..2000 {
            let offset_ns = schedule.next_offset_ns();
            if ramp.keep(offset_ns) {
                if offset_ns < 1_000_000_000 {
                    kept_in_ramp += 1;
                } else {
                    kept_after += 1;
                }
            }
        }
        assert!((499..=500).contains(&kept_in_ramp), "{kept_in_ramp}");
        assert_eq!(kept_after, 1000);
        // No warm-up: nothing is thinned.
        let mut none = Ramp::new(0.0);
        assert!(none.keep(0) && none.keep(1));
    }

    #[test]
    fn the_ramp_rises_linearly() {
        // In the ramp's first quarter the kept rate is about an eighth of planned sends (mean of t/ramp over [0, 1/4]).
        let mut ramp = Ramp::new(2.0);
        let kept = (0..250u64).filter(|index| ramp.keep(index * 1_000_000)).count();
        assert!((30..=32).contains(&kept), "{kept}");
    }
}
