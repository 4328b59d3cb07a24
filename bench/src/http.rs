//! Just enough HTTP/1.1 for the Lambda Runtime API: one message (request or
//! response) at a time over a persistent connection, bodies framed by
//! `Content-Length` or chunked transfer coding.

use std::io::{self, BufRead, Read, Write};

/// Longest start or header line accepted, and the most headers.
const MAX_LINE: usize = 16 * 1024;
const MAX_HEADERS: usize = 128;
/// Lambda's payload limit is 6 MB; anything much larger is a harness bug.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A request or a response: the start line, the headers as sent, the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `(method, target)` of a request line.
    pub fn request_line(&self) -> Option<(&str, &str)> {
        let mut parts = self.start_line.split(' ');
        let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
        (version.starts_with("HTTP/1.") && parts.next().is_none()).then_some((method, target))
    }

    /// The status code of a status line.
    pub fn status(&self) -> Option<u16> {
        let mut parts = self.start_line.splitn(3, ' ');
        let version = parts.next()?;
        if !version.starts_with("HTTP/1.") {
            return None;
        }
        parts.next()?.parse().ok()
    }

    /// Whether the peer asked to close the connection after this message.
    pub fn wants_close(&self) -> bool {
        self.header("connection").is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
    }
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

/// One CRLF- (or LF-) terminated line without its terminator; `None` at EOF
/// before any byte.
fn read_line<R: BufRead>(reader: &mut R) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() > MAX_LINE { invalid("line too long") } else { io::ErrorKind::UnexpectedEof.into() });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map(Some).map_err(|_| invalid("line is not UTF-8"))
}

/// Reads one message. `Ok(None)` means the peer closed the connection cleanly
/// between messages.
pub fn read_message<R: BufRead>(reader: &mut R) -> io::Result<Option<Message>> {
    let start_line = loop {
        match read_line(reader)? {
            None => return Ok(None),
            // RFC 9112 §2.2: ignore empty lines before a request line.
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or(io::ErrorKind::UnexpectedEof)?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(invalid("too many headers"));
        }
        let (name, value) = line.split_once(':').ok_or_else(|| invalid(format!("bad header line {line:?}")))?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(invalid(format!("bad header name {name:?}")));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut message = Message { start_line, headers, body: Vec::new() };
    let chunked = message
        .header("transfer-encoding")
        .is_some_and(|v| v.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked")));
    if chunked {
        message.body = read_chunked(reader)?;
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid(format!("bad Content-Length {length:?}")))?;
        if length > MAX_BODY {
            return Err(invalid("body too large"));
        }
        message.body = vec![0; length];
        reader.read_exact(&mut message.body)?;
    }
    Ok(Some(message))
}

fn read_chunked<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or(io::ErrorKind::UnexpectedEof)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader)?.ok_or(io::ErrorKind::UnexpectedEof)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        if !read_line(reader)?.ok_or(io::ErrorKind::UnexpectedEof)?.is_empty() {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

/// Serialises a message with a `Content-Length`, in one buffer so it leaves
/// in one write.
pub fn encode(start_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(start_line.len() + 64 * (headers.len() + 1) + body.len());
    out.extend_from_slice(start_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Content-Length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    out
}

pub fn write_response<W: Write>(mut w: W, status: u16, headers: &[(&str, &str)], body: &[u8]) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        _ => "Unknown",
    };
    w.write_all(&encode(&format!("HTTP/1.1 {status} {reason}"), headers, body))?;
    w.flush()
}

pub fn write_request<W: Write>(
    mut w: W,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    w.write_all(&encode(&format!("{method} {target} HTTP/1.1"), headers, body))?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;

    use super::*;

    fn read_all(bytes: &[u8]) -> io::Result<Vec<Message>> {
        let mut reader = BufReader::new(bytes);
        let mut out = Vec::new();
        while let Some(m) = read_message(&mut reader)? {
            out.push(m);
        }
        Ok(out)
    }

    #[test]
    fn reads_pipelined_requests_on_one_connection() {
        let wire =
            b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nuser-agent: aws-lambda-rust/1\r\n\r\n\
POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\ncontent-length: 7\r\n\r\n{\"a\":1}\
GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n";
        let messages = read_all(wire).unwrap();
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[0].request_line(), Some(("GET", "/2018-06-01/runtime/invocation/next")));
        assert_eq!(messages[0].header("User-Agent"), Some("aws-lambda-rust/1"));
        assert!(messages[0].body.is_empty());
        assert_eq!(messages[1].request_line(), Some(("POST", "/2018-06-01/runtime/invocation/abc/response")));
        assert_eq!(messages[1].body, b"{\"a\":1}");
        assert_eq!(messages[2].request_line().unwrap().0, "GET");
    }

    #[test]
    fn reads_chunked_bodies_with_extensions_and_trailers() {
        let wire = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n";
        let messages = read_all(wire).unwrap();
        assert_eq!(messages[0].body, b"Wikipedia");
    }

    #[test]
    fn reads_responses_and_tolerates_bare_lf() {
        let wire = b"HTTP/1.1 202 Accepted\nContent-Length: 2\n\nok";
        let m = read_all(wire).unwrap().remove(0);
        assert_eq!(m.status(), Some(202));
        assert_eq!(m.body, b"ok");
        assert_eq!(m.request_line(), None);
    }

    #[test]
    fn round_trips_what_it_writes() {
        let mut wire = Vec::new();
        write_response(&mut wire, 200, &[("Lambda-Runtime-Aws-Request-Id", "id-1")], b"{}").unwrap();
        write_request(&mut wire, "POST", "/p", &[("Connection", "close")], b"body").unwrap();
        let messages = read_all(&wire).unwrap();
        assert_eq!(messages[0].status(), Some(200));
        assert_eq!(messages[0].header("lambda-runtime-aws-request-id"), Some("id-1"));
        assert_eq!(messages[0].header("content-length"), Some("2"));
        assert_eq!(messages[1].request_line(), Some(("POST", "/p")));
        assert!(messages[1].wants_close());
        assert_eq!(messages[1].body, b"body");
    }

    #[test]
    fn clean_eof_between_messages_is_not_an_error() {
        assert!(read_all(b"").unwrap().is_empty());
        assert!(read_all(b"\r\n").unwrap().is_empty());
    }

    #[test]
    fn refuses_broken_messages() {
        for wire in [
            &b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n",
        ] {
            assert!(read_all(wire).is_err(), "{:?}", String::from_utf8_lossy(wire));
        }
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE));
        assert!(read_all(long.as_bytes()).is_err());
    }

    #[test]
    fn request_and_status_lines_are_validated() {
        let message = |line: &str| Message { start_line: line.into(), headers: vec![], body: vec![] };
        assert_eq!(message("GET / HTTP/1.0").request_line(), Some(("GET", "/")));
        assert_eq!(message("GET /").request_line(), None);
        assert_eq!(message("GET / SPDY/3").request_line(), None);
        assert_eq!(message("HTTP/1.1 abc OK").status(), None);
        assert_eq!(message("HTTP/1.1 500").status(), Some(500));
    }
}
