//! The load job: the one JSON object the harness writes to the engine's stdin. It is checked field
//! by field on the raw JSON first, so that a bad job fails with a message naming the field, what
//! was expected and what was found; then serde (with `deny_unknown_fields`) builds the typed job.

use crate::target::{parse_base_url, parse_ca_pem, Scheme};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// How the load is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Sends at planned times, whatever the service does (latency from the planned time).
    Open,
    /// Each connection sends its next request when the previous answer is complete.
    Closed,
}

/// How open-loop send times are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrival {
    /// Evenly, `1 / rate` apart.
    Constant,
    /// Exponential gaps of mean `1 / rate` (seeded).
    Poisson,
}

/// One request of a source's list, as the harness prepared it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSpec {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub expect_status: u16,
    pub expect_body: Option<String>,
    /// A token in the path and/or body that each send replaces with a unique increasing integer.
    pub sequence: Option<String>,
}

/// One weighted entry of the request mix: a list sent in cycle order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceSpec {
    pub weight: f64,
    pub list: Vec<RequestSpec>,
}

/// A validated load job.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Job {
    pub base_url: String,
    pub sources: Vec<SourceSpec>,
    pub seed: i64,
    pub model: Model,
    pub connections: u32,
    /// Open loop only (required there, absent for closed loop).
    pub rate_per_second: Option<f64>,
    /// Open loop only; constant when absent.
    pub arrival: Option<Arrival>,
    pub warmup_seconds: f64,
    pub duration_seconds: f64,
    pub timeout_ms: u64,
    /// Compare every Nth sampled body with its `expectBody` (0: never).
    pub verify_every: u64,
    /// Worker threads; 1 when absent.
    #[serde(default = "one_thread")]
    pub threads: u32,
    /// `https://` only: extra trust (beside the system's CA bundle).
    pub tls: Option<TlsSpec>,
    /// This process's share of a job split over several worker processes (absent: all of it).
    pub worker: Option<WorkerSpec>,
    /// When the schedule starts, in ms since the Unix epoch (wall clock): every worker of a
    /// split job starts at the same instant. Absent: 50 ms after the job is read.
    pub start_at_epoch_ms: Option<f64>,
}

/// Worker `index` of `count` processes that split one job's schedule, connections and sequence
/// numbers exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSpec {
    pub index: u32,
    pub count: u32,
}

/// The TLS options of an `https://` job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsSpec {
    /// PEM certificates of CAs to trust beside the system's (a private CA, a self-signed server).
    pub ca_pem: Option<String>,
}

fn one_thread() -> u32 {
    1
}

/// Largest values the engine accepts (a job beyond them is a mistake, not a benchmark): one set
/// with the harness's config schemas, from `limits.json` beside Cargo.toml.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub connections: u64,
    pub threads: u64,
    pub rate_per_second: f64,
    pub warmup_seconds: f64,
    pub duration_seconds: f64,
    pub timeout_ms: u64,
}

/// The limits built into this engine.
pub fn limits() -> &'static Limits {
    static LIMITS: std::sync::OnceLock<Limits> = std::sync::OnceLock::new();
    LIMITS.get_or_init(|| serde_json::from_str(include_str!("../limits.json")).expect("limits.json is valid (a unit test reads it)"))
}
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
/// Headers the engine writes itself (from the base URL and the body).
const RESERVED_HEADERS: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

const JOB_KEYS: [&str; 15] = [
    "baseUrl",
    "sources",
    "seed",
    "model",
    "connections",
    "ratePerSecond",
    "arrival",
    "warmupSeconds",
    "durationSeconds",
    "timeoutMs",
    "verifyEvery",
    "threads",
    "tls",
    "worker",
    "startAtEpochMs",
];
const WORKER_KEYS: [&str; 2] = ["index", "count"];
/// Most worker processes a job can be split over.
pub const MAX_WORKERS: i64 = 1024;
const TLS_KEYS: [&str; 1] = ["caPem"];
const SOURCE_KEYS: [&str; 2] = ["weight", "list"];
const REQUEST_KEYS: [&str; 7] = ["method", "path", "headers", "body", "expectStatus", "expectBody", "sequence"];

/// Parses and validates a job; the error is the message for the harness.
pub fn parse_job(text: &str) -> Result<Job, String> {
    let value: Value = serde_json::from_str(text).map_err(|error| format!("The load job is not valid JSON: {error}."))?;
    check_job(&value)?;
    // The checks above cover every field, so this only fails if they missed a case.
    serde_json::from_value(value).map_err(|error| format!("The load job does not match its schema: {error}."))
}

