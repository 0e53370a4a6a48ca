//! `POST /process` (CPU-bound): the body goes to `process_core::process`, shared with the PyO3
//! extension. It runs on the worker thread itself, like any handler, so that `WORKERS` bounds
//! the CPU the service uses (a `spawn_blocking` pool would not).

use axum::http::StatusCode;
use axum::response::Response;

use crate::respond::{RawBody, json_bytes};

pub async fn handle(RawBody(body): RawBody) -> Response {
    let (status, bytes) = process_core::process(&body);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_bytes(status, bytes)
}
