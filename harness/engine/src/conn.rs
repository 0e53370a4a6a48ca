//! One keep-alive connection: a non-blocking socket with its read buffer, response parser and
//! the request in flight (pipelining 1). It does the socket work and reports what happened; the
//! worker decides what that means for the counts. No allocation per request: the buffers are
//! reused (a sequenced request is built into `out`, a sampled body into `sample`).

use crate::http::{ParseError, Parsed, PreparedRequest, ResponseParser, MAX_HEAD_BYTES};
use crate::pacing::Poller;
use crate::target::TlsClient;
use crate::tls;
use std::io;
use std::net::SocketAddr;

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No socket; reopen at this time (after an error: a short backoff).
    Down { reopen_at_ns: u64 },
    /// Connect in progress; an error if not done by the deadline.
    Connecting { deadline_ns: u64 },
    /// `https://`: connected, TLS handshake in progress (same deadline as the connect).
    Handshaking { deadline_ns: u64 },
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
    /// Whether epoll watches this socket for writability (only while a write waits for room:
    /// epoll is level-triggered, so EPOLLOUT left armed on a writable socket wakes every wait).
    write_interest: bool,
    input: Vec<u8>,
    /// Whether the last `read` took bytes from the socket.
    read_got_bytes: bool,
    input_start: usize,
    input_end: usize,
    parser: ResponseParser,
    /// The body of a response sampled for verification.
    pub sample: Vec<u8>,
    /// `https://` only; None on the plaintext path, which never looks further.
    tls: Option<Box<rustls::ClientConnection>>,
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
            write_interest: false,
            input: vec![0; READ_BUFFER_BYTES],
            read_got_bytes: false,
            input_start: 0,
            input_end: 0,
            parser: ResponseParser::default(),
            sample: Vec::new(),
            tls: None,
        }
    }
}

impl Conn {
    /// The epoll token of this connection (its index and generation).
    pub fn token(&self, index: usize) -> u64 {
        (u64::from(self.generation) << 32) | index as u64
    }

