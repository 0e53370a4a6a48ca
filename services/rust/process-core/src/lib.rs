//! Pure logic of `POST /process` (services/CONTRACT.md §3), shared by the Rust service and the
//! PyO3 extension of the `python-rust` hybrid: request bytes in, status code and exact response
//! bytes out. No I/O; the 413 body-size check belongs to the HTTP layer.
//!
//! The [`json`] module holds the contract's request-JSON rules (objects only, 400 vs 422), which
//! the service's `/items` handlers reuse.

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;

use serde::{Deserialize, Serialize};

pub mod json;

use json::{BodyError, is_token};

/// Error body of a request that is not JSON at all.
pub const INVALID_JSON: &[u8] = br#"{"error":"invalid_json"}"#;
/// Error body of JSON of the wrong shape, type or range.
pub const INVALID_REQUEST: &[u8] = br#"{"error":"invalid_request"}"#;

const MAX_HASH_ROUNDS: u64 = 100_000;
const MAX_PERCENTILES: usize = 10;
const MAX_RECORDS: usize = 10_000;
const MAX_ID: u64 = 999_999_999;
const MAX_AMOUNT: u64 = 1_000_000_000;
const MAX_LATENCY: u64 = 1_000_000_000;
const MAX_TOKEN_LEN: usize = 32;

const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Handles one `/process` request body: returns the HTTP status (200, 400 or 422) and the
/// response body, compact JSON without a trailing newline.
pub fn process(body: &[u8]) -> (u16, Vec<u8>) {
    let request = match json::parse_object::<Request>(body) {
        Ok(request) => request,
        Err(BodyError::InvalidJson) => return (400, INVALID_JSON.to_vec()),
        Err(BodyError::InvalidRequest) => return (422, INVALID_REQUEST.to_vec()),
    };
    let Some(request) = request.validate() else {
        return (422, INVALID_REQUEST.to_vec());
    };
    let response = summarize(&request);
    let bytes = serde_json::to_vec(&response).expect("serializing plain structs cannot fail");
    (200, bytes)
}

/// The request as sent: every field optional so that a missing field and `null` are both
/// caught by [`Request::validate`] (422), like every other shape error.
#[derive(Deserialize)]
struct Request<'a> {
    hash_rounds: Option<u64>,
    percentiles: Option<Vec<u64>>,
    #[serde(borrow)]
    records: Option<Vec<json::Object<Record<'a>>>>,
}

#[derive(Deserialize)]
struct Record<'a> {
    id: Option<u64>,
    #[serde(borrow)]
    user: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    category: Option<std::borrow::Cow<'a, str>>,
    amount_cents: Option<u64>,
    latency_us: Option<u64>,
}

/// A request that passed every rule of the contract.
struct Valid<'a> {
    hash_rounds: u64,
    percentiles: Vec<u64>,
    records: Vec<ValidRecord<'a>>,
}

struct ValidRecord<'a> {
    id: u64,
    user: std::borrow::Cow<'a, str>,
    category: std::borrow::Cow<'a, str>,
    amount_cents: u64,
    latency_us: u64,
}

impl<'a> Request<'a> {
    fn validate(self) -> Option<Valid<'a>> {
        let hash_rounds = self.hash_rounds.filter(|r| *r <= MAX_HASH_ROUNDS)?;
        let percentiles = self.percentiles?;
        if !(1..=MAX_PERCENTILES).contains(&percentiles.len())
            || !percentiles.iter().all(|p| (1..=100).contains(p))
        {
            return None;
        }
        let records = self.records?;
        if !(1..=MAX_RECORDS).contains(&records.len()) {
            return None;
        }
        let records = records
            .into_iter()
            .map(|json::Object(r)| r.validate())
            .collect::<Option<Vec<_>>>()?;
        Some(Valid {
            hash_rounds,
            percentiles,
            records,
        })
    }
}

