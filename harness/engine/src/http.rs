//! HTTP/1.1 on the wire: the bytes of each prepared request (built once at startup) and an
//! incremental response parser (heads by `httparse`; bodies by Content-Length, chunked, or to
//! the close). Pure: no I/O.

use crate::job::RequestSpec;
use std::io::Write;

/// One request of the mix, ready to send.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// `METHOD path` for messages.
    pub label: String,
    pub expect_status: u16,
    pub expect_body: Option<Vec<u8>>,
    /// The whole request, when it has no sequence token.
    bytes: Vec<u8>,
    /// With a sequence token: the request in pieces around each occurrence of it.
    sequenced: Option<Sequenced>,
}

/// A request whose path and/or body carry a sequence token, split around the token.
#[derive(Debug, Clone)]
struct Sequenced {
    method: String,
    path_pieces: Vec<Vec<u8>>,
    /// ` HTTP/1.1`, Host and the job's headers, each line ending in CRLF.
    head_lines: Vec<u8>,
    /// None: no body (and no Content-Length unless the method carries one).
    body_pieces: Option<Vec<Vec<u8>>>,
    content_length_when_empty: bool,
}

/// Whether a request without a body still says `Content-Length: 0` (as clients do for these).
fn carries_body(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

impl PreparedRequest {
    /// Builds the request bytes for `spec` with `Host: host_header`.
    pub fn new(spec: &RequestSpec, host_header: &str) -> Self {
        let mut head_lines = format!(" HTTP/1.1\r\nHost: {host_header}\r\n").into_bytes();
        for (name, value) in &spec.headers {
            head_lines.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        let content_length_when_empty = carries_body(&spec.method);
        let split = |text: &str| -> Vec<Vec<u8>> {
            match &spec.sequence {
                Some(token) => text.split(token.as_str()).map(|piece| piece.as_bytes().to_vec()).collect(),
                None => vec![text.as_bytes().to_vec()],
            }
        };
        let sequenced = Sequenced {
            method: spec.method.clone(),
            path_pieces: split(&spec.path),
            head_lines,
            body_pieces: spec.body.as_deref().map(split),
            content_length_when_empty,
        };
        let mut request = PreparedRequest {
            label: format!("{} {}", spec.method, spec.path),
            expect_status: spec.expect_status,
            expect_body: spec.expect_body.as_ref().map(|body| body.as_bytes().to_vec()),
            bytes: Vec::new(),
            sequenced: None,
        };
        if spec.sequence.is_some() {
            request.sequenced = Some(sequenced);
        } else {
            sequenced.write(None, &mut request.bytes);
        }
        request
    }

    /// Whether each send must build its own bytes (the request has a sequence token).
    pub fn is_sequenced(&self) -> bool {
        self.sequenced.is_some()
    }

    /// The prebuilt bytes (empty for a sequenced request: use `write_sequenced`).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Writes a sequenced request with `sequence` in place of the token into `out` (cleared
    /// first; its capacity is reused, so no allocation once it is large enough).
    pub fn write_sequenced(&self, sequence: u64, out: &mut Vec<u8>) {
        out.clear();
        match &self.sequenced {
            Some(sequenced) => sequenced.write(Some(sequence), out),
            None => out.extend_from_slice(&self.bytes),
        }
    }
}

impl Sequenced {
    fn write(&self, sequence: Option<u64>, out: &mut Vec<u8>) {
        let mut digits_buffer = [0u8; 20];
        let digits = decimal(sequence.unwrap_or_default(), &mut digits_buffer);
        // `pieces` joined by the sequence number, and that length.
        let join = |pieces: &[Vec<u8>], out: &mut Vec<u8>| {
            for (index, piece) in pieces.iter().enumerate() {
                if index > 0 {
                    out.extend_from_slice(digits);
                }
                out.extend_from_slice(piece);
            }
        };
        let joined_len = |pieces: &[Vec<u8>]| pieces.iter().map(Vec::len).sum::<usize>() + (pieces.len() - 1) * digits.len();
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        join(&self.path_pieces, out);
        out.extend_from_slice(&self.head_lines);
        match &self.body_pieces {
            None if self.content_length_when_empty => out.extend_from_slice(b"Content-Length: 0\r\n\r\n"),
            None => out.extend_from_slice(b"\r\n"),
            Some(pieces) => {
                write!(out, "Content-Length: {}\r\n\r\n", joined_len(pieces)).expect("writing to a Vec cannot fail");
                join(pieces, out);
            }
        }
    }
}

/// `value` in decimal, written into `buffer` without allocating.
fn decimal(mut value: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[at..];
        }
    }
}

