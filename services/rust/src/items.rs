//! `/items` (SQLite CRUD) on rusqlite with an r2d2 connection pool. Every connection gets the
//! contract's PRAGMAs; every query runs on tokio's blocking pool (`spawn_blocking`), never on
//! the async worker threads.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use process_core::json::{is_token, parse_object};

use crate::AppState;
use crate::query::{Query, parse_digits};
use crate::respond::{ApiError, RawBody, json};

const PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                       PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
/// Connections in the pool. SQLite serializes writers anyway; WAL lets readers run alongside.
const POOL_SIZE: u32 = 8;
const MAX_AMOUNT: u64 = 1_000_000_000;

const SELECT_ONE: &str =
    "SELECT id, sku, name, category, price_cents, qty, updated_at FROM items WHERE id = ?1";
const SELECT_PAGE: &str = "SELECT id, sku, name, category, price_cents, qty, updated_at \
                           FROM items WHERE category = ?1 AND id > ?2 ORDER BY id LIMIT ?3";

/// The connection pool of `DB_PATH`.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
}

impl Db {
    /// Opens the pool (all connections at once) and checks that the seeded table is there.
    pub fn open(path: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let manager =
            SqliteConnectionManager::file(path).with_init(|conn| conn.execute_batch(PRAGMAS));
        let pool = r2d2::Pool::builder().max_size(POOL_SIZE).build(manager)?;
        pool.get()?.prepare(SELECT_ONE)?;
        Ok(Db { pool })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get().map_err(|_| ApiError::Internal)?;
            f(&conn).map_err(db_error)
        })
        .await
        .map_err(|_| ApiError::Internal)?
    }
}

fn db_error(err: rusqlite::Error) -> ApiError {
    match err.sqlite_error() {
        Some(e) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => ApiError::Conflict,
        _ => ApiError::Internal,
    }
}

/// An item as stored and as answered, in the contract's field order.
#[derive(Serialize)]
struct Item {
    id: i64,
    sku: String,
    name: String,
    category: String,
    price_cents: i64,
    qty: i64,
    updated_at: i64,
}

impl Item {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Item {
            id: row.get(0)?,
            sku: row.get(1)?,
            name: row.get(2)?,
            category: row.get(3)?,
            price_cents: row.get(4)?,
            qty: row.get(5)?,
            updated_at: row.get(6)?,
        })
    }
}

#[derive(Serialize)]
struct ItemPage {
    items: Vec<Item>,
    next_after_id: Option<i64>,
}

/// The body of POST and PUT; all fields optional so that missing and `null` are both 422.
#[derive(Deserialize)]
struct ItemBody<'a> {
    #[serde(borrow)]
    sku: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    price_cents: Option<u64>,
    qty: Option<u64>,
}

/// A validated body plus `updated_at`: everything but the id.
struct NewItem {
    sku: String,
    name: String,
    category: String,
    price_cents: i64,
    qty: i64,
    updated_at: i64,
}

impl NewItem {
    fn with_id(self, id: i64) -> Item {
        Item {
            id,
            sku: self.sku,
            name: self.name,
            category: self.category,
            price_cents: self.price_cents,
            qty: self.qty,
            updated_at: self.updated_at,
        }
    }
}

/// Checks in the contract's order: `X-Now` header (400 `invalid_header`), JSON (400), shape (422).
fn parse_new_item(headers: &HeaderMap, body: &[u8]) -> Result<NewItem, ApiError> {
    let updated_at = match headers.get("x-now") {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| parse_digits(s, 15))
            .ok_or(ApiError::InvalidHeader)? as i64,
    };
    let body: ItemBody = parse_object(body)?;
    let amount = |v: Option<u64>| v.filter(|v| *v <= MAX_AMOUNT).map(|v| v as i64);
    let token = |s: Option<Cow<str>>| s.filter(|s| is_token(s, 32)).map(Cow::into_owned);
    Ok(NewItem {
        sku: token(body.sku).ok_or(ApiError::InvalidRequest)?,
        name: body
            .name
            .filter(|s| is_name(s))
            .map(Cow::into_owned)
            .ok_or(ApiError::InvalidRequest)?,
        category: token(body.category).ok_or(ApiError::InvalidRequest)?,
        price_cents: amount(body.price_cents).ok_or(ApiError::InvalidRequest)?,
        qty: amount(body.qty).ok_or(ApiError::InvalidRequest)?,
        updated_at,
    })
}

/// `^[A-Za-z0-9 _-]{1,64}$`
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-'))
}

/// `{id}`: `^[0-9]{1,15}$` (after percent-decoding), else 400 `invalid_id`.
fn parse_id(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Ok(Path(raw)) = path else {
        return Err(ApiError::InvalidId);
    };
    parse_digits(&raw, 15)
        .map(|id| id as i64)
        .ok_or(ApiError::InvalidId)
}

fn db(state: &AppState) -> Result<&Db, ApiError> {
    state.db.as_ref().ok_or(ApiError::NoDatabase)
}

/// `GET /items/{id}`
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(path)?;
    let item = db(&state)?
        .run(move |conn| {
            conn.prepare_cached(SELECT_ONE)?
                .query_row([id], Item::from_row)
                .optional()
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(json(StatusCode::OK, &item))
}

/// `GET /items?category=C&after_id=A&limit=L`
pub async fn list(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let category = query
        .get("category")?
        .filter(|c| is_token(c, 32))
        .ok_or(ApiError::InvalidQuery)?
        .to_owned();
    let after_id = query.uint("after_id", 15, 0..=u64::MAX, 0)? as i64;
    let limit = query.uint("limit", 3, 1..=100, 20)? as i64;

    let items = db(&state)?
        .run(move |conn| {
            conn.prepare_cached(SELECT_PAGE)?
                .query_map(params![category, after_id, limit], Item::from_row)?
                .collect::<rusqlite::Result<Vec<Item>>>()
        })
        .await?;
    let next_after_id = match items.last() {
        Some(last) if items.len() as i64 == limit => Some(last.id),
        _ => None,
    };
    Ok(json(
        StatusCode::OK,
        &ItemPage {
            items,
            next_after_id,
        },
    ))
}

/// `POST /items`
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let new = parse_new_item(&headers, &body)?;
    let item = db(&state)?
        .run(move |conn| {
            conn.prepare_cached(
                "INSERT INTO items (sku, name, category, price_cents, qty, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                new.sku,
                new.name,
                new.category,
                new.price_cents,
                new.qty,
                new.updated_at
            ])?;
            Ok(new.with_id(conn.last_insert_rowid()))
        })
        .await?;
    Ok(json(StatusCode::CREATED, &item))
}

/// `PUT /items/{id}`
pub async fn update(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let id = parse_id(path)?;
    let new = parse_new_item(&headers, &body)?;
    let item = db(&state)?
        .run(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE items SET sku = ?1, name = ?2, category = ?3, price_cents = ?4, \
                     qty = ?5, updated_at = ?6 WHERE id = ?7",
                )?
                .execute(params![
                    new.sku,
                    new.name,
                    new.category,
                    new.price_cents,
                    new.qty,
                    new.updated_at,
                    id
                ])?;
            Ok((changed > 0).then(|| new.with_id(id)))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(json(StatusCode::OK, &item))
}

/// `DELETE /items/{id}`
pub async fn delete(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(path)?;
    let deleted = db(&state)?
        .run(move |conn| {
            conn.prepare_cached("DELETE FROM items WHERE id = ?1")?
                .execute([id])
        })
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
