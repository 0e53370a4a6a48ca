//! `GET /alloc?nodes=N&seed=S` (allocation pressure): builds a fresh tree of `nodes` nodes from
//! a 64-bit LCG, hashes a depth-first walk with FNV-1a 32, then replaces 100 entries of the
//! process-wide live heap built at start.

use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::AppState;
use crate::query::Query;
use crate::respond::{ApiError, json};

const REPLACED_PER_REQUEST: usize = 100;

/// The long-lived heap: `LIVE_HEAP_OBJECTS` boxed entries, each with a second allocation.
pub struct LiveHeap {
    // Boxed on purpose: the contract wants each entry to be its own heap object.
    #[allow(clippy::vec_box)]
    entries: Mutex<Vec<Box<Entry>>>,
}

/// One live-heap object. Its fields are never read: it exists to occupy the heap.
#[allow(dead_code)]
struct Entry {
    value: u32,
    payload: Vec<u32>,
}

impl Entry {
    fn initial(j: u32) -> Box<Self> {
        Box::new(Entry {
            value: j,
            payload: vec![j, j.wrapping_add(1), j.wrapping_add(2), j.wrapping_add(3)],
        })
    }

    fn replacement(value: u32) -> Box<Self> {
        Box::new(Entry {
            value,
            payload: vec![value; 4],
        })
    }
}

impl LiveHeap {
    pub fn new(len: usize) -> Self {
        let entries = (0..len).map(|j| Entry::initial(j as u32)).collect();
        LiveHeap {
            entries: Mutex::new(entries),
        }
    }

    /// Replaces 100 entries chosen by `rng`. The new entries are allocated and the old ones
    /// freed outside the lock, which is held only for the swaps.
    fn churn(&self, rng: &mut Lcg) {
        let len = self.entries.lock().unwrap_or_else(|e| e.into_inner()).len();
        if len == 0 {
            return;
        }
        let mut fresh: Vec<(usize, Box<Entry>)> = (0..REPLACED_PER_REQUEST)
            .map(|_| {
                let k = (rng.next() as usize) % len;
                (k, Entry::replacement(rng.next()))
            })
            .collect();
        {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            for (k, entry) in &mut fresh {
                std::mem::swap(&mut entries[*k], entry);
            }
        }
        drop(fresh); // the replaced entries
    }
}

/// The contract's PRNG: `state = state * 6364136223846793005 + 1442695040888963407 (mod 2^64)`,
/// yielding the high 32 bits.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }
}

/// A tree node; children are indices into the tree's node arena, in the order appended.
struct Node {
    value: u32,
    children: Vec<u32>,
}

#[derive(Serialize)]
struct AllocResponse {
    nodes: u64,
    seed: u64,
    checksum: String,
}

pub async fn handle(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let nodes = query.uint("nodes", 6, 1..=200_000, 20_000)?;
    let seed = query.uint("seed", 10, 0..=u64::from(u32::MAX), 1)?;

    let mut rng = Lcg(seed);
    let checksum = tree_checksum(nodes as usize, &mut rng);
    state.heap.churn(&mut rng);

    Ok(json(
        StatusCode::OK,
        &AllocResponse {
            nodes,
            seed,
            checksum: format!("{checksum:08x}"),
        },
    ))
}

/// Builds the tree and returns FNV-1a 32 over its values in depth-first pre-order.
fn tree_checksum(count: usize, rng: &mut Lcg) -> u32 {
    let mut nodes: Vec<Node> = Vec::with_capacity(count);
    for i in 0..count {
        nodes.push(Node {
            value: rng.next(),
            children: Vec::new(),
        });
        if i > 0 {
            let parent = rng.next() as usize % i;
            nodes[parent].children.push(i as u32);
        }
    }

    let mut hash: u32 = 0x811c_9dc5;
    let mut stack: Vec<u32> = vec![0];
    while let Some(i) = stack.pop() {
        let node = &nodes[i as usize];
        for b in node.value.to_le_bytes() {
            hash ^= u32::from(b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        // Reversed so that children are visited in the order they were appended.
        stack.extend(node.children.iter().rev());
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_node() {
        let mut rng = Lcg(1);
        let value = Lcg(1).next();
        let mut hash: u32 = 0x811c_9dc5;
        for b in value.to_le_bytes() {
            hash ^= u32::from(b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        assert_eq!(tree_checksum(1, &mut rng), hash);
    }

    #[test]
    fn churn_replaces_entries() {
        let heap = LiveHeap::new(10);
        heap.churn(&mut Lcg(7));
        assert_eq!(heap.entries.lock().unwrap().len(), 10);
        LiveHeap::new(0).churn(&mut Lcg(7));
    }
}