/// A response that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// What the parser has found so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed.
    Partial,
    /// One whole response; `close` when the connection cannot be reused after it.
    Complete { status: u16, close: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Body { remaining: u64 },
    UntilClose,
    ChunkSize,
    ChunkData { remaining: u64 },
    ChunkDataEnd,
    Trailers,
}

/// Largest response head (or chunk-size or trailer line) accepted.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

/// An incremental parser of one response at a time. The caller keeps unconsumed bytes and
/// passes them again with more; body bytes are consumed as they come, so a large body never
/// needs a large buffer.
#[derive(Debug, Clone)]
pub struct ResponseParser {
    state: State,
    status: u16,
    close: bool,
}

impl Default for ResponseParser {
    fn default() -> Self {
        ResponseParser { state: State::Head, status: 0, close: false }
    }
}

impl ResponseParser {
    /// Forgets any response in progress (a new connection).
    pub fn reset(&mut self) {
        *self = ResponseParser::default();
    }

    /// Parses from `input`; returns how many bytes were consumed and whether a response is
    /// complete (parsing stops right after it). Body bytes go to `body` when it is given.
    pub fn parse(&mut self, input: &[u8], mut body: Option<&mut Vec<u8>>) -> Result<(usize, Parsed), ParseError> {
        let mut at = 0;
        loop {
            let rest = &input[at..];
            match self.state {
                State::Head => match self.parse_head(rest)? {
                    Some(consumed) => at += consumed,
                    None => return Ok((at, Parsed::Partial)),
                },
                State::Body { remaining } | State::ChunkData { remaining } => {
                    let take = remaining.min(rest.len() as u64) as usize;
                    if let Some(body) = body.as_deref_mut() {
                        body.extend_from_slice(&rest[..take]);
                    }
                    at += take;
                    let remaining = remaining - take as u64;
                    self.state = match (self.state, remaining) {
                        (State::Body { .. }, 0) => return Ok((at, self.complete())),
                        (State::Body { .. }, _) => State::Body { remaining },
                        (_, 0) => State::ChunkDataEnd,
                        _ => State::ChunkData { remaining },
                    };
                    if remaining > 0 {
                        return Ok((at, Parsed::Partial));
                    }
                }
                State::UntilClose => {
                    if let Some(body) = body.as_deref_mut() {
                        body.extend_from_slice(rest);
                    }
                    return Ok((input.len(), Parsed::Partial));
                }
                State::ChunkSize => match httparse::parse_chunk_size(rest) {
                    Ok(httparse::Status::Complete((consumed, size))) => {
                        at += consumed;
                        self.state = if size == 0 { State::Trailers } else { State::ChunkData { remaining: size } };
                    }
                    Ok(httparse::Status::Partial) if rest.len() < MAX_HEAD_BYTES => return Ok((at, Parsed::Partial)),
                    _ => return Err(ParseError("invalid chunk size line in a chunked response".into())),
                },
                State::ChunkDataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        at += 2;
                        self.state = State::ChunkSize;
                    }
                    [] | [b'\r'] => return Ok((at, Parsed::Partial)),
                    _ => return Err(ParseError("chunk data not followed by CRLF in a chunked response".into())),
                },
                State::Trailers => match rest.windows(2).position(|pair| pair == b"\r\n") {
                    Some(0) => return Ok((at + 2, self.complete())),
                    Some(line_len) => at += line_len + 2,
                    None if rest.len() < MAX_HEAD_BYTES => return Ok((at, Parsed::Partial)),
                    None => return Err(ParseError("trailer line too long in a chunked response".into())),
                },
            }
        }
    }

    /// The peer closed the connection: completes a response whose body runs to the close.
    pub fn finish_at_eof(&mut self) -> Result<Parsed, ParseError> {
        match self.state {
            State::UntilClose => Ok(self.complete()),
            State::Head => Err(ParseError("connection closed before the response head".into())),
            _ => Err(ParseError("connection closed in the middle of the response body".into())),
        }
    }

    /// Whether nothing of a response has been read yet.
    pub fn is_idle(&self) -> bool {
        self.state == State::Head
    }

    fn complete(&mut self) -> Parsed {
        let parsed = Parsed::Complete { status: self.status, close: self.close };
        self.reset();
        parsed
    }

    /// Parses a head from `input`: the bytes it took, or None when it is not all there yet.
    fn parse_head(&mut self, input: &[u8]) -> Result<Option<usize>, ParseError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let consumed = match response.parse(input) {
            Ok(httparse::Status::Complete(consumed)) => consumed,
            Ok(httparse::Status::Partial) if input.len() < MAX_HEAD_BYTES => return Ok(None),
            Ok(httparse::Status::Partial) => return Err(ParseError(format!("response head larger than {MAX_HEAD_BYTES} bytes"))),
            Err(error) => return Err(ParseError(format!("invalid response head ({error})"))),
        };
        let status = response.code.unwrap_or_default();
        let mut keep_alive = response.version == Some(1);
        let mut content_length: Option<u64> = None;
        let mut chunked = false;
        for header in response.headers.iter() {
            let value = std::str::from_utf8(header.value).unwrap_or("").trim();
            if header.name.eq_ignore_ascii_case("content-length") {
                let length = value.parse::<u64>().map_err(|_| ParseError(format!("invalid Content-Length `{value}`")))?;
                if content_length.is_some_and(|seen| seen != length) {
                    return Err(ParseError("conflicting Content-Length headers".into()));
                }
                content_length = Some(length);
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            } else if header.name.eq_ignore_ascii_case("connection") {
                for option in value.split(',').map(str::trim) {
                    if option.eq_ignore_ascii_case("close") {
                        keep_alive = false;
                    } else if option.eq_ignore_ascii_case("keep-alive") {
                        keep_alive = true;
                    }
                }
            }
        }
        if (100..200).contains(&status) {
            if status == 101 {
                return Err(ParseError("unexpected 101 Switching Protocols".into()));
            }
            // An interim answer (100 Continue, 103 Early Hints): the real one follows.
            return Ok(Some(consumed));
        }
        self.status = status;
        self.close = !keep_alive;
        self.state = if status == 204 || status == 304 {
            State::Body { remaining: 0 }
        } else if chunked {
            State::ChunkSize
        } else if let Some(length) = content_length {
            State::Body { remaining: length }
        } else {
            self.close = true;
            State::UntilClose
        };
        Ok(Some(consumed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn spec(method: &str, path: &str, body: Option<&str>, sequence: Option<&str>) -> RequestSpec {
        RequestSpec {
            method: method.into(),
            path: path.into(),
            headers: BTreeMap::from([("content-type".to_string(), "application/json".to_string())]),
            body: body.map(String::from),
            expect_status: 200,
            expect_body: None,
            sequence: sequence.map(String::from),
        }
    }

    /// (status, close) of each complete response, and all body bytes.
    type Responses = (Vec<(u16, bool)>, Vec<u8>);

    /// Feeds `input` in pieces of `step` bytes, keeping unconsumed bytes like a connection does.
    fn parse_in_steps(input: &[u8], step: usize) -> Result<Responses, ParseError> {
        let mut parser = ResponseParser::default();
        let mut buffer = Vec::new();
        let mut body = Vec::new();
        let mut responses = Vec::new();
        for piece in input.chunks(step) {
            buffer.extend_from_slice(piece);
            loop {
                let (consumed, parsed) = parser.parse(&buffer, Some(&mut body))?;
                buffer.drain(..consumed);
                match parsed {
                    Parsed::Complete { status, close } => responses.push((status, close)),
                    Parsed::Partial => break,
                }
            }
        }
        Ok((responses, body))
    }

    #[test]
    fn a_get_request_is_built_once_with_host_and_headers() {
        let request = PreparedRequest::new(&spec("GET", "/json", None, None), "127.0.0.1:8080");
        assert_eq!(request.bytes(), b"GET /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\ncontent-type: application/json\r\n\r\n");
        assert_eq!(request.label, "GET /json");
        assert!(!request.is_sequenced());
    }

    #[test]
    fn a_body_gets_its_content_length() {
        let request = PreparedRequest::new(&spec("POST", "/p", Some("{\"a\":1}"), None), "h");
        assert_eq!(request.bytes(), b"POST /p HTTP/1.1\r\nHost: h\r\ncontent-type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
        let empty = PreparedRequest::new(&spec("PUT", "/p", None, None), "h");
        assert!(empty.bytes().ends_with(b"Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn the_sequence_token_is_replaced_in_path_and_body_with_content_length_recomputed() {
        let request = PreparedRequest::new(&spec("POST", "/items/{{seq}}", Some("{\"sku\":\"S-{{seq}}\",\"n\":\"{{seq}}\"}"), Some("{{seq}}")), "h");
        assert!(request.is_sequenced());
        let mut out = Vec::new();
        request.write_sequenced(7, &mut out);
        let body = "{\"sku\":\"S-7\",\"n\":\"7\"}";
        let expected = format!("POST /items/7 HTTP/1.1\r\nHost: h\r\ncontent-type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        assert_eq!(String::from_utf8(out.clone()).unwrap(), expected);
        request.write_sequenced(123_456_789_012, &mut out);
        let body = "{\"sku\":\"S-123456789012\",\"n\":\"123456789012\"}";
        assert!(String::from_utf8(out).unwrap().ends_with(&format!("Content-Length: {}\r\n\r\n{body}", body.len())));
    }

    #[test]
    fn content_length_responses_parse_whole_or_byte_by_byte() {
        let input = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
        for step in [input.len(), 1, 7] {
            let (responses, body) = parse_in_steps(input, step).unwrap();
            assert_eq!(responses, [(200, false), (404, false)]);
            assert_eq!(body, b"{\"ok\":true}");
        }
    }

    #[test]
    fn chunked_responses_with_extensions_and_trailers_split_across_reads() {
        let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\n{\"ok\r\n7\r\n\":true}\r\n0\r\nx-trailer: 1\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
        for step in [input.len(), 1, 2, 3, 5] {
            let (responses, body) = parse_in_steps(input, step).unwrap();
            assert_eq!(responses, [(200, false), (201, false)], "step {step}");
            assert_eq!(body, b"{\"ok\":true}", "step {step}");
        }
    }

    #[test]
    fn connection_close_and_http_1_0_mark_the_connection_done() {
        let (responses, _) = parse_in_steps(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 3).unwrap();
        assert_eq!(responses, [(200, true)]);
        let (responses, _) = parse_in_steps(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 100).unwrap();
        assert_eq!(responses, [(200, true)]);
        let (responses, _) = parse_in_steps(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 100).unwrap();
        assert_eq!(responses, [(200, false)]);
    }

    #[test]
    fn a_body_without_length_runs_to_the_close() {
        let mut parser = ResponseParser::default();
        let mut body = Vec::new();
        let (consumed, parsed) = parser.parse(b"HTTP/1.1 200 OK\r\n\r\nhello", Some(&mut body)).unwrap();
        assert_eq!((consumed, parsed), (24, Parsed::Partial));
        assert_eq!(parser.finish_at_eof().unwrap(), Parsed::Complete { status: 200, close: true });
        assert_eq!(body, b"hello");
    }

    #[test]
    fn interim_responses_are_skipped_and_no_content_has_no_body() {
        let (responses, _) = parse_in_steps(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 4).unwrap();
        assert_eq!(responses, [(204, false)]);
    }

    #[test]
    fn garbage_and_broken_framing_are_errors() {
        assert!(parse_in_steps(b"garbage\r\n\r\n", 100).is_err());
        assert!(parse_in_steps(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 100).is_err());
        assert!(parse_in_steps(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100).is_err());
        assert!(parse_in_steps(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n", 100).is_err());
        let mut parser = ResponseParser::default();
        parser.parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", None).unwrap();
        assert!(parser.finish_at_eof().is_err());
        let mut parser = ResponseParser::default();
        assert!(parser.finish_at_eof().is_err());
        let huge = vec![b'a'; MAX_HEAD_BYTES + 1];
        assert!(ResponseParser::default().parse(&[b"HTTP/1.1 200 OK\r\nx: ".as_slice(), &huge].concat(), None).is_err());
    }
}
