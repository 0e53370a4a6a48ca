//! `GET /health`, `GET /json` and `GET /debug/runtime`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::AppState;
use crate::respond::{json, json_bytes};

/// Answered only once the server listens, which is after the live heap and the DB are ready.
pub async fn health() -> Response {
    json_bytes(StatusCode::OK, r#"{"status":"ok"}"#)
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// A new object serialized per request (TechEmpower rule).
pub async fn hello() -> Response {
    json(
        StatusCode::OK,
        &Message {
            message: "Hello, World!",
        },
    )
}

#[derive(Serialize)]
struct RuntimeInfo {
    language: &'static str,
    versions: Versions,
    workers: usize,
    /// Rust has no GC: always `null`.
    gc: Option<()>,
}

#[derive(Serialize)]
struct Versions {
    rustc: &'static str,
    axum: &'static str,
    tokio: &'static str,
}

pub async fn runtime(State(state): State<Arc<AppState>>) -> Response {
    json(
        StatusCode::OK,
        &RuntimeInfo {
            language: "rust",
            versions: Versions {
                rustc: env!("RB_RUSTC_VERSION"),
                axum: env!("RB_AXUM_VERSION"),
                tokio: env!("RB_TOKIO_VERSION"),
            },
            workers: state.workers,
            gc: None,
        },
    )
}