impl<'a> Record<'a> {
    fn validate(self) -> Option<ValidRecord<'a>> {
        Some(ValidRecord {
            id: self.id.filter(|v| *v <= MAX_ID)?,
            user: self.user.filter(|s| is_token(s, MAX_TOKEN_LEN))?,
            category: self.category.filter(|s| is_token(s, MAX_TOKEN_LEN))?,
            amount_cents: self.amount_cents.filter(|v| *v <= MAX_AMOUNT)?,
            latency_us: self.latency_us.filter(|v| *v <= MAX_LATENCY)?,
        })
    }
}

#[derive(Serialize)]
struct Response<'a> {
    count: usize,
    groups: Vec<GroupOut<'a>>,
    checksum: String,
}

#[derive(Serialize)]
struct GroupOut<'a> {
    category: &'a str,
    count: usize,
    sum_amount_cents: u64,
    min_latency_us: u64,
    max_latency_us: u64,
    distinct_users: usize,
    percentiles: Vec<PercentileOut>,
}

#[derive(Serialize)]
struct PercentileOut {
    p: u64,
    latency_us: u64,
}

/// Per-category accumulator.
struct Group<'a> {
    sum_amount_cents: u64,
    min_latency_us: u64,
    max_latency_us: u64,
    users: HashSet<&'a str>,
    latencies: Vec<u64>,
}

fn summarize<'a>(request: &'a Valid<'a>) -> Response<'a> {
    // BTreeMap<&str, _> iterates in byte order of the category, as the contract requires.
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for r in &request.records {
        let g = groups.entry(&r.category).or_insert_with(|| Group {
            sum_amount_cents: 0,
            min_latency_us: u64::MAX,
            max_latency_us: 0,
            users: HashSet::new(),
            latencies: Vec::new(),
        });
        g.sum_amount_cents += r.amount_cents;
        g.min_latency_us = g.min_latency_us.min(r.latency_us);
        g.max_latency_us = g.max_latency_us.max(r.latency_us);
        g.users.insert(&r.user);
        g.latencies.push(r.latency_us);
    }

    let groups = groups
        .into_iter()
        .map(|(category, mut g)| {
            g.latencies.sort_unstable();
            let n = g.latencies.len() as u64;
            let percentiles = request
                .percentiles
                .iter()
                .map(|&p| PercentileOut {
                    p,
                    // Nearest rank: sorted[ceil(p*n/100) - 1]; p >= 1 and n >= 1 keep it >= 0.
                    latency_us: g.latencies[((p * n).div_ceil(100) - 1) as usize],
                })
                .collect();
            GroupOut {
                category,
                count: g.latencies.len(),
                sum_amount_cents: g.sum_amount_cents,
                min_latency_us: g.min_latency_us,
                max_latency_us: g.max_latency_us,
                distinct_users: g.users.len(),
                percentiles,
            }
        })
        .collect();

    Response {
        count: request.records.len(),
        groups,
        checksum: format!("{:016x}", checksum(request)),
    }
}

/// FNV-1a 64 over every record's line `id|user|category|amount_cents|latency_us\n`, then
/// `hash_rounds` rounds over the previous hash's 8 little-endian bytes.
fn checksum(request: &Valid<'_>) -> u64 {
    let mut hash = FNV64_OFFSET;
    let mut line = Vec::with_capacity(128);
    for r in &request.records {
        line.clear();
        writeln!(
            line,
            "{}|{}|{}|{}|{}",
            r.id, r.user, r.category, r.amount_cents, r.latency_us
        )
        .expect("writing to a Vec cannot fail");
        hash = fnv1a64(hash, &line);
    }
    for _ in 0..request.hash_rounds {
        hash = fnv1a64(FNV64_OFFSET, &hash.to_le_bytes());
    }
    hash
}

