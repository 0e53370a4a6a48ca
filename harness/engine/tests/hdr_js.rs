//! The encoded histogram must decode with the harness's JS library, `hdr-histogram-js`
//! (`decodeFromCompressedBase64`). Runs only where node and that package are present: the
//! repository's node_modules after `npm ci`, or the package folder named by HDR_HISTOGRAM_JS.

use rewrite_bench_engine::record::{encode_histogram, summarize, LatencyRecorder};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn hdr_histogram_js() -> Option<PathBuf> {
    let candidates =
        [std::env::var_os("HDR_HISTOGRAM_JS").map(PathBuf::from), Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/hdr-histogram-js"))];
    candidates.into_iter().flatten().find(|path| path.join("package.json").exists())
}

#[test]
fn the_encoded_histogram_decodes_with_hdr_histogram_js() {
    let Some(package) = hdr_histogram_js() else {
        eprintln!("skipped: hdr-histogram-js not found (run npm ci at the repository root, or set HDR_HISTOGRAM_JS)");
        return;
    };
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node not found");
        return;
    }
    // A spread like a real run's: mostly tens of µs, a tail into hundreds of ms.
    let mut recorder = LatencyRecorder::new(0);
    for index in 0..20_000u64 {
        let latency_us = match index % 100 {
            0 => 150_000 + index,
            1..=5 => 2_000 + index % 997,
            _ => 40 + index % 61,
        };
        recorder.record(latency_us * 1000, 0);
    }
    let summary = summarize(&recorder.total).unwrap();
    let script = "const hdr = require(process.argv[1]);\
        const h = hdr.decodeFromCompressedBase64(process.argv[2], 32, false);\
        console.log(JSON.stringify({ count: h.totalCount, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9), max: h.maxValue }));";
    let output = Command::new("node").arg("-e").arg(script).arg(&package).arg(encode_histogram(&recorder.total)).output().expect("run node");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let decoded: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(decoded["count"], summary.count);
    assert_eq!(decoded["p50"], summary.p50_us);
    assert_eq!(decoded["p99"], summary.p99_us);
    assert_eq!(decoded["p999"], summary.p999_us);
    // hdr-histogram-js reports the recorded maximum; the Rust crate the top of its bucket: within 0.1 %.
    let max = decoded["max"].as_u64().unwrap();
    assert!(max.abs_diff(summary.max_us) * 1000 <= summary.max_us, "max {max} vs {}", summary.max_us);
}