// ---- The checks on the raw JSON -------------------------------------------------------------

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn describe(found: Option<&Value>) -> String {
    match found {
        None => "nothing (the field is missing)".to_string(),
        Some(value) => {
            let mut text = value.to_string();
            if text.len() > 80 {
                let mut cut = 77;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push_str("...");
            }
            format!("`{text}` ({})", kind(value))
        }
    }
}

/// The standard message: ``Expected `field` in the load job to be WHAT, got `found` (kind).``
fn expected(field: &str, what: &str, found: Option<&Value>) -> String {
    format!("Expected `{field}` in the load job to be {what}, got {}.", describe(found))
}

/// One JSON object of the job, with the path of its fields for messages (`sources[0].list[1].`).
struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    fn new(value: &'a Value, name: &str, prefix: String, keys: &[&str]) -> Result<Self, String> {
        let object = value.as_object().ok_or_else(|| match prefix.is_empty() {
            true => format!("Expected the load job to be a JSON object, got {}.", describe(Some(value))),
            false => expected(name, "a JSON object", Some(value)),
        })?;
        for key in object.keys() {
            if !keys.contains(&key.as_str()) {
                return Err(format!("Unknown key `{prefix}{key}` in the load job (expected one of: {}).", keys.join(", ")));
            }
        }
        Ok(Fields { object, prefix })
    }

    fn path(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The value of an optional field (null counts as absent).
    fn optional(&self, key: &str) -> Option<&'a Value> {
        self.object.get(key).filter(|value| !value.is_null())
    }

    fn required(&self, key: &str, what: &str) -> Result<&'a Value, String> {
        self.object.get(key).ok_or_else(|| expected(&self.path(key), what, None))
    }

    fn check(&self, key: &str, what: &str, value: &Value, ok: bool) -> Result<(), String> {
        if ok {
            Ok(())
        } else {
            Err(expected(&self.path(key), what, Some(value)))
        }
    }

    /// A required number that passes `ok`.
    fn number(&self, key: &str, what: &str, ok: impl Fn(f64) -> bool) -> Result<f64, String> {
        let value = self.required(key, what)?;
        let number = value.as_f64().filter(|number| number.is_finite() && ok(*number));
        self.check(key, what, value, number.is_some())?;
        Ok(number.unwrap_or_default())
    }

    /// An integer (a JSON integer literal) that passes `ok`.
    fn integer_value(&self, key: &str, what: &str, value: &Value, ok: impl Fn(i64) -> bool) -> Result<i64, String> {
        let integer = value.as_i64().filter(|integer| ok(*integer));
        self.check(key, what, value, integer.is_some())?;
        Ok(integer.unwrap_or_default())
    }

    /// An optional number that passes `ok`.
    fn optional_number(&self, key: &str, what: &str, ok: impl Fn(f64) -> bool) -> Result<Option<f64>, String> {
        match self.optional(key) {
            None => Ok(None),
            Some(_) => self.number(key, what, ok).map(Some),
        }
    }

    fn integer(&self, key: &str, what: &str, ok: impl Fn(i64) -> bool) -> Result<i64, String> {
        let value = self.required(key, what)?;
        self.integer_value(key, what, value, ok)
    }

    fn string(&self, key: &str, what: &str, ok: impl Fn(&str) -> bool) -> Result<&'a str, String> {
        let value = self.required(key, what)?;
        self.string_value(key, what, value, ok)
    }

    fn string_value(&self, key: &str, what: &str, value: &'a Value, ok: impl Fn(&str) -> bool) -> Result<&'a str, String> {
        let text = value.as_str().filter(|text| ok(text));
        self.check(key, what, value, text.is_some())?;
        Ok(text.unwrap_or_default())
    }

    fn optional_string(&self, key: &str, what: &str, ok: impl Fn(&str) -> bool) -> Result<Option<&'a str>, String> {
        match self.optional(key) {
            None => Ok(None),
            Some(value) => self.string_value(key, what, value, ok).map(Some),
        }
    }

    fn array(&self, key: &str, what: &str) -> Result<&'a [Value], String> {
        let value = self.required(key, what)?;
        let items = value.as_array().filter(|items| !items.is_empty());
        self.check(key, what, value, items.is_some())?;
        Ok(items.map(Vec::as_slice).unwrap_or_default())
    }
}

