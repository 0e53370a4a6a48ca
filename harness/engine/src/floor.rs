//! rewrite-bench-floor: the smallest HTTP/1.1 keep-alive server, to measure the platform's own
//! latency floor (what the machine, the kernel's loopback and the load engine add to any
//! service). Every request, whatever its method and path (`GET /health` included), is answered
//! at once with `200` and a fixed 11-byte JSON body. Started like a service: `HOST` (default
//! 127.0.0.1), `PORT` (required), `WORKERS` (threads, default 1) from the environment; pinned by
//! the harness. One epoll loop per thread, each with its own listening socket (SO_REUSEPORT):
//! nothing is shared and nothing is allocated per request (per connection: one buffer). On
//! SIGTERM or SIGINT every thread stops accepting, answers what it has read, closes, and the
//! process exits 0.
//!
//! Why by hand and not hyper/axum: the floor must cost less than any service it stands beside;
//! a fixed answer over raw epoll is that, and httparse (already here) reads the heads.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
const ANSWER_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
/// A connection's read buffer: a request head must fit (bodies are skipped, never kept).
const BUFFER_BYTES: usize = 16 * 1024;
const LISTENER: u64 = u64::MAX;
const STOP: u64 = u64::MAX - 1;

fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// A listening socket on `address` that shares its port with the other threads' (SO_REUSEPORT).
fn listen(address: SocketAddr) -> io::Result<libc::c_int> {
    let family = if address.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: plain socket syscalls on a new fd; the sockaddr is built for its family.
    unsafe {
        let fd = check(libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0))?;
        let one: libc::c_int = 1;
        let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        check(libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, (&one as *const libc::c_int).cast(), size))?;
        check(libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT, (&one as *const libc::c_int).cast(), size))?;
        let mut storage: libc::sockaddr_storage = std::mem::zeroed();
        let len = match address {
            SocketAddr::V4(v4) => {
                let sin = &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>();
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = v4.port().to_be();
                sin.sin_addr = libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) };
                std::mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(v6) => {
                let sin6 = &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>();
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = v6.port().to_be();
                sin6.sin6_addr = libc::in6_addr { s6_addr: v6.ip().octets() };
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        check(libc::bind(fd, (&storage as *const libc::sockaddr_storage).cast(), len as libc::socklen_t))?;
        check(libc::listen(fd, 1024))?;
        Ok(fd)
    }
}

/// One client connection: its socket, what was read and not yet parsed, and the body bytes of
/// the current request still to skip.
struct Client {
    fd: libc::c_int,
    input: Box<[u8; BUFFER_BYTES]>,
    filled: usize,
    skip: u64,
}

/// What the head at the start of `input` asks: (its length, the body length, whether to close).
fn parse_head(input: &[u8]) -> Result<Option<(usize, u64, bool)>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(input) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if input.len() < BUFFER_BYTES => return Ok(None),
        _ => return Err(()),
    };
    let mut close = request.version != Some(1);
    let mut body: u64 = 0;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            body = std::str::from_utf8(header.value).ok().and_then(|text| text.trim().parse().ok()).ok_or(())?;
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            // A chunked request body cannot be skipped without parsing it: refused.
            return Err(());
        } else if header.name.eq_ignore_ascii_case("connection") {
            let value = header.value;
            if value.eq_ignore_ascii_case(b"close") {
                close = true;
            } else if value.eq_ignore_ascii_case(b"keep-alive") {
                close = false;
            }
        }
    }
    Ok(Some((head_len, body, close)))
}

fn write_all(fd: libc::c_int, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        // SAFETY: valid fd and buffer.
        let written = unsafe { libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
        if written <= 0 {
            let errno = io::Error::last_os_error().raw_os_error();
            if written < 0 && errno == Some(libc::EINTR) {
                continue;
            }
            // A small answer into an empty socket buffer: EAGAIN means the client stopped
            // reading; the connection is dropped (the floor never queues).
            return false;
        }
        bytes = &bytes[written as usize..];
    }
    true
}

impl Client {
    /// Reads what is there and answers every complete request in it; false to close.
    fn serve(&mut self) -> bool {
        loop {
            // SAFETY: valid fd; reads into the free part of the buffer.
            let count = unsafe { libc::recv(self.fd, self.input[self.filled..].as_mut_ptr().cast(), BUFFER_BYTES - self.filled, 0) };
            if count == 0 {
                return false;
            }
            if count < 0 {
                return matches!(io::Error::last_os_error().raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR));
            }
            self.filled += count as usize;
            if !self.answer_complete_requests() {
                return false;
            }
        }
    }

    fn answer_complete_requests(&mut self) -> bool {
        let mut at = 0;
        loop {
            if self.skip > 0 {
                let take = self.skip.min((self.filled - at) as u64);
                self.skip -= take;
                at += take as usize;
                if self.skip > 0 {
                    break;
                }
            }
            match parse_head(&self.input[at..self.filled]) {
                Ok(None) => break,
                Err(()) => {
                    write_all(self.fd, BAD_REQUEST);
                    return false;
                }
                Ok(Some((head_len, body, close))) => {
                    at += head_len;
                    self.skip = body;
                    if close {
                        write_all(self.fd, ANSWER_CLOSE);
                        return false;
                    }
                    if !write_all(self.fd, ANSWER) {
                        return false;
                    }
                }
            }
        }
        self.input.copy_within(at..self.filled, 0);
        self.filled -= at;
        true
    }
}

