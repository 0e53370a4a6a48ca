//! TLS over a connection's non-blocking socket, for `https://` targets. rustls is sans-I/O: it
//! takes ciphertext read from the socket (`read_tls`), hands out plaintext (`reader`), takes
//! plaintext (`writer`) and gives ciphertext to write (`write_tls`); these helpers move the
//! bytes between it and the socket with the same EAGAIN handling as the plaintext path, so the
//! epoll loop, pacing and parser stay as they are. Plaintext connections never come here.

use crate::conn::errno_text;
use rustls::ClientConnection;
use std::io::{self, Read, Write};

/// A borrowed non-blocking socket as `Read`/`Write` for rustls (EAGAIN is `WouldBlock`).
struct Socket(libc::c_int);

impl Read for Socket {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        // SAFETY: valid fd and buffer.
        let count = unsafe { libc::recv(self.0, buffer.as_mut_ptr().cast(), buffer.len(), 0) };
        if count < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(count as usize)
        }
    }
}

impl Write for Socket {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        // SAFETY: valid fd and buffer; MSG_NOSIGNAL: a closed peer is an EPIPE, not a SIGPIPE.
        let count = unsafe { libc::send(self.0, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
        if count < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(count as usize)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn would_block(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted)
}

/// A short text for a socket error (`connection reset by peer`).
pub fn io_text(error: &io::Error) -> String {
    error.raw_os_error().map_or_else(|| error.to_string(), errno_text)
}

/// Where a handshake stands after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    Done,
    /// Waiting for the socket to take more bytes.
    WantsWrite,
    /// Waiting for the server.
    WantsRead,
}

/// Writes what rustls has to send; false when the socket is full.
fn send_pending(tls: &mut ClientConnection, fd: libc::c_int) -> io::Result<bool> {
    while tls.wants_write() {
        match tls.write_tls(&mut Socket(fd)) {
            Ok(_) => {}
            Err(error) if would_block(&error) => return Ok(false),
            Err(error) => return Err(error),
        }
    }
    Ok(true)
}

/// Takes the handshake as far as the socket allows; the error says why it failed.
pub fn handshake(tls: &mut ClientConnection, fd: libc::c_int) -> Result<Handshake, String> {
    loop {
        if !send_pending(tls, fd).map_err(|error| io_text(&error))? {
            return Ok(Handshake::WantsWrite);
        }
        if !tls.is_handshaking() {
            return Ok(Handshake::Done);
        }
        match tls.read_tls(&mut Socket(fd)) {
            Ok(0) => return Err("the server closed the connection during the TLS handshake".into()),
            Ok(_) => {
                if let Err(error) = tls.process_new_packets() {
                    // Tell the server why (best effort), then report it.
                    let _ = send_pending(tls, fd);
                    return Err(format!("TLS handshake failed: {error}"));
                }
            }
            Err(error) if would_block(&error) => return Ok(Handshake::WantsRead),
            Err(error) => return Err(io_text(&error)),
        }
    }
}

/// Encrypts and writes `bytes` from `*written` on; true once all is written, false when the
/// socket is full (call again when it is writable). The error is an OS error number.
pub fn write(tls: &mut ClientConnection, fd: libc::c_int, bytes: &[u8], written: &mut usize) -> Result<bool, i32> {
    let errno = |error: io::Error| error.raw_os_error().unwrap_or(libc::EIO);
    loop {
        if !send_pending(tls, fd).map_err(errno)? {
            return Ok(false);
        }
        if *written == bytes.len() {
            return Ok(true);
        }
        // Takes up to rustls' buffer limit (64 KiB) at a time; the loop sends it, then the rest.
        let taken = tls.writer().write(&bytes[*written..]).map_err(errno)?;
        if taken == 0 {
            return Err(libc::EIO);
        }
        *written += taken;
    }
}

/// What one read of ciphertext brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes came from the socket.
    pub got_bytes: bool,
    /// The server closed its side.
    pub eof: bool,
}

/// Reads ciphertext once and decrypts it; plaintext is then taken with `plaintext`.
pub fn receive(tls: &mut ClientConnection, fd: libc::c_int) -> Result<Received, String> {
    let received = match tls.read_tls(&mut Socket(fd)) {
        Ok(0) => Received { got_bytes: false, eof: true },
        Ok(_) => Received { got_bytes: true, eof: false },
        Err(error) if would_block(&error) => Received { got_bytes: false, eof: false },
        Err(error) => return Err(io_text(&error)),
    };
    tls.process_new_packets().map_err(|error| format!("TLS error: {error}"))?;
    // A key update or alert to answer: sent now if the socket takes it (it nearly always does).
    let _ = send_pending(tls, fd);
    Ok(received)
}

/// Plaintext into `buffer`: Some(count) (0: the server ended the TLS session), None when
/// nothing is there yet; an error when the connection ended without a TLS close (the caller
/// treats it as the end of the stream).
pub fn plaintext(tls: &mut ClientConnection, buffer: &mut [u8]) -> io::Result<Option<usize>> {
    match tls.reader().read(buffer) {
        Ok(count) => Ok(Some(count)),
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(error) => Err(error),
    }
}
