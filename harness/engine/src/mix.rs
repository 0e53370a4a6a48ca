//! The request mix: each send picks a source by weight (seeded) and takes that source's next
//! request in cycle order; and the sequence numbers that sequenced requests carry. Pure.

use crate::job::SourceSpec;
use crate::rng::SplitMix64;

/// One thread's view of the weighted mix; yields indices into the prepared-request table
/// (which lists every source's requests in job order).
#[derive(Debug, Clone)]
pub struct RequestMix {
    /// Per source: its first index in the table, its length, and its next position.
    sources: Vec<(usize, usize, usize)>,
    /// Running sums of the weights.
    cumulative_weights: Vec<f64>,
    random: SplitMix64,
}

impl RequestMix {
    /// The mix of `sources` for one thread (`stream`) of a run with `seed`.
    pub fn new(sources: &[SourceSpec], seed: u64, stream: u64) -> Self {
        let mut first_index = 0;
        let mut total_weight = 0.0;
        let mut mix = RequestMix { sources: Vec::new(), cumulative_weights: Vec::new(), random: SplitMix64::new(seed, stream) };
        for source in sources {
            mix.sources.push((first_index, source.list.len(), 0));
            first_index += source.list.len();
            total_weight += source.weight;
            mix.cumulative_weights.push(total_weight);
        }
        mix
    }

    /// The index of the next request to send.
    pub fn next_index(&mut self) -> usize {
        let source = if self.sources.len() == 1 {
            0
        } else {
            let target = self.random.next_unit() * self.cumulative_weights[self.cumulative_weights.len() - 1];
            self.cumulative_weights.iter().position(|&sum| sum > target).unwrap_or(self.sources.len() - 1)
        };
        let (first_index, len, position) = &mut self.sources[source];
        let index = *first_index + *position;
        *position = if *position + 1 == *len { 0 } else { *position + 1 };
        index
    }
}

/// Sequence numbers unique across threads without sharing: thread `i` of `T` yields
/// `i + 1, i + 1 + T, i + 1 + 2T, …` (increasing within the thread).
#[derive(Debug, Clone)]
pub struct SequenceCounter {
    next: u64,
    stride: u64,
}

impl SequenceCounter {
    /// The counter of thread `thread_index` of `threads`.
    pub fn new(thread_index: u32, threads: u32) -> Self {
        SequenceCounter { next: u64::from(thread_index) + 1, stride: u64::from(threads) }
    }

    /// The next number.
    pub fn take(&mut self) -> u64 {
        let value = self.next;
        self.next += self.stride;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::RequestSpec;
    use std::collections::{BTreeMap, HashSet};

    fn source(weight: f64, len: usize) -> SourceSpec {
        let request =
            RequestSpec { method: "GET".into(), path: "/".into(), headers: BTreeMap::new(), body: None, expect_status: 200, expect_body: None, sequence: None };
        SourceSpec { weight, list: vec![request; len] }
    }

    #[test]
    fn a_single_source_cycles_in_order() {
        let mut mix = RequestMix::new(&[source(1.0, 3)], 1, 0);
        let order: Vec<usize> = (0..7).map(|_| mix.next_index()).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn sources_are_picked_by_weight_each_in_cycle_order() {
        let mut mix = RequestMix::new(&[source(3.0, 2), source(1.0, 1)], 5, 0);
        let picks: Vec<usize> = (0..40_000).map(|_| mix.next_index()).collect();
        let from_first: Vec<usize> = picks.iter().copied().filter(|&index| index < 2).collect();
        let share = from_first.len() as f64 / picks.len() as f64;
        assert!((share - 0.75).abs() < 0.01, "share {share}");
        assert!(from_first.chunks(2).all(|pair| pair[0] == 0 && pair.get(1).is_none_or(|&second| second == 1)));
        // The same seed gives the same mix.
        let mut again = RequestMix::new(&[source(3.0, 2), source(1.0, 1)], 5, 0);
        assert!(picks.iter().all(|&index| index == again.next_index()));
    }

    #[test]
    fn sequence_numbers_are_unique_across_workers_and_their_threads() {
        use crate::schedule::Lane;
        let mut seen = HashSet::new();
        for worker in 0..3 {
            for thread in 0..2 {
                let lane = Lane { worker, workers: 3, thread, threads: 2 };
                let mut counter = SequenceCounter::new(lane.index(), lane.count());
                for _ in 0..50 {
                    assert!(seen.insert(counter.take()));
                }
            }
        }
        assert_eq!((1..=300).collect::<HashSet<u64>>(), seen);
    }

    #[test]
    fn sequence_numbers_are_unique_across_threads_and_increasing_within_one() {
        let mut seen = HashSet::new();
        for thread in 0..3 {
            let mut counter = SequenceCounter::new(thread, 3);
            let mut last = 0;
            for _ in 0..100 {
                let value = counter.take();
                assert!(value > last);
                last = value;
                assert!(seen.insert(value));
            }
        }
        assert_eq!(seen.len(), 300);
        assert_eq!((1..=300).collect::<HashSet<u64>>(), seen);
    }
}
