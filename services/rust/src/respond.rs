//! Responses and errors: the contract's `{"error":"<code>"}` bodies, JSON bodies with
//! `Content-Type: application/json` exactly, the raw-body extractor and the 1 MiB body limit.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Serialize;

/// Largest accepted request body (services/CONTRACT.md §1).
pub const MAX_BODY_BYTES: usize = 1_048_576;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Every error the contract defines, plus `Internal` for failures it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiError {
    BodyTooLarge,
    InvalidJson,
    InvalidRequest,
    InvalidQuery,
    InvalidId,
    InvalidHeader,
    NotFound,
    Conflict,
    NoDatabase,
    UpstreamError,
    UpstreamTimeout,
    Internal,
}

impl ApiError {
    fn status_and_body(self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"error":"body_too_large"}"#,
            ),
            InvalidJson => (StatusCode::BAD_REQUEST, r#"{"error":"invalid_json"}"#),
            InvalidRequest => (
                StatusCode::UNPROCESSABLE_ENTITY,
                r#"{"error":"invalid_request"}"#,
            ),
            InvalidQuery => (StatusCode::BAD_REQUEST, r#"{"error":"invalid_query"}"#),
            InvalidId => (StatusCode::BAD_REQUEST, r#"{"error":"invalid_id"}"#),
            InvalidHeader => (StatusCode::BAD_REQUEST, r#"{"error":"invalid_header"}"#),
            NotFound => (StatusCode::NOT_FOUND, r#"{"error":"not_found"}"#),
            Conflict => (StatusCode::CONFLICT, r#"{"error":"conflict"}"#),
            NoDatabase => (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"no_database"}"#,
            ),
            UpstreamError => (StatusCode::BAD_GATEWAY, r#"{"error":"upstream_error"}"#),
            UpstreamTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                r#"{"error":"upstream_timeout"}"#,
            ),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":"internal"}"#),
        }
    }
}

impl From<process_core::json::BodyError> for ApiError {
    fn from(err: process_core::json::BodyError) -> Self {
        match err {
            process_core::json::BodyError::InvalidJson => ApiError::InvalidJson,
            process_core::json::BodyError::InvalidRequest => ApiError::InvalidRequest,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        json_bytes(status, body)
    }
}

/// A response whose body is already-serialized JSON.
pub fn json_bytes(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, APPLICATION_JSON);
    response
}

/// Serializes `value` as compact JSON (serde_json keeps struct field order, adds no newline).
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(status, body),
        Err(_) => ApiError::Internal.into_response(),
    }
}

/// The raw request body, at most [`MAX_BODY_BYTES`] (enforced by `DefaultBodyLimit`, which
/// also covers chunked bodies). Unlike `Bytes`, its rejection is the contract's 413 body rather
/// than axum's plain-text one.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::BodyTooLarge)
            }
            // The client broke off the body: nobody will read this answer.
            Err(_) => Err(ApiError::InvalidJson),
        }
    }
}

/// At most this much of an oversized body is read and discarded before the 413 goes out.
const LINGER_BYTES: usize = 2 * MAX_BODY_BYTES;

/// Middleware: a `Content-Length` over the limit is answered 413 on every route and before any
/// other check. The body is first read and discarded (up to `LINGER_BYTES`), the "lingering
/// read" of Go's net/http and nginx: closing a socket with unread data makes the kernel send a
/// reset, and the client then loses the 413 it was about to read.
pub async fn reject_oversized(req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(len) if len > MAX_BODY_BYTES as u64 => {
            let mut body = req.into_body().into_data_stream();
            let mut drained = 0;
            while drained < LINGER_BYTES {
                match body.next().await {
                    Some(Ok(chunk)) => drained += chunk.len(),
                    _ => break,
                }
            }
            ApiError::BodyTooLarge.into_response()
        }
        _ => next.run(req).await,
    }
}
