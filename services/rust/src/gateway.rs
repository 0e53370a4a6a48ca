//! `GET /gateway?key=K&n=N` (fan-out I/O): `n` concurrent calls to `{UPSTREAM_URL}/echo`
//! through one shared keep-alive reqwest client, at most `UPSTREAM_POOL` at a time.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::AppState;
use crate::query::Query;
use crate::respond::{ApiError, json};

/// The upstream client, or none when `UPSTREAM_URL` is unset (every call then fails: 502).
pub struct Gateway {
    upstream: Option<Upstream>,
}

struct Upstream {
    client: reqwest::Client,
    base_url: String,
    /// reqwest's pool has no limit on open connections: this caps concurrent calls, and so
    /// connections, at `UPSTREAM_POOL`, like the Go and Python services' pools.
    permits: Semaphore,
    timeout: Duration,
}

/// How one upstream call failed. A timeout outranks any other failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CallError {
    Failed,
    Timeout,
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::Failed => ApiError::UpstreamError,
            CallError::Timeout => ApiError::UpstreamTimeout,
        }
    }
}

/// The upstream's answer: `{"key":"K","i":I,"v":V}`.
#[derive(Deserialize)]
struct Echo {
    key: String,
    i: u64,
    v: u32,
}

#[derive(Serialize)]
struct GatewayResponse<'a> {
    key: &'a str,
    n: u64,
    sum: u64,
    values: Vec<u32>,
}

impl Gateway {
    pub fn new(
        base_url: Option<String>,
        pool: usize,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let upstream = match base_url {
            None => None,
            Some(url) => Some(Upstream {
                client: reqwest::Client::builder()
                    .pool_max_idle_per_host(pool)
                    // The upstream is local: never route it through an HTTP(S)_PROXY.
                    .no_proxy()
                    .build()?,
                base_url: url.trim_end_matches('/').to_owned(),
                permits: Semaphore::new(pool),
                timeout,
            }),
        };
        Ok(Gateway { upstream })
    }
}

impl Upstream {
    /// One call, bounded as a whole (waiting for a permit, connect, headers, body) by the
    /// per-call timeout.
    async fn call(&self, key: &str, i: u64) -> Result<u32, CallError> {
        tokio::time::timeout(self.timeout, self.fetch(key, i))
            .await
            .unwrap_or(Err(CallError::Timeout))
    }

    async fn fetch(&self, key: &str, i: u64) -> Result<u32, CallError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CallError::Failed)?;
        let url = format!("{}/echo?key={key}&i={i}", self.base_url);
        let response = self.client.get(url).send().await.map_err(classify)?;
        if response.status() != StatusCode::OK {
            return Err(CallError::Failed);
        }
        let body = response.bytes().await.map_err(classify)?;
        match serde_json::from_slice::<Echo>(&body) {
            Ok(echo) if echo.key == key && echo.i == i => Ok(echo.v),
            _ => Err(CallError::Failed),
        }
    }
}

fn classify(err: reqwest::Error) -> CallError {
    if err.is_timeout() {
        CallError::Timeout
    } else {
        CallError::Failed
    }
}

pub async fn handle(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let key = query
        .get("key")?
        .filter(|k| process_core::json::is_token(k, 32))
        .ok_or(ApiError::InvalidQuery)?;
    let n = query.uint("n", 2, 1..=16, 3)?;

    let upstream = state
        .gateway
        .upstream
        .as_ref()
        .ok_or(ApiError::UpstreamError)?;
    // All calls run to completion (each bounded by its timeout) so that a timeout anywhere
    // wins over an earlier failure elsewhere.
    let results = join_all((0..n).map(|i| upstream.call(key, i))).await;
    if let Some(worst) = results.iter().filter_map(|r| r.err()).max() {
        return Err(worst.into());
    }
    let values: Vec<u32> = results.into_iter().flatten().collect();
    let sum = values.iter().map(|&v| u64::from(v)).sum();
    Ok(json(
        StatusCode::OK,
        &GatewayResponse {
            key,
            n,
            sum,
            values,
        },
    ))
}