    /// Starts a non-blocking connect (with `tls`, then a TLS handshake); the state becomes
    /// `Connecting` (`Handshaking`, or `Idle` if it all finished at once). On error the
    /// connection stays down and the reason is returned.
    pub fn open(&mut self, index: usize, address: &RawAddress, poller: &Poller, deadline_ns: u64, tls: Option<&TlsClient>) -> Result<(), String> {
        debug_assert!(self.fd < 0);
        // SAFETY: plain socket syscalls on an fd this connection owns from here on.
        let fd = unsafe { libc::socket(address.family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(errno_text(last_errno()));
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
            return Err(errno_text(errno));
        }
        if let Some(client) = tls {
            match rustls::ClientConnection::new(client.config.clone(), client.server_name.clone()) {
                Ok(session) => self.tls = Some(Box::new(session)),
                Err(error) => {
                    self.close();
                    return Err(format!("cannot start TLS: {error}"));
                }
            }
        }
        let interest = if errno == 0 { READ_INTEREST } else { libc::EPOLLOUT as u32 };
        if let Err(error) = poller.add(fd, self.token(index), interest) {
            self.close();
            return Err(errno_text(error.raw_os_error().unwrap_or(libc::EIO)));
        }
        self.state = State::Connecting { deadline_ns };
        if errno == 0 {
            return self.connected(index, poller);
        }
        Ok(())
    }

    /// The TCP connection is up: `Idle`, or for TLS the handshake starts.
    fn connected(&mut self, index: usize, poller: &Poller) -> Result<(), String> {
        let State::Connecting { deadline_ns } = self.state else { return Ok(()) };
        if self.tls.is_none() {
            self.state = State::Idle;
            return Ok(());
        }
        self.state = State::Handshaking { deadline_ns };
        self.handshake(index, poller)
    }

    /// Takes the TLS handshake as far as the socket allows; `Idle` once it is done.
    pub fn handshake(&mut self, index: usize, poller: &Poller) -> Result<(), String> {
        let session = self.tls.as_deref_mut().expect("only TLS connections handshake");
        let step = tls::handshake(session, self.fd)?;
        self.set_write_interest(index, poller, step == tls::Handshake::WantsWrite).map_err(errno_text)?;
        if step == tls::Handshake::Done {
            self.state = State::Idle;
        }
        Ok(())
    }

    /// Completes a connect that epoll reported (`Idle`, or `Handshaking` for TLS), else the reason.
    pub fn finish_connect(&mut self, index: usize, poller: &Poller) -> Result<(), String> {
        let mut error: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: valid fd and out-pointers.
        let result = unsafe { libc::getsockopt(self.fd, libc::SOL_SOCKET, libc::SO_ERROR, (&mut error as *mut libc::c_int).cast(), &mut len) };
        let errno = if result < 0 { last_errno() } else { error };
        if errno == libc::EINPROGRESS || errno == libc::EALREADY {
            return Ok(());
        }
        if errno != 0 {
            return Err(errno_text(errno));
        }
        poller.modify(self.fd, self.token(index), READ_INTEREST).map_err(|error| errno_text(error.raw_os_error().unwrap_or(libc::EIO)))?;
        self.connected(index, poller)
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
        self.write_interest = false;
        self.input_start = 0;
        self.input_end = 0;
        self.parser.reset();
        self.sample.clear();
        self.tls = None;
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
    /// buffer is full, and stops asking once all is written (whether or not the first attempt
    /// wrote anything).
    pub fn flush(&mut self, index: usize, requests: &[PreparedRequest], poller: &Poller) -> Result<(), i32> {
        if !self.out_pending {
            return Ok(());
        }
        let Some(flight) = self.in_flight else { return Ok(()) };
        let bytes = if self.out_is_own { &self.out[..] } else { requests[flight.request].bytes() };
        if let Some(session) = self.tls.as_deref_mut() {
            if !tls::write(session, self.fd, bytes, &mut self.out_written)? {
                return self.set_write_interest(index, poller, true);
            }
            self.out_pending = false;
            return self.set_write_interest(index, poller, false);
        }
        while self.out_written < bytes.len() {
            let rest = &bytes[self.out_written..];
            // SAFETY: valid fd and buffer; MSG_NOSIGNAL: a closed peer is an EPIPE, not a SIGPIPE.
            let written = unsafe { libc::send(self.fd, rest.as_ptr().cast(), rest.len(), libc::MSG_NOSIGNAL) };
            if written < 0 {
                let errno = last_errno();
                if errno == libc::EAGAIN || errno == libc::EWOULDBLOCK {
                    return self.set_write_interest(index, poller, true);
                }
                if errno == libc::EINTR {
                    continue;
                }
                return Err(errno);
            }
            self.out_written += written as usize;
        }
        self.out_pending = false;
        self.set_write_interest(index, poller, false)
    }

    fn set_write_interest(&mut self, index: usize, poller: &Poller, wanted: bool) -> Result<(), i32> {
        if self.write_interest != wanted {
            let interest = if wanted { WRITE_INTEREST } else { READ_INTEREST };
            poller.modify(self.fd, self.token(index), interest).map_err(|error| error.raw_os_error().unwrap_or(libc::EIO))?;
            self.write_interest = wanted;
        }
        Ok(())
    }

    /// Whether part of the request is still waiting for the socket to take it.
    pub fn wants_write(&self) -> bool {
        self.out_pending
    }

    /// Reads once and parses what came; at most one response completes (pipelining 1).
    pub fn read(&mut self) -> ReadOutcome {
        if self.tls.is_some() {
            return self.read_tls();
        }
        if let Err(failed) = self.make_room() {
            return failed;
        }
        let space = &mut self.input[self.input_end..];
        // SAFETY: valid fd; reads into the free part of the buffer.
        let count = unsafe { libc::recv(self.fd, space.as_mut_ptr().cast(), space.len(), 0) };
        self.read_got_bytes = count > 0;
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
        self.parse_input()
    }

    /// `read` for TLS: ciphertext once from the socket, then all the plaintext it gave, parsed
    /// as it comes (plaintext left in rustls would get no epoll event of its own).
    fn read_tls(&mut self) -> ReadOutcome {
        let session = self.tls.as_deref_mut().expect("a TLS connection");
        let received = match tls::receive(session, self.fd) {
            Ok(received) => received,
            Err(reason) => return ReadOutcome::Failed(reason),
        };
        self.read_got_bytes = received.got_bytes;
        loop {
            if let Err(failed) = self.make_room() {
                return failed;
            }
            let session = self.tls.as_deref_mut().expect("a TLS connection");
            match tls::plaintext(session, &mut self.input[self.input_end..]) {
                Ok(None) => break,
                // The server ended the TLS session (0), or closed without saying so (an error).
                Ok(Some(0)) | Err(_) => return self.at_eof(),
                Ok(Some(count)) => {
                    self.input_end += count;
                    let outcome = self.parse_input();
                    if outcome != ReadOutcome::Pending {
                        return outcome;
                    }
                }
            }
        }
        if received.eof {
            return self.at_eof();
        }
        ReadOutcome::Pending
    }

    /// Makes room at the end of the input buffer (keeping unparsed bytes).
    fn make_room(&mut self) -> Result<(), ReadOutcome> {
        if self.input_end == self.input.len() {
            if self.input_start > 0 {
                self.input.copy_within(self.input_start..self.input_end, 0);
                self.input_end -= self.input_start;
                self.input_start = 0;
            } else if self.input.len() < 2 * MAX_HEAD_BYTES {
                // Only a head (or chunk line) larger than the buffer is kept whole: grow for it.
                self.input.resize(self.input.len() * 2, 0);
            } else {
                return Err(ReadOutcome::Failed("response head too large".into()));
            }
        }
        Ok(())
    }

    /// Parses the unparsed input for the request in flight.
    fn parse_input(&mut self) -> ReadOutcome {
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
                        // Answered before the request was all written (a 413 or 401 sent
                        // early): the rest of the body cannot be written and the server may be
                        // reading it still, so the next request would land inside it. The
                        // answer counts; the connection is replaced.
                        ReadOutcome::Response { status, close: close || self.out_pending }
                    }
                }
            }
        }
    }

    /// Reads until an answer completes, the connection ends, or the socket holds nothing more
    /// (after a failed write: the server may have answered, then closed, before reading it all).
    pub fn read_what_is_there(&mut self) -> ReadOutcome {
        loop {
            let outcome = self.read();
            if outcome != ReadOutcome::Pending || !self.read_got_bytes {
                return outcome;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_ns;
    use crate::job::RequestSpec;
    use std::io::Read;
    use std::net::TcpListener;

    fn request(body_bytes: usize) -> PreparedRequest {
        let spec = RequestSpec {
            method: "POST".into(),
            path: "/p".into(),
            headers: Default::default(),
            body: Some("x".repeat(body_bytes)),
            expect_status: 200,
            expect_body: None,
            sequence: None,
        };
        PreparedRequest::new(&spec, "h")
    }

    /// The events of one wait of up to `wait_ms`: (token, flags).
    fn events(poller: &mut Poller, wait_ms: u64) -> Vec<(u64, u32)> {
        let ready = poller.wait_until(now_ns() + wait_ms * 1_000_000).unwrap();
        (0..ready).map(|index| poller.event(index)).collect()
    }

    #[test]
    fn a_write_that_first_found_the_buffer_full_stops_watching_writability_once_done() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut poller = Poller::new(false).unwrap();
        let mut conn = Conn::default();
        conn.open(0, &RawAddress::new(&listener.local_addr().unwrap()), &poller, u64::MAX, None).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        while conn.state != State::Idle {
            events(&mut poller, 100);
            conn.finish_connect(0, &poller).unwrap();
        }
        // Fill the socket's buffers (the server reads nothing yet), as the unread body of an
        // earlier request answered early does.
        let filler = vec![0u8; 64 * 1024];
        let mut filled = 0usize;
        loop {
            // SAFETY: valid fd and buffer.
            let written = unsafe { libc::send(conn.fd, filler.as_ptr().cast(), filler.len(), libc::MSG_NOSIGNAL) };
            if written < 0 {
                assert_eq!(last_errno(), libc::EAGAIN);
                break;
            }
            filled += written as usize;
        }
        // The next request's first send writes nothing: the connection asks for writability.
        let requests = [request(100)];
        let flight = InFlight { request: 0, planned_ns: 0, sent_ns: 0, in_window: true, verify: false };
        conn.send(0, &requests, flight, None, &poller).unwrap();
        assert!(conn.wants_write() && conn.write_interest);
        assert_eq!(conn.out_written, 0, "the first send found no room");
        // The server drains the filler and the request; epoll says the socket is writable and
        // the write completes.
        let total = filled + requests[0].bytes().len();
        let reader = std::thread::spawn(move || {
            let mut buffer = vec![0u8; 64 * 1024];
            let mut read = 0;
            while read < total {
                read += server.read(&mut buffer).unwrap();
            }
            server
        });
        while conn.wants_write() {
            for (token, flags) in events(&mut poller, 1000) {
                assert_eq!(token, conn.token(0));
                if flags & libc::EPOLLOUT as u32 != 0 {
                    conn.flush(0, &requests, &poller).unwrap();
                }
            }
        }
        let _server = reader.join().unwrap();
        // Nothing is left to write: epoll must not report writability any more (level-triggered
        // EPOLLOUT would wake every wait: a thread spinning at 100 %).
        assert_eq!(events(&mut poller, 50), [], "no event while the request waits for its answer");
        assert!(!conn.write_interest);
    }
}
