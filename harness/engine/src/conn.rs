//! One keep-alive connection: a non-blocking socket with its read buffer, response parser and
//! the request in flight (pipelining 1). It does the socket work and reports what happened; the
//! worker decides what that means for the counts. No allocation per request: the buffers are
//! reused (a sequenced request is built into `out`, a sampled body into `sample`).

use crate::http::{ParseError, Parsed, PreparedRequest, ResponseParser, MAX_HEAD_BYTES};
use crate::pacing::Poller;
use std::io;
use std::net::SocketAddr;

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No socket; reopen at this time (after an error: a short backoff).
    Down { reopen_at_ns: u64 },
    /// Connect in progress; an error if not done by the deadline.
    Connecting { deadline_ns: u64 },
    /// Connected, no request in flight.
    Idle,
    /// A request written (or being written), its answer not complete yet.
    Busy,
}

/// The request a connection is serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    /// Index in the prepared-request table.
    pub request: usize,
    /// Open loop: the planned send time; closed loop: the send time.
    pub planned_ns: u64,
    pub sent_ns: u64,
    pub in_window: bool,
    /// Whether the body is kept in `sample` for verification.
    pub verify: bool,
}

/// What one read brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Nothing complete yet.
    Pending,
    /// The whole answer to the request in flight.
    Response { status: u16, close: bool },
    /// The server closed a connection with nothing in flight.
    ClosedIdle,
    /// The connection broke or the answer was malformed.
    Failed(String),
}

const READ_BUFFER_BYTES: usize = 16 * 1024;
const READ_INTEREST: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
const WRITE_INTEREST: u32 = READ_INTEREST | libc::EPOLLOUT as u32;

/// A socket address in the form `connect(2)` takes.
#[derive(Clone, Copy)]
pub struct RawAddress {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
    family: libc::c_int,
}

impl RawAddress {
    /// Converts `addr` once, for every connect of a run.
    pub fn new(addr: &SocketAddr) -> Self {
        // SAFETY: sockaddr_storage is plain data; all-zero is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let (len, family) = match addr {
            SocketAddr::V4(v4) => {
                // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
                let sin = unsafe { &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = v4.port().to_be();
                sin.sin_addr = libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) };
                (std::mem::size_of::<libc::sockaddr_in>(), libc::AF_INET)
            }
            SocketAddr::V6(v6) => {
                // SAFETY: as above, for sockaddr_in6.
                let sin6 = unsafe { &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = v6.port().to_be();
                sin6.sin6_addr = libc::in6_addr { s6_addr: v6.ip().octets() };
                sin6.sin6_scope_id = v6.scope_id();
                (std::mem::size_of::<libc::sockaddr_in6>(), libc::AF_INET6)
            }
        };
        RawAddress { storage, len: len as libc::socklen_t, family }
    }
}

/// A short text for an OS error number (`connection refused`).
pub fn errno_text(errno: i32) -> String {
    match errno {
        libc::ECONNREFUSED => "connection refused".into(),
        libc::ECONNRESET => "connection reset by peer".into(),
        libc::EPIPE => "broken pipe".into(),
        libc::ETIMEDOUT => "connection timed out".into(),
        libc::ENETUNREACH => "network unreachable".into(),
        libc::EHOSTUNREACH => "host unreachable".into(),
        libc::EADDRNOTAVAIL => "no local address available (ephemeral ports exhausted?)".into(),
        libc::EMFILE | libc::ENFILE => "too many open files".into(),
        _ => io::Error::from_raw_os_error(errno).to_string(),
    }
}

fn last_errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// One connection of a worker.
pub struct Conn {
    /// The socket, or -1 when down.
    fd: libc::c_int,
    /// Bumped at every close, so that stale events and queue entries are recognised.
    pub generation: u32,
    pub state: State,
    pub in_flight: Option<InFlight>,
    /// Answers received on the current socket.
    pub served: u64,
    /// The bytes of a sequenced request (prebuilt requests are written from the table).
    out: Vec<u8>,
    out_is_own: bool,
    out_written: usize,
    /// Bytes of the request in flight still to write.
    out_pending: bool,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    parser: ResponseParser,
    /// The body of a response sampled for verification.
    pub sample: Vec<u8>,
}