fn check_job(value: &Value) -> Result<(), String> {
    let &Limits {
        connections: max_connections,
        threads: max_threads,
        rate_per_second: max_rate_per_second,
        warmup_seconds: max_warmup_seconds,
        duration_seconds: max_duration_seconds,
        timeout_ms: max_timeout_ms,
    } = limits();
    let job = Fields::new(value, "the load job", String::new(), &JOB_KEYS)?;
    let url_value = job.required("baseUrl", "an http:// or https:// URL")?;
    let url = job.string_value("baseUrl", "an http:// or https:// URL", url_value, |_| true)?;
    let base = parse_base_url(url).map_err(|what| expected("baseUrl", &what, Some(url_value)))?;
    if let Some(tls) = job.optional("tls") {
        if base.scheme != Scheme::Https {
            return Err(expected("tls", "absent for an http:// baseUrl (it applies to https:// only)", Some(tls)));
        }
        let tls = Fields::new(tls, "tls", "tls.".into(), &TLS_KEYS)?;
        if let Some(pem) = tls.optional_string("caPem", "PEM text of CA certificates", |_| true)? {
            parse_ca_pem(pem).map_err(|what| expected("tls.caPem", &what, tls.optional("caPem")))?;
        }
    }

    let sources = job.array("sources", "a non-empty array of request sources")?;
    for (index, source) in sources.iter().enumerate() {
        check_source(source, index)?;
    }
    job.integer("seed", "an integer", |_| true)?;
    let model = job.string("model", "`open` or `closed`", |text| text == "open" || text == "closed")?;
    let connections = job.integer("connections", &format!("an integer from 1 to {max_connections}"), |n| (1..=max_connections as i64).contains(&n))?;
    let rate_what = format!("a positive number (at most {max_rate_per_second})");
    match (model, job.optional("ratePerSecond")) {
        ("open", _) => {
            job.number("ratePerSecond", &rate_what, |rate| rate > 0.0 && rate <= max_rate_per_second)?;
        }
        (_, Some(rate)) => return Err(expected("ratePerSecond", "absent in a closed-loop job (the service sets its rate)", Some(rate))),
        (_, None) => {}
    }
    job.optional_string("arrival", "`constant` or `poisson`", |text| text == "constant" || text == "poisson")?;
    job.number("warmupSeconds", &format!("a number from 0 to {max_warmup_seconds}"), |seconds| (0.0..=max_warmup_seconds).contains(&seconds))?;
    job.number("durationSeconds", &format!("a positive number (at most {max_duration_seconds})"), |seconds| seconds > 0.0 && seconds <= max_duration_seconds)?;
    job.integer("timeoutMs", &format!("an integer from 1 to {max_timeout_ms}"), |ms| (1..=max_timeout_ms as i64).contains(&ms))?;
    job.integer("verifyEvery", "a non-negative integer (0: never verify)", |n| n >= 0)?;
    let mut threads = 1;
    if let Some(value) = job.optional("threads") {
        threads = job.integer_value("threads", &format!("an integer from 1 to {max_threads}"), value, |n| (1..=max_threads as i64).contains(&n))?;
        job.integer_value("threads", &format!("at most `connections` ({connections})"), value, |n| n <= connections)?;
    }
    if let Some(value) = job.optional("worker") {
        let worker = Fields::new(value, "worker", "worker.".into(), &WORKER_KEYS)?;
        let count = worker.integer("count", &format!("an integer from 1 to {MAX_WORKERS}"), |n| (1..=MAX_WORKERS).contains(&n))?;
        worker.integer("index", &format!("an integer from 0 to `worker.count` - 1 ({})", count - 1), |n| (0..count).contains(&n))?;
        if threads * count > connections {
            return Err(format!(
                "Expected `connections` in the load job to be at least `threads` × `worker.count` ({threads} × {count} = {}): every thread of every worker needs a connection, got `{connections}` (number).",
                threads * count
            ));
        }
    }
    job.optional_number("startAtEpochMs", "a time in ms since the Unix epoch (a positive number)", |ms| ms > 0.0)?;
    Ok(())
}