/// One thread: its listener, its clients, until `stop` (an eventfd) is signalled.
fn serve_thread(address: SocketAddr, stop: libc::c_int) -> io::Result<()> {
    let listener = listen(address)?;
    // SAFETY: plain epoll syscalls on fds this thread owns.
    let epoll = unsafe { check(libc::epoll_create1(libc::EPOLL_CLOEXEC))? };
    let add = |fd: libc::c_int, token: u64| {
        let mut event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: token };
        // SAFETY: valid fds and event.
        check(unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut event) }).map(drop)
    };
    add(listener, LISTENER)?;
    add(stop, STOP)?;
    let mut clients: Vec<Option<Client>> = Vec::new();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let close = |clients: &mut Vec<Option<Client>>, slot: usize| {
        if let Some(client) = clients[slot].take() {
            // SAFETY: closing a client fd this thread owns.
            unsafe { libc::close(client.fd) };
        }
    };
    let mut stopping = false;
    while !stopping {
        // SAFETY: the buffer holds events.len() events.
        let ready = unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as libc::c_int, -1) };
        if ready < 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(io::Error::last_os_error());
        }
        for event in &events[..ready as usize] {
            match event.u64 {
                STOP => stopping = true,
                LISTENER => loop {
                    // SAFETY: accepts on the listener this thread owns.
                    let fd = unsafe { libc::accept4(listener, std::ptr::null_mut(), std::ptr::null_mut(), libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) };
                    if fd < 0 {
                        break;
                    }
                    let one: libc::c_int = 1;
                    // SAFETY: valid fd and option value.
                    unsafe { libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, (&one as *const libc::c_int).cast(), 4) };
                    let slot = clients.iter().position(Option::is_none).unwrap_or_else(|| {
                        clients.push(None);
                        clients.len() - 1
                    });
                    clients[slot] = Some(Client { fd, input: Box::new([0; BUFFER_BYTES]), filled: 0, skip: 0 });
                    if add(fd, slot as u64).is_err() {
                        close(&mut clients, slot);
                    }
                },
                slot => {
                    let slot = slot as usize;
                    if let Some(client) = clients[slot].as_mut() {
                        if !client.serve() {
                            close(&mut clients, slot);
                        }
                    }
                }
            }
        }
    }
    // Stopping: no new connections; what clients have sent is answered, then they are closed.
    // SAFETY: closing the listener this thread owns.
    unsafe { libc::close(listener) };
    for slot in 0..clients.len() {
        if let Some(client) = clients[slot].as_mut() {
            client.serve();
        }
        close(&mut clients, slot);
    }
    // SAFETY: closing the epoll fd this thread owns.
    unsafe { libc::close(epoll) };
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("rewrite-bench-floor: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let Ok(ip) = host.parse::<IpAddr>() else {
        return fail(&format!("Expected HOST to be an IP address, got `{host}`."));
    };
    let Some(port) = std::env::var("PORT").ok().and_then(|text| text.parse::<u16>().ok()).filter(|&port| port > 0) else {
        return fail(&format!("Expected PORT to be a port from 1 to 65535, got `{}`.", std::env::var("PORT").unwrap_or_default()));
    };
    let workers = match std::env::var("WORKERS").ok().map(|text| text.parse::<usize>()) {
        None => 1,
        Some(Ok(workers)) if (1..=256).contains(&workers) => workers,
        Some(_) => return fail(&format!("Expected WORKERS to be an integer from 1 to 256, got `{}`.", std::env::var("WORKERS").unwrap_or_default())),
    };
    let address = SocketAddr::new(if ip.is_unspecified() && ip.is_ipv4() { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { ip }, port);
    // SIGTERM and SIGINT are taken by a signalfd in this thread; the workers inherit the mask.
    // SAFETY: a zeroed sigset is valid; these calls only fill it and set this thread's mask.
    let signals = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::signalfd(-1, &set, libc::SFD_CLOEXEC)
    };
    // SAFETY: a new eventfd; every worker waits on it for the stop.
    let stop = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    if signals < 0 || stop < 0 {
        return fail(&format!("cannot set up signal handling: {}", io::Error::last_os_error()));
    }
    // Bind every listener before saying anything: a port in use fails here, at once.
    let failed = Arc::new(std::sync::Mutex::new(None::<String>));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let failed = Arc::clone(&failed);
            std::thread::spawn(move || {
                if let Err(error) = serve_thread(address, stop) {
                    *failed.lock().unwrap() = Some(error.to_string());
                    // Wake the main thread: a worker that cannot serve ends the server.
                    // SAFETY: raising SIGTERM at this process.
                    unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
                }
            })
        })
        .collect();
    eprintln!("rewrite-bench-floor: listening on {address} with {workers} worker thread(s)");
    let mut info = [0u8; std::mem::size_of::<libc::signalfd_siginfo>()];
    // SAFETY: blocks until SIGTERM or SIGINT; reads one siginfo record.
    while unsafe { libc::read(signals, info.as_mut_ptr().cast(), info.len()) } < 0 {}
    let one: u64 = 1;
    // SAFETY: writes 8 bytes to the eventfd (it stays readable: every worker sees it).
    unsafe { libc::write(stop, (&one as *const u64).cast(), 8) };
    for handle in handles {
        let _ = handle.join();
    }
    let error = failed.lock().unwrap().take();
    match error {
        Some(error) => fail(&format!("cannot serve on {address}: {error}")),
        None => ExitCode::SUCCESS,
    }
}
