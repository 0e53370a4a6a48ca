//! rewrite-bench's Rust service (services/CONTRACT.md): axum 0.8 on tokio's multi-thread
//! runtime with `WORKERS` worker threads. This file reads the environment, builds the shared
//! state and the router, and serves until SIGTERM or SIGINT (graceful, exit 0).

mod alloc;
mod basic;
mod gateway;
mod items;
mod process;
mod query;
mod respond;

use std::future::IntoFuture;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use futures::FutureExt;

/// Longest wait for in-flight requests after SIGTERM (the contract allows 10 s in all).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(9);

/// State shared by all requests.
pub struct AppState {
    heap: alloc::LiveHeap,
    db: Option<items::Db>,
    gateway: gateway::Gateway,
    workers: usize,
}

/// The environment of services/CONTRACT.md §1.
struct Config {
    host: String,
    port: u16,
    workers: usize,
    db_path: Option<String>,
    upstream_url: Option<String>,
    upstream_pool: usize,
    upstream_timeout: Duration,
    live_heap_objects: usize,
    extra_cpu: Duration,
}

impl Config {
    fn from_env() -> Result<Self, String> {
        Ok(Config {
            host: std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into()),
            port: parse_env("PORT")?.ok_or("PORT is required")?,
            workers: parse_env("WORKERS")?.unwrap_or(1).max(1),
            db_path: non_empty_env("DB_PATH"),
            upstream_url: non_empty_env("UPSTREAM_URL"),
            upstream_pool: parse_env("UPSTREAM_POOL")?.unwrap_or(256).max(1),
            upstream_timeout: Duration::from_millis(
                parse_env("UPSTREAM_TIMEOUT_MS")?.unwrap_or(2000),
            ),
            live_heap_objects: parse_env("LIVE_HEAP_OBJECTS")?.unwrap_or(1_000_000),
            extra_cpu: Duration::from_micros(parse_env("EXTRA_CPU_US")?.unwrap_or(0)),
        })
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn parse_env<T: FromStr>(name: &str) -> Result<Option<T>, String> {
    match non_empty_env(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}: invalid value {v:?}")),
    }
}

fn main() {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => fatal(&err),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers)
        .enable_all()
        .build()
        .unwrap_or_else(|err| fatal(&format!("tokio runtime: {err}")));

    runtime.block_on(async {
        if let Err(err) = serve(config).await {
            fatal(&err);
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
}

fn fatal(message: &str) -> ! {
    eprintln!("rewrite-bench-rust: {message}");
    std::process::exit(1);
}

async fn serve(config: Config) -> Result<(), String> {
    // Everything /health vouches for is ready before the port is bound.
    let db = match &config.db_path {
        None => None,
        Some(path) => Some(items::Db::open(path).map_err(|err| format!("DB_PATH {path}: {err}"))?),
    };
    let gateway = gateway::Gateway::new(
        config.upstream_url.clone(),
        config.upstream_pool,
        config.upstream_timeout,
    )
    .map_err(|err| format!("upstream client: {err}"))?;
    let heap = alloc::LiveHeap::new(config.live_heap_objects);
    let state = Arc::new(AppState {
        heap,
        db,
        gateway,
        workers: config.workers,
    });

    let app = router(state, config.extra_cpu);

    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|err| format!("bind {}:{}: {err}", config.host, config.port))?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    eprintln!(
        "rewrite-bench-rust listening on {}:{} (workers={})",
        config.host, config.port, config.workers
    );

    let signal = shutdown_signal().shared();
    let server = axum::serve(listener, app).with_graceful_shutdown(signal.clone());
    tokio::select! {
        result = server.into_future() => result.map_err(|err| format!("server: {err}")),
        () = async { signal.await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
            eprintln!("rewrite-bench-rust: requests still in flight after {SHUTDOWN_GRACE:?}, exiting");
            Ok(())
        }
    }
}

fn router(state: Arc<AppState>, extra_cpu: Duration) -> Router {
    let mut workloads = Router::new()
        .route("/json", get(basic::hello))
        .route("/process", post(process::handle))
        .route("/alloc", get(alloc::handle))
        .route("/gateway", get(gateway::handle))
        .route("/items", get(items::list).post(items::create))
        .route(
            "/items/{id}",
            get(items::get_one).put(items::update).delete(items::delete),
        );
    if !extra_cpu.is_zero() {
        workloads = workloads.route_layer(middleware::from_fn_with_state(extra_cpu, spin));
    }

    Router::new()
        .route("/health", get(basic::health))
        .route("/debug/runtime", get(basic::runtime))
        .merge(workloads)
        .layer(DefaultBodyLimit::max(respond::MAX_BODY_BYTES))
        .layer(middleware::from_fn(respond::reject_oversized))
        .with_state(state)
}

/// `EXTRA_CPU_US`: busy-spins on the monotonic clock before the handler runs.
async fn spin(State(duration): State<Duration>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    while start.elapsed() < duration {
        std::hint::spin_loop();
    }
    next.run(req).await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c()
            .await
            .expect("install the SIGINT handler");
    };
    let terminate = async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install the SIGTERM handler")
            .recv()
            .await;
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