fn fnv1a64(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV64_PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str) -> (u16, String) {
        let (status, bytes) = process(body.as_bytes());
        (status, String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn contract_example() {
        let (status, body) = run(
            r#"{"hash_rounds":0,"percentiles":[50,90,99],"records":[{"id":1,"user":"u17","category":"c03","amount_cents":1299,"latency_us":5321}]}"#,
        );
        assert_eq!(status, 200);
        let line = b"1|u17|c03|1299|5321\n";
        let expected = format!(
            r#"{{"count":1,"groups":[{{"category":"c03","count":1,"sum_amount_cents":1299,"min_latency_us":5321,"max_latency_us":5321,"distinct_users":1,"percentiles":[{{"p":50,"latency_us":5321}},{{"p":90,"latency_us":5321}},{{"p":99,"latency_us":5321}}]}}],"checksum":"{:016x}"}}"#,
            fnv1a64(FNV64_OFFSET, line)
        );
        assert_eq!(body, expected);
    }

    #[test]
    fn groups_sorted_and_nearest_rank() {
        let (status, body) = run(r#"{"hash_rounds":2,"percentiles":[1,50,100,50],"records":[
              {"id":1,"user":"a","category":"b","amount_cents":1,"latency_us":40},
              {"id":2,"user":"a","category":"B","amount_cents":2,"latency_us":10},
              {"id":3,"user":"c","category":"b","amount_cents":3,"latency_us":20},
              {"id":4,"user":"d","category":"b","amount_cents":4,"latency_us":30}]}"#);
        assert_eq!(status, 200);
        assert!(body.starts_with(r#"{"count":4,"groups":[{"category":"B","count":1,"#));
        assert!(body.contains(r#"{"category":"b","count":3,"sum_amount_cents":8,"min_latency_us":20,"max_latency_us":40,"distinct_users":3,"percentiles":[{"p":1,"latency_us":20},{"p":50,"latency_us":30},{"p":100,"latency_us":40},{"p":50,"latency_us":30}]}"#));
    }

    #[test]
    fn errors() {
        let bad_json = [
            "",
            " ",
            "{",
            "nope",
            r#"{"hash_rounds":1} x"#,
            r#"{"hash_rounds":5.0,"#,
        ];
        for body in bad_json {
            assert_eq!(run(body).0, 400, "{body:?}");
        }
        let rec = r#"{"id":1,"user":"u","category":"c","amount_cents":1,"latency_us":1}"#;
        let bad_request = [
            "null".to_string(),
            "[]".to_string(),
            "5".to_string(),
            format!(r#"[0,[50],[{rec}]]"#),
            format!(r#"{{"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":null,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":5.0,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":5e0,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":"5","percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":true,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":-1,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":1e400,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":100001,"percentiles":[50],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":1,"percentiles":[],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":1,"percentiles":[0],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":1,"percentiles":[101],"records":[{rec}]}}"#),
            format!(r#"{{"hash_rounds":1,"percentiles":[1,1,1,1,1,1,1,1,1,1,1],"records":[{rec}]}}"#),
            r#"{"hash_rounds":1,"percentiles":[50],"records":[]}"#.to_string(),
            r#"{"hash_rounds":1,"percentiles":[50],"records":[[1,"u","c",1,1]]}"#.to_string(),
            r#"{"hash_rounds":1,"percentiles":[50],"records":[{"id":1,"user":"u","category":"c","amount_cents":1}]}"#.to_string(),
            r#"{"hash_rounds":1,"percentiles":[50],"records":[{"id":1,"user":"u!","category":"c","amount_cents":1,"latency_us":1}]}"#.to_string(),
            r#"{"hash_rounds":1,"percentiles":[50],"records":[{"id":1,"user":"","category":"c","amount_cents":1,"latency_us":1}]}"#.to_string(),
            r#"{"hash_rounds":1,"percentiles":[50],"records":[{"id":1000000000,"user":"u","category":"c","amount_cents":1,"latency_us":1}]}"#.to_string(),
        ];
        for body in &bad_request {
            assert_eq!(
                run(body),
                (422, r#"{"error":"invalid_request"}"#.to_string()),
                "{body}"
            );
        }
        let ok = format!(
            r#"{{"extra":{{"x":[1.5,null]}},"hash_rounds":100000,"percentiles":[100],"records":[{rec}]}}"#
        );
        assert_eq!(run(&ok).0, 200);
        let escaped = r#"{"hash_rounds":0,"percentiles":[50],"records":[{"id":1,"user":"\u0041","category":"c","amount_cents":1,"latency_us":1}]}"#;
        assert_eq!(run(escaped).0, 200);
    }
}
