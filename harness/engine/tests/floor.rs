//! rewrite-bench-floor, the platform's latency floor, as a process: started like a service
//! (HOST, PORT, WORKERS), HTTP/1.1 keep-alive, one request at a time or pipelined, bodies by
//! Content-Length skipped, and SIGTERM ends it with exit 0 at once.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ANSWER: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

struct Floor {
    child: Child,
    port: u16,
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(workers: &str) -> Floor {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_rewrite-bench-floor"))
        .env_clear()
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("WORKERS", workers)
        .stderr(Stdio::null())
        .spawn()
        .expect("start the floor");
    let began = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(began.elapsed() < Duration::from_secs(5), "the floor did not listen");
        std::thread::sleep(Duration::from_millis(10));
    }
    Floor { child, port }
}

fn connect(floor: &Floor) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", floor.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
}

/// Reads exactly `len` bytes.
fn read_exact(stream: &mut TcpStream, len: usize) -> String {
    let mut buffer = vec![0u8; len];
    stream.read_exact(&mut buffer).unwrap();
    String::from_utf8(buffer).unwrap()
}

#[test]
fn answers_every_request_at_once_on_a_kept_alive_connection() {
    let floor = start("1");
    let mut stream = connect(&floor);
    for path in ["/health", "/json", "/anything?x=1"] {
        stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: floor\r\n\r\n").as_bytes()).unwrap();
        assert_eq!(read_exact(&mut stream, ANSWER.len()), ANSWER, "{path}");
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let floor = start("2");
    let mut stream = connect(&floor);
    stream
        .write_all(b"GET /a HTTP/1.1\r\nHost: f\r\n\r\nGET /b HTTP/1.1\r\nHost: f\r\n\r\nPOST /c HTTP/1.1\r\nHost: f\r\nContent-Length: 2\r\n\r\nok")
        .unwrap();
    assert_eq!(read_exact(&mut stream, 3 * ANSWER.len()), ANSWER.repeat(3));
}

#[test]
fn a_body_is_skipped_by_its_content_length_even_across_reads() {
    let floor = start("1");
    let mut stream = connect(&floor);
    stream.set_nodelay(true).unwrap();
    let body = "x".repeat(50_000);
    stream.write_all(format!("POST /items HTTP/1.1\r\nHost: f\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes()).unwrap();
    // The answer may come on the head; the body must still be skipped before the next request.
    for piece in body.as_bytes().chunks(7_000) {
        stream.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    stream.write_all(b"GET /next HTTP/1.1\r\nHost: f\r\n\r\n").unwrap();
    assert_eq!(read_exact(&mut stream, 2 * ANSWER.len()), ANSWER.repeat(2));
}

#[test]
fn connection_close_and_http_1_0_close_after_the_answer() {
    let floor = start("1");
    for request in ["GET / HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"] {
        let mut stream = connect(&floor);
        stream.write_all(request.as_bytes()).unwrap();
        let mut all = String::new();
        stream.read_to_string(&mut all).unwrap();
        assert!(all.starts_with("HTTP/1.1 200 OK\r\n") && all.contains("Connection: close\r\n") && all.ends_with("{\"ok\":true}"), "{all}");
    }
    // A request it cannot frame (a chunked body) is refused, not guessed at.
    let mut stream = connect(&floor);
    stream.write_all(b"POST / HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").unwrap();
    let mut all = String::new();
    stream.read_to_string(&mut all).unwrap();
    assert!(all.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{all}");
}

#[test]
fn sigterm_ends_it_with_exit_0_at_once_with_connections_open() {
    let mut floor = start("2");
    let mut idle = connect(&floor);
    idle.write_all(b"GET / HTTP/1.1\r\nHost: f\r\n\r\n").unwrap();
    assert_eq!(read_exact(&mut idle, ANSWER.len()), ANSWER);
    let began = Instant::now();
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(floor.child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = loop {
        if let Some(status) = floor.child.try_wait().unwrap() {
            break status;
        }
        assert!(began.elapsed() < Duration::from_secs(2), "the floor did not stop within 2 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(status.code(), Some(0));
    // The open connection was closed by the server.
    let mut rest = Vec::new();
    assert_eq!(idle.read_to_end(&mut rest).unwrap(), 0);
}

#[test]
fn a_missing_port_is_a_clear_error_with_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_rewrite-bench-floor")).env_clear().output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), "rewrite-bench-floor: Expected PORT to be a port from 1 to 65535, got ``.");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let output =
        Command::new(env!("CARGO_BIN_EXE_rewrite-bench-floor")).env_clear().env("PORT", busy.local_addr().unwrap().port().to_string()).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a port in use: {}", String::from_utf8_lossy(&output.stderr));
}
