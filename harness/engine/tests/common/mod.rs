//! In-process HTTP test servers for the integration tests: std::net on 127.0.0.1:0, one thread
//! per connection, each behaviour a plain function of the request. Servers live until the test
//! process ends (their threads block on sockets the engine closes).

#![allow(dead_code)]

use rewrite_bench_engine::job::{parse_job, Job};
use rewrite_bench_engine::outcome::Outcome;
use rewrite_bench_engine::{run, Event};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A request as the test server read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// The Host header.
    pub host: String,
    pub body: String,
}

/// What the server does with a request.
pub enum Reply {
    /// Write these bytes.
    Bytes(Vec<Vec<u8>>),
    /// Never answer (but keep reading).
    Silent,
}

/// A plain `200` JSON answer with Content-Length.
pub fn ok_json(body: &str) -> Reply {
    Reply::Bytes(vec![format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()])
}

/// An answer with this status and body.
pub fn status(code: u16, body: &str) -> Reply {
    Reply::Bytes(vec![format!("HTTP/1.1 {code} X\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()])
}

/// A running test server.
pub struct TestServer {
    pub port: u16,
    /// Every request it read, in order.
    pub received: Arc<Mutex<Vec<Received>>>,
    pub started: Instant,
}

impl TestServer {
    /// The engine's base URL for this server.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Starts a server that answers every request with `behaviour(request, time since start)`.
pub fn serve(behaviour: impl Fn(&Received, Duration) -> Reply + Send + Sync + 'static) -> TestServer {
    serve_with(None, behaviour)
}

/// A TLS server (rustls) with this configuration, else as `serve`.
pub fn serve_tls(config: Arc<rustls::ServerConfig>, behaviour: impl Fn(&Received, Duration) -> Reply + Send + Sync + 'static) -> TestServer {
    serve_with(Some(config), behaviour)
}

fn serve_with(tls: Option<Arc<rustls::ServerConfig>>, behaviour: impl Fn(&Received, Duration) -> Reply + Send + Sync + 'static) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a test port");
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let behaviour = Arc::new(behaviour);
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (behaviour, log, tls) = (Arc::clone(&behaviour), Arc::clone(&log), tls.clone());
            stream.set_nodelay(true).ok();
            std::thread::spawn(move || match tls {
                None => serve_connection(stream, started, &*behaviour, &log),
                Some(config) => {
                    if let Ok(session) = rustls::ServerConnection::new(config) {
                        serve_connection(rustls::StreamOwned::new(session, stream), started, &*behaviour, &log);
                    }
                }
            });
        }
    });
    TestServer { port, received, started }
}

fn serve_connection(mut stream: impl Read + Write, started: Instant, behaviour: &dyn Fn(&Received, Duration) -> Reply, log: &Mutex<Vec<Received>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // Read one request head, then its body by Content-Length.
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(count) => buffer.extend_from_slice(&chunk[..count]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or("").split(' ');
        let (method, path) = (request_line.next().unwrap_or("").to_string(), request_line.next().unwrap_or("").to_string());
        let headers: Vec<(&str, &str)> = lines.filter_map(|line| line.split_once(':')).collect();
        let header = |wanted: &str| headers.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|(_, value)| value.trim().to_string());
        let length: usize = header("content-length").map_or(0, |value| value.parse().unwrap_or(0));
        let host = header("host").unwrap_or_default();
        while buffer.len() < head_end + length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(count) => buffer.extend_from_slice(&chunk[..count]),
            }
        }
        let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).to_string();
        buffer.drain(..head_end + length);
        let request = Received { method, path, host, body };
        let reply = behaviour(&request, started.elapsed());
        log.lock().unwrap().push(request);
        match reply {
            Reply::Silent => continue,
            Reply::Bytes(pieces) => {
                for piece in pieces {
                    if stream.write_all(&piece).and_then(|()| stream.flush()).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A port with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs are serialised: the machine has two cores, and a pacing engine wants one of them.
pub fn exclusive() -> MutexGuard<'static, ()> {
    ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A job: the defaults below, overridden by `overrides` (a JSON object; null removes a key).
pub fn job(url: &str, overrides: Value) -> Job {
    let mut job = serde_json::json!({
        "baseUrl": url,
        "sources": [{ "weight": 1, "list": [{ "method": "GET", "path": "/json", "expectStatus": 200, "expectBody": "{\"ok\":true}" }] }],
        "seed": 1, "model": "open", "connections": 8, "ratePerSecond": 200, "arrival": "constant",
        "warmupSeconds": 0.2, "durationSeconds": 1, "timeoutMs": 2000, "verifyEvery": 10, "threads": 1
    });
    for (key, value) in overrides.as_object().expect("overrides are an object") {
        if value.is_null() {
            job.as_object_mut().unwrap().remove(key);
        } else {
            job[key] = value.clone();
        }
    }
    parse_job(&job.to_string()).expect("the test job is valid")
}

/// Runs a job in-process (one at a time) and returns its outcome with the events and when
/// they came.
pub fn run_job(job: &Job) -> (Outcome, Vec<(Event, Instant)>) {
    let _one_at_a_time = exclusive();
    let mut events = Vec::new();
    let outcome = run(job, |event| events.push((event, Instant::now()))).expect("the run completes");
    (outcome, events)
}

/// Every planned send of an open-loop window ends as exactly one of these.
pub fn accounted(outcome: &Outcome) -> u64 {
    let counts = &outcome.counts;
    counts.responses + counts.errors + counts.timeouts + counts.dropped
}
