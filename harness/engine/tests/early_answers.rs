//! Servers that do not read the way a well-behaved client expects: one that answers before it has
//! read the request body (a 413 or 401 sent early) and reads the body slowly or not at all. The
//! engine must not spin on writability (level-triggered EPOLLOUT left armed) and must not write
//! the next request into the middle of a body the server is still reading.

mod common;

use common::exclusive;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a connection of the early-answering server saw.
#[derive(Debug, Default)]
struct Seen {
    /// Request lines it parsed.
    requests: Vec<String>,
    /// Heads that were not requests: the client wrote a request into another's body.
    garbage: Vec<String>,
}

/// A server that answers each request with `status` as soon as it has its head, then sleeps
/// `pause` and only then reads and discards the body (by Content-Length), slowly. The listening
/// socket's receive buffer is small, so a large body fills the client's send buffer.
fn early_answering_server(status: u16, pause: Duration, close_after_answer: bool) -> (u16, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let small: libc::c_int = 4096;
    // SAFETY: a valid socket and option value; accepted sockets inherit the buffer size.
    unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&small as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || serve_early(stream, status, pause, close_after_answer, &log));
        }
    });
    (port, seen)
}

fn serve_early(mut stream: TcpStream, status: u16, pause: Duration, close_after_answer: bool, log: &Mutex<Seen>) {
    stream.set_nodelay(true).ok();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                break at + 4;
            }
            if buffer.len() > 16 * 1024 {
                log.lock().unwrap().garbage.push(String::from_utf8_lossy(&buffer[..40]).to_string());
                return;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(count) => buffer.extend_from_slice(&chunk[..count]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let request_line = head.lines().next().unwrap_or("").to_string();
        if !(request_line.starts_with("POST /") || request_line.starts_with("GET /")) || !request_line.ends_with(" HTTP/1.1") {
            log.lock().unwrap().garbage.push(request_line.chars().take(40).collect());
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        let length: usize = head
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, value)| value.trim().parse().unwrap_or(0));
        log.lock().unwrap().requests.push(request_line.clone());
        let answer = if request_line.starts_with("GET") { 200 } else { status };
        let close = close_after_answer && length > 0;
        let connection = if close { "Connection: close\r\n" } else { "" };
        if stream.write_all(format!("HTTP/1.1 {answer} X\r\n{connection}Content-Length: 2\r\n\r\nok").as_bytes()).is_err() || close {
            // Closing with the body unread resets the connection under the client's write.
            return;
        }
        buffer.drain(..head_end);
        if length > 0 {
            std::thread::sleep(pause);
        }
        // Discard the body, a little at a time.
        let mut left = length;
        let from_buffer = left.min(buffer.len());
        buffer.drain(..from_buffer);
        left -= from_buffer;
        while left > 0 {
            let want = left.min(chunk.len());
            match stream.read(&mut chunk[..want]) {
                Ok(0) | Err(_) => return,
                Ok(count) => left -= count,
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

fn post(path: &str, bytes: usize, expect_status: u16) -> Value {
    json!({ "method": "POST", "path": path, "body": "x".repeat(bytes), "expectStatus": expect_status })
}

/// Runs the built engine on `job` and returns its outcome and the CPU seconds it used.
fn run_binary_with_cpu(job: &Value) -> (Value, f64, f64) {
    let _one_at_a_time = exclusive();
    let before = children_cpu_seconds();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewrite-bench-engine"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the engine");
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let wall_seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = children_cpu_seconds() - before;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    let done: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    (done["outcome"].clone(), cpu_seconds, wall_seconds)
}

/// User + system CPU of the waited-for children of this test process (this file's tests are
/// the only ones in this binary that start children).
fn children_cpu_seconds() -> f64 {
    // SAFETY: a zeroed rusage is valid; getrusage fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

#[test]
fn a_slow_reader_does_not_make_the_engine_spin_on_writability() {
    // Bodies of megabytes against a 4 KB receive buffer read slowly: sends hit EAGAIN, some
    // with nothing written (the previous body still fills the send buffer). Before the fix the
    // completed write left EPOLLOUT armed and the thread spun at 100 % of a core.
    let (port, seen) = early_answering_server(200, Duration::from_millis(30), false);
    let sources = json!([{ "weight": 1, "list": [post("/a", 1500 * 1024, 200), post("/b", 3000 * 1024, 200), post("/c", 5000 * 1024, 200), { "method": "GET", "path": "/d", "expectStatus": 200 }] }]);
    let job = json!({
        "baseUrl": format!("http://127.0.0.1:{port}"), "sources": sources, "seed": 1, "model": "closed", "connections": 2,
        "warmupSeconds": 0, "durationSeconds": 2, "timeoutMs": 3000, "verifyEvery": 0, "threads": 1
    });
    let (outcome, cpu_seconds, wall_seconds) = run_binary_with_cpu(&job);
    // A spin is a whole core (0.9 of the wall time here before the fix); copying the bodies
    // costs about a tenth. The bound is generous for a busy machine; no speed is asserted.
    assert!(cpu_seconds < 0.4 * wall_seconds, "the engine used {cpu_seconds:.2} s of CPU in {wall_seconds:.2} s");
    assert!(outcome["counts"]["responses"].as_u64().unwrap() > 0, "{outcome}");
    assert_eq!(outcome["counts"]["expectedStatus"], outcome["counts"]["responses"], "{outcome}");
    assert_eq!((outcome["counts"]["errors"].as_u64(), outcome["counts"]["timeouts"].as_u64()), (Some(0), Some(0)), "{outcome}");
    assert!(seen.lock().unwrap().garbage.is_empty(), "{:?}", seen.lock().unwrap().garbage);
}

/// Runs an in-process closed loop of large uploads (answered 413 before their body is read)
/// and small GETs over `connections` connections.
fn uploads_and_gets(port: u16, connections: u32) -> rewrite_bench_engine::outcome::Outcome {
    let sources = json!([
        { "weight": 1, "list": [post("/upload", 6 * 1024 * 1024, 413)] },
        { "weight": 3, "list": [{ "method": "GET", "path": "/ok", "expectStatus": 200 }] }
    ]);
    let job = common::job(
        &format!("http://127.0.0.1:{port}"),
        json!({ "model": "closed", "ratePerSecond": null, "sources": sources, "connections": connections, "warmupSeconds": 0, "durationSeconds": 1.5, "timeoutMs": 2000, "verifyEvery": 0 }),
    );
    common::run_job(&job).0
}

#[test]
fn an_answer_before_the_body_is_written_counts_and_the_next_request_is_not_written_into_the_body() {
    // The server answers 413 on the head, then reads the rest of the body. Before the fix the
    // engine wrote its next request on the same connection from the start, into the server's
    // body: the server then read the rest of that request as a body, and a request head from
    // the middle of one (a desync: GETs timed out or drew 400s).
    let (port, seen) = early_answering_server(413, Duration::from_millis(20), false);
    let outcome = uploads_and_gets(port, 1);
    let counts = &outcome.counts;
    assert!(counts.status_counts.get("413").is_some_and(|&count| count > 0), "{counts:?}");
    assert!(counts.status_counts.get("200").is_some_and(|&count| count > 0), "{counts:?}");
    assert_eq!(counts.expected_status, counts.responses, "{counts:?} {:?}", outcome.first_error);
    assert_eq!((counts.errors, counts.timeouts, counts.non2xx), (0, 0, 0), "{:?}", outcome.first_error);
    let seen = seen.lock().unwrap();
    assert!(seen.garbage.is_empty(), "request heads the server could not read: {:?}", seen.garbage);
    assert!(seen.requests.iter().all(|line| line == "POST /upload HTTP/1.1" || line == "GET /ok HTTP/1.1"), "{:?}", seen.requests);
}

#[test]
fn an_early_answer_then_a_close_counts_as_the_answer_not_an_error() {
    // The common form: 413 with Connection: close, and the server closes with the body unread,
    // which resets the connection under the engine's write. The answer is already there to read.
    let (port, seen) = early_answering_server(413, Duration::ZERO, true);
    let outcome = uploads_and_gets(port, 2);
    let counts = &outcome.counts;
    assert!(counts.status_counts.get("413").is_some_and(|&count| count > 0), "{counts:?}");
    assert_eq!(counts.expected_status, counts.responses, "{counts:?}");
    assert_eq!((counts.errors, counts.timeouts), (0, 0), "{:?}", outcome.first_error);
    assert!(seen.lock().unwrap().garbage.is_empty());
}
