//! The built binary and its stdin/stdout protocol.

mod common;

use common::{exclusive, ok_json, serve};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run_binary(job: &str) -> (Output, Vec<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewrite-bench-engine"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the engine");
    child.stdin.take().unwrap().write_all(job.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let lines = String::from_utf8(output.stdout.clone()).unwrap().lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect();
    (output, lines)
}

fn valid_job(url: &str) -> Value {
    json!({
        "baseUrl": url,
        "sources": [{ "weight": 1, "list": [{ "method": "GET", "path": "/json", "expectStatus": 200 }] }],
        "seed": 1, "model": "open", "connections": 4, "ratePerSecond": 50,
        "warmupSeconds": 0.1, "durationSeconds": 0.5, "timeoutMs": 1000, "verifyEvery": 0, "threads": 1
    })
}

#[test]
fn a_malformed_job_fails_with_exit_2_naming_the_field() {
    let mut job = valid_job("http://127.0.0.1:9");
    job["ratePerSecond"] = json!(-1);
    let (output, lines) = run_binary(&job.to_string());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        lines,
        [json!({ "type": "failed", "message": "Expected `ratePerSecond` in the load job to be a positive number (at most 10000000), got `-1` (number)." })]
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("ratePerSecond"));

    let (output, lines) = run_binary("not json");
    assert_eq!(output.status.code(), Some(2));
    assert!(lines[0]["message"].as_str().unwrap().starts_with("The load job is not valid JSON"));
}

#[test]
fn a_run_writes_ready_window_edges_and_done_then_exits_0() {
    let server = serve(|_, _| ok_json("{}"));
    let _one_at_a_time = exclusive();
    let (output, lines) = run_binary(&valid_job(&server.url()).to_string());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let types: Vec<&str> = lines.iter().map(|line| line["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ready", "window", "window", "done"]);
    assert_eq!(lines[0], json!({ "type": "ready", "engine": { "name": "rewrite-bench-engine", "version": env!("CARGO_PKG_VERSION") }, "threads": 1 }));
    assert_eq!((lines[1]["edge"].as_str(), lines[2]["edge"].as_str()), (Some("start"), Some("end")));
    let outcome = &lines[3]["outcome"];
    for key in [
        "method",
        "engine",
        "threads",
        "model",
        "connections",
        "offeredRps",
        "plannedInWindow",
        "windowSeconds",
        "counts",
        "achievedRps",
        "latencyUs",
        "latencyHistogram",
        "uncorrectedLatencyUs",
        "perSecond",
        "sendLagP90Us",
        "sendLagP99Us",
        "sendLagMaxUs",
        "connectionWaits",
        "connectionWaitP99Us",
        "eventLoopDelayP99Us",
        "firstError",
        "addresses",
        "worker",
        "startLatenessUs",
    ] {
        assert!(outcome.get(key).is_some(), "the outcome has `{key}`");
    }
    assert_eq!(outcome["eventLoopDelayP99Us"], Value::Null);
    assert_eq!(outcome["counts"]["responses"], outcome["plannedInWindow"]);
    for key in ["responses", "expectedStatus", "non2xx", "unexpectedStatus", "errors", "timeouts", "mismatches", "verified", "dropped", "statusCounts"] {
        assert!(outcome["counts"].get(key).is_some(), "the counts have `{key}`");
    }
}
