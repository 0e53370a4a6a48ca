//! Records the versions reported by `GET /debug/runtime`: rustc's, and axum's and tokio's as
//! resolved in Cargo.lock.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=RUSTC");

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        // "rustc 1.95.0 (59807616e 2026-04-14)" -> "1.95.0"
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=RB_RUSTC_VERSION={rustc_version}");

    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (krate, var) in [("axum", "RB_AXUM_VERSION"), ("tokio", "RB_TOKIO_VERSION")] {
        println!("cargo:rustc-env={var}={}", locked_version(&lock, krate));
    }
}

/// The `version` line that follows `name = "<krate>"` in Cargo.lock.
fn locked_version(lock: &str, krate: &str) -> String {
    let needle = format!("name = \"{krate}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == needle {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return v.trim_matches('"').to_owned();
            }
        }
    }
    "unknown".into()
}