impl Default for Conn {
    fn default() -> Self {
        Conn {
            fd: -1,
            generation: 0,
            state: State::Down { reopen_at_ns: 0 },
            in_flight: None,
            served: 0,
            out: Vec::new(),
            out_is_own: false,
            out_written: 0,
            out_pending: false,
            input: vec![0; READ_BUFFER_BYTES],
            input_start: 0,
            input_end: 0,
            parser: ResponseParser::default(),
            sample: Vec::new(),
        }
    }
}

impl Conn {
    /// The epoll token of this connection (its index and generation).
    pub fn token(&self, index: usize) -> u64 {
        (u64::from(self.generation) << 32) | index as u64
    }

    /// Starts a non-blocking connect; the state becomes `Connecting` (or `Idle` if it finished
    /// at once). On error the connection stays down and the OS error number is returned.
    pub fn open(&mut self, index: usize, address: &RawAddress, poller: &Poller, deadline_ns: u64) -> Result<(), i32> {
        debug_assert!(self.fd < 0);
        // SAFETY: plain socket syscalls on an fd this connection owns from here on.
        let fd = unsafe { libc::socket(address.family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(last_errno());
        }
        self.fd = fd;
        let one: libc::c_int = 1;
        // SAFETY: valid fd and option value.
        unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        // SAFETY: the address and its length come from RawAddress.
        let result = unsafe { libc::connect(fd, (&address.storage as *const libc::sockaddr_storage).cast(), address.len) };
        let errno = if result == 0 { 0 } else { last_errno() };
        if errno != 0 && errno != libc::EINPROGRESS {
            self.close();
            return Err(errno);
        }
        let (state, interest) = if errno == 0 { (State::Idle, READ_INTEREST) } else { (State::Connecting { deadline_ns }, libc::EPOLLOUT as u32) };
        if let Err(error) = poller.add(fd, self.token(index), interest) {
            self.close();
            return Err(error.raw_os_error().unwrap_or(libc::EIO));
        }
        self.state = state;
        Ok(())
    }

    /// Completes a connect that epoll reported; `Idle` on success, else the OS error number.
    pub fn finish_connect(&mut self, index: usize, poller: &Poller) -> Result<(), i32> {
        let mut error: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: valid fd and out-pointers.
        let result = unsafe { libc::getsockopt(self.fd, libc::SOL_SOCKET, libc::SO_ERROR, (&mut error as *mut libc::c_int).cast(), &mut len) };
        let errno = if result < 0 { last_errno() } else { error };
        if errno == libc::EINPROGRESS || errno == libc::EALREADY {
            return Ok(());
        }
        if errno != 0 {
            return Err(errno);
        }
        poller.modify(self.fd, self.token(index), READ_INTEREST).map_err(|error| error.raw_os_error().unwrap_or(libc::EIO))?;
        self.state = State::Idle;
        Ok(())
    }

    /// Closes the socket (the request in flight, if any, stays for the caller to account for).
    pub fn close(&mut self) {
        if self.fd >= 0 {
            // SAFETY: closing the fd this connection owns (epoll forgets it with the close).
            unsafe { libc::close(self.fd) };
        }
        self.fd = -1;
        self.generation = self.generation.wrapping_add(1);
        self.state = State::Down { reopen_at_ns: 0 };
        self.served = 0;
        self.out_pending = false;
        self.input_start = 0;
        self.input_end = 0;
        self.parser.reset();
        self.sample.clear();
    }

    /// Writes `flight`'s request (with `sequence` in place of its token, if it has one) and
    /// marks the connection busy. On a write error the OS error number is returned.
    pub fn send(&mut self, index: usize, requests: &[PreparedRequest], flight: InFlight, sequence: Option<u64>, poller: &Poller) -> Result<(), i32> {
        let request = &requests[flight.request];
        self.out_is_own = request.is_sequenced();
        if self.out_is_own {
            request.write_sequenced(sequence.unwrap_or_default(), &mut self.out);
        }
        self.in_flight = Some(flight);
        self.state = State::Busy;
        self.out_written = 0;
        self.out_pending = true;
        self.sample.clear();
        self.flush(index, requests, poller)
    }

    /// Writes what is left of the request in flight; asks epoll for writability if the socket
    /// buffer is full, and stops asking once all is written.
    pub fn flush(&mut self, index: usize, requests: &[PreparedRequest], poller: &Poller) -> Result<(), i32> {
        if !self.out_pending {
            return Ok(());
        }
        let Some(flight) = self.in_flight else { return Ok(()) };
        let bytes = if self.out_is_own { &self.out[..] } else { requests[flight.request].bytes() };
        let partial_before = self.out_written > 0;
        while self.out_written < bytes.len() {
            let rest = &bytes[self.out_written..];
            // SAFETY: valid fd and buffer; MSG_NOSIGNAL: a closed peer is an EPIPE, not a SIGPIPE.
            let written = unsafe { libc::send(self.fd, rest.as_ptr().cast(), rest.len(), libc::MSG_NOSIGNAL) };
            if written < 0 {
                let errno = last_errno();
                if errno == libc::EAGAIN || errno == libc::EWOULDBLOCK {
                    poller.modify(self.fd, self.token(index), WRITE_INTEREST).map_err(|error| error.raw_os_error().unwrap_or(libc::EIO))?;
                    return Ok(());
                }
                if errno == libc::EINTR {
                    continue;
                }
                return Err(errno);
            }
            self.out_written += written as usize;
        }
        self.out_pending = false;
        if partial_before {
            poller.modify(self.fd, self.token(index), READ_INTEREST).map_err(|error| error.raw_os_error().unwrap_or(libc::EIO))?;
        }
        Ok(())
    }

    /// Whether part of the request is still waiting for the socket to take it.
    pub fn wants_write(&self) -> bool {
        self.out_pending
    }

    /// Reads once and parses what came; at most one response completes (pipelining 1).
    pub fn read(&mut self) -> ReadOutcome {
        if self.input_end == self.input.len() {
            if self.input_start > 0 {
                self.input.copy_within(self.input_start..self.input_end, 0);
                self.input_end -= self.input_start;
                self.input_start = 0;
            } else if self.input.len() < 2 * MAX_HEAD_BYTES {
                // Only a head (or chunk line) larger than the buffer is kept whole: grow for it.
                self.input.resize(self.input.len() * 2, 0);
            } else {
                return ReadOutcome::Failed("response head too large".into());
            }
        }
        let space = &mut self.input[self.input_end..];
        // SAFETY: valid fd; reads into the free part of the buffer.
        let count = unsafe { libc::recv(self.fd, space.as_mut_ptr().cast(), space.len(), 0) };
        if count < 0 {
            let errno = last_errno();
            return match errno {
                libc::EAGAIN | libc::EINTR => ReadOutcome::Pending,
                _ => ReadOutcome::Failed(errno_text(errno)),
            };
        }
        if count == 0 {
            return self.at_eof();
        }
        self.input_end += count as usize;
        let Some(flight) = self.in_flight else {
            return ReadOutcome::Failed("data from the server with no request in flight".into());
        };
        let body = if flight.verify { Some(&mut self.sample) } else { None };
        let parsed = self.parser.parse(&self.input[self.input_start..self.input_end], body);
        match parsed {
            Err(ParseError(message)) => ReadOutcome::Failed(message),
            Ok((consumed, parsed)) => {
                self.input_start += consumed;
                if self.input_start == self.input_end {
                    self.input_start = 0;
                    self.input_end = 0;
                }
                match parsed {
                    Parsed::Partial => ReadOutcome::Pending,
                    Parsed::Complete { status, close } => {
                        self.served += 1;
                        ReadOutcome::Response { status, close }
                    }
                }
            }
        }
    }

    fn at_eof(&mut self) -> ReadOutcome {
        if self.in_flight.is_none() && self.parser.is_idle() && self.input_start == self.input_end {
            return ReadOutcome::ClosedIdle;
        }
        match self.parser.finish_at_eof() {
            Ok(Parsed::Complete { status, .. }) => {
                self.served += 1;
                ReadOutcome::Response { status, close: true }
            }
            Ok(Parsed::Partial) => ReadOutcome::Failed("connection closed".into()),
            Err(ParseError(message)) => ReadOutcome::Failed(message),
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.fd >= 0 {
            // SAFETY: closing the fd this connection owns.
            unsafe { libc::close(self.fd) };
        }
    }
}