fn check_source(value: &Value, index: usize) -> Result<(), String> {
    let name = format!("sources[{index}]");
    let source = Fields::new(value, &name, format!("{name}."), &SOURCE_KEYS)?;
    source.number("weight", "a positive number", |weight| weight > 0.0)?;
    let list = source.array("list", "a non-empty array of requests")?;
    for (position, request) in list.iter().enumerate() {
        check_request(request, &format!("{name}.list[{position}]"))?;
    }
    Ok(())
}

fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

fn check_request(value: &Value, name: &str) -> Result<(), String> {
    let request = Fields::new(value, name, format!("{name}."), &REQUEST_KEYS)?;
    request.string("method", &format!("one of {}", METHODS.join(", ")), |method| METHODS.contains(&method))?;
    let path = request.string("path", "a path starting with `/`, without spaces or control characters", |path| {
        path.starts_with('/') && !path.bytes().any(|byte| byte <= b' ' || byte == 0x7f)
    })?;
    if let Some(headers) = request.optional("headers") {
        let object = headers.as_object().ok_or_else(|| expected(&request.path("headers"), "an object of header names to string values", Some(headers)))?;
        for (header, header_value) in object {
            let field = format!("{name}.headers.{header}");
            if !is_token(header) {
                return Err(expected(&format!("{name}.headers"), "an object whose keys are header names (HTTP tokens)", Some(&Value::String(header.clone()))));
            }
            if RESERVED_HEADERS.contains(&header.to_ascii_lowercase().as_str()) {
                return Err(expected(&field, "absent (the engine writes host, content-length, transfer-encoding and connection itself)", Some(header_value)));
            }
            let ok = header_value.as_str().is_some_and(|text| !text.contains(['\r', '\n', '\0']));
            if !ok {
                return Err(expected(&field, "a string without CR, LF or NUL", Some(header_value)));
            }
        }
    }
    let body = request.optional_string("body", "a string", |_| true)?;
    request.integer("expectStatus", "an HTTP status from 100 to 599", |status| (100..=599).contains(&status))?;
    request.optional_string("expectBody", "a string", |_| true)?;
    let sequence_what = "a non-empty token that occurs in the path or the body";
    request.optional_string("sequence", sequence_what, |token| !token.is_empty() && (path.contains(token) || body.is_some_and(|body| body.contains(token))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "baseUrl": "http://127.0.0.1:41235",
            "sources": [{ "weight": 3, "list": [{ "method": "GET", "path": "/json", "headers": { "x-a": "b" }, "expectStatus": 200, "expectBody": "{\"ok\":true}" }] }],
            "seed": 1, "model": "open", "connections": 32, "ratePerSecond": 2000, "arrival": "constant",
            "warmupSeconds": 1, "durationSeconds": 3, "timeoutMs": 10000, "verifyEvery": 50, "threads": 1
        })
    }

    fn error_with(edit: impl FnOnce(&mut Value)) -> String {
        let mut job = valid();
        edit(&mut job);
        parse_job(&job.to_string()).expect_err("the job should be rejected")
    }

    #[test]
    fn a_valid_job_parses() {
        let job = parse_job(&valid().to_string()).unwrap();
        assert_eq!(job.model, Model::Open);
        assert_eq!(job.rate_per_second, Some(2000.0));
        assert_eq!(job.arrival, Some(Arrival::Constant));
        assert_eq!(job.sources[0].list[0].headers["x-a"], "b");
        assert_eq!(job.threads, 1);
    }

    #[test]
    fn the_message_names_the_field_what_was_expected_and_what_was_found() {
        let message = error_with(|job| job["ratePerSecond"] = json!(-1));
        assert_eq!(message, "Expected `ratePerSecond` in the load job to be a positive number (at most 10000000), got `-1` (number).");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("`baseUrl`", Box::new(|job| job["baseUrl"] = json!(5))),
            ("`sources`", Box::new(|job| job["sources"] = json!([]))),
            ("`sources[0].weight`", Box::new(|job| job["sources"][0]["weight"] = json!(0))),
            ("`sources[0].list`", Box::new(|job| job["sources"][0]["list"] = json!("x"))),
            ("`sources[0].list[0].method`", Box::new(|job| job["sources"][0]["list"][0]["method"] = json!("FETCH"))),
            ("`sources[0].list[0].path`", Box::new(|job| job["sources"][0]["list"][0]["path"] = json!("json"))),
            ("`sources[0].list[0].headers.x-a`", Box::new(|job| job["sources"][0]["list"][0]["headers"]["x-a"] = json!(1))),
            ("`sources[0].list[0].headers.Host`", Box::new(|job| job["sources"][0]["list"][0]["headers"]["Host"] = json!("a"))),
            ("`sources[0].list[0].expectStatus`", Box::new(|job| job["sources"][0]["list"][0]["expectStatus"] = json!("200"))),
            ("`sources[0].list[0].sequence`", Box::new(|job| job["sources"][0]["list"][0]["sequence"] = json!("{{seq}}"))),
            ("`seed`", Box::new(|job| job["seed"] = json!(1.5))),
            ("`model`", Box::new(|job| job["model"] = json!("burst"))),
            ("`connections`", Box::new(|job| job["connections"] = json!(0))),
            ("`arrival`", Box::new(|job| job["arrival"] = json!("uniform"))),
            ("`warmupSeconds`", Box::new(|job| job["warmupSeconds"] = json!(-1))),
            ("`durationSeconds`", Box::new(|job| job["durationSeconds"] = json!(0))),
            ("`timeoutMs`", Box::new(|job| job["timeoutMs"] = json!(2.5))),
            ("`verifyEvery`", Box::new(|job| job["verifyEvery"] = json!(-3))),
            ("`threads`", Box::new(|job| job["threads"] = json!(0))),
            ("`durationSeconds`", Box::new(|job| drop(job.as_object_mut().unwrap().remove("durationSeconds")))),
        ];
        for (field, edit) in cases {
            let message = error_with(edit);
            assert!(message.starts_with(&format!("Expected {field} in the load job to be ")), "{field}: {message}");
        }
    }

    #[test]
    fn a_missing_field_says_so() {
        let message = error_with(|job| drop(job.as_object_mut().unwrap().remove("timeoutMs")));
        assert_eq!(message, "Expected `timeoutMs` in the load job to be an integer from 1 to 600000, got nothing (the field is missing).");
    }

    #[test]
    fn unknown_keys_are_errors_at_every_level() {
        assert!(error_with(|job| job["rate"] = json!(1)).starts_with("Unknown key `rate` in the load job"));
        assert!(error_with(|job| job["sources"][0]["list"][0]["expectedStatus"] = json!(200)).starts_with("Unknown key `sources[0].list[0].expectedStatus`"));
        assert!(error_with(|job| job["sources"][0]["dynamic"] = json!({})).starts_with("Unknown key `sources[0].dynamic`"));
    }

    #[test]
    fn closed_loop_forbids_a_rate_and_open_loop_requires_one() {
        let message = error_with(|job| job["model"] = json!("closed"));
        assert_eq!(message, "Expected `ratePerSecond` in the load job to be absent in a closed-loop job (the service sets its rate), got `2000` (number).");
        let message = error_with(|job| drop(job.as_object_mut().unwrap().remove("ratePerSecond")));
        assert!(message.starts_with("Expected `ratePerSecond` in the load job to be a positive number"), "{message}");
        let mut closed = valid();
        closed["model"] = json!("closed");
        closed.as_object_mut().unwrap().remove("ratePerSecond");
        assert_eq!(parse_job(&closed.to_string()).unwrap().rate_per_second, None);
    }

    #[test]
    fn threads_cannot_exceed_connections() {
        let message = error_with(|job| {
            job["threads"] = json!(4);
            job["connections"] = json!(2);
        });
        assert_eq!(message, "Expected `threads` in the load job to be at most `connections` (2), got `4` (number).");
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        for url in ["ftp://127.0.0.1:1", "http://127.0.0.1:1/api", "http://127.0.0.1:0", "http://127.0.0.1:x", "127.0.0.1:80", "http://", "http://a b"] {
            let message = error_with(|job| job["baseUrl"] = json!(url));
            assert!(message.starts_with("Expected `baseUrl` in the load job to be an http:// or https:// URL"), "{url}: {message}");
            assert!(message.contains(url), "{message}");
        }
        for url in ["http://api-rust.shop.svc.cluster.local:8080", "https://127.0.0.1:8443", "http://localhost"] {
            let mut job = valid();
            job["baseUrl"] = json!(url);
            assert_eq!(parse_job(&job.to_string()).unwrap().base_url, url);
        }
    }

    #[test]
    fn tls_options_apply_to_https_only_and_need_certificates() {
        let message = error_with(|job| job["tls"] = json!({ "caPem": "x" }));
        assert_eq!(
            message,
            "Expected `tls` in the load job to be absent for an http:// baseUrl (it applies to https:// only), got `{\"caPem\":\"x\"}` (object)."
        );
        let message = error_with(|job| {
            job["baseUrl"] = json!("https://localhost:8443");
            job["tls"] = json!({ "caPem": "no certificate" });
        });
        assert!(message.starts_with("Expected `tls.caPem` in the load job to be PEM text with at least one"), "{message}");
        let message = error_with(|job| {
            job["baseUrl"] = json!("https://localhost:8443");
            job["tls"] = json!({ "caFile": "/x" });
        });
        assert!(message.starts_with("Unknown key `tls.caFile` in the load job"), "{message}");
    }

    #[test]
    fn a_job_at_every_limit_is_valid_and_one_past_any_is_not() {
        let limits = limits();
        assert_eq!((limits.connections, limits.threads, limits.timeout_ms), (100_000, 256, 600_000));
        let mut at_limits = valid();
        at_limits["connections"] = json!(limits.connections);
        at_limits["threads"] = json!(limits.threads);
        at_limits["ratePerSecond"] = json!(limits.rate_per_second);
        at_limits["warmupSeconds"] = json!(limits.warmup_seconds);
        at_limits["durationSeconds"] = json!(limits.duration_seconds);
        at_limits["timeoutMs"] = json!(limits.timeout_ms);
        parse_job(&at_limits.to_string()).unwrap();
        for (key, past) in [
            ("connections", json!(limits.connections + 1)),
            ("ratePerSecond", json!(limits.rate_per_second * 1.000_001)),
            ("warmupSeconds", json!(limits.warmup_seconds + 0.001)),
            ("durationSeconds", json!(limits.duration_seconds + 0.001)),
            ("timeoutMs", json!(limits.timeout_ms + 1)),
        ] {
            let mut job = at_limits.clone();
            job[key] = past;
            let message = parse_job(&job.to_string()).unwrap_err();
            assert!(message.starts_with(&format!("Expected `{key}` in the load job to be")), "{message}");
        }
        let mut job = at_limits;
        job["threads"] = json!(limits.threads + 1);
        assert!(parse_job(&job.to_string()).unwrap_err().starts_with("Expected `threads` in the load job to be an integer from 1 to 256"));
    }

    #[test]
    fn a_worker_share_and_a_start_time_are_checked() {
        let mut job = valid();
        job["worker"] = json!({ "index": 2, "count": 3 });
        job["startAtEpochMs"] = json!(1_780_000_000_000.5);
        let parsed = parse_job(&job.to_string()).unwrap();
        assert_eq!(parsed.worker, Some(WorkerSpec { index: 2, count: 3 }));
        assert_eq!(parsed.start_at_epoch_ms, Some(1_780_000_000_000.5));
        let message = error_with(|job| job["worker"] = json!({ "index": 3, "count": 3 }));
        assert_eq!(message, "Expected `worker.index` in the load job to be an integer from 0 to `worker.count` - 1 (2), got `3` (number).");
        let message = error_with(|job| job["worker"] = json!({ "index": 0, "count": 0 }));
        assert!(message.starts_with("Expected `worker.count` in the load job to be an integer from 1 to 1024"), "{message}");
        let message = error_with(|job| job["worker"] = json!({ "index": 0 }));
        assert!(message.contains("`worker.count`") && message.contains("missing"), "{message}");
        let message = error_with(|job| job["worker"] = json!({ "index": 0, "count": 2, "of": 1 }));
        assert!(message.starts_with("Unknown key `worker.of` in the load job"), "{message}");
        let message = error_with(|job| {
            job["worker"] = json!({ "index": 0, "count": 40 });
            job["threads"] = json!(1);
        });
        assert_eq!(message, "Expected `connections` in the load job to be at least `threads` × `worker.count` (1 × 40 = 40): every thread of every worker needs a connection, got `32` (number).");
        let message = error_with(|job| job["startAtEpochMs"] = json!("soon"));
        assert_eq!(message, "Expected `startAtEpochMs` in the load job to be a time in ms since the Unix epoch (a positive number), got `\"soon\"` (string).");
    }

    #[test]
    fn malformed_json_is_reported() {
        assert!(parse_job("{").unwrap_err().starts_with("The load job is not valid JSON"));
        assert_eq!(parse_job("[]").unwrap_err(), "Expected the load job to be a JSON object, got `[]` (array).");
    }
}
