//! HTTP/1.1 over a plain `TcpStream`, byte for byte.
//!
//! Requests are written exactly as the test builds them: no header is added, reordered or
//! re-cased, so tests control what the relay's wire tap sees. Answers are read with `httparse` and
//! framed by `Content-Length` (every relay answer has one) or, failing that, by the connection
//! closing. Leftover bytes stay buffered, so pipelined answers can be read one after another.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long a read or write may block before the test fails instead of hanging.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers in arrival order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body as received.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive) as UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// The body as JSON.
    ///
    /// # Panics
    /// When it is not JSON, showing what it was.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("answer {} is not JSON ({e}): {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    /// The body, lossily as text, for failure messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive connection.
#[derive(Debug)]
pub struct HttpConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl HttpConn {
    /// Connects to `addr` with Nagle off and 30 s I/O timeouts.
    pub fn connect(addr: SocketAddr) -> io::Result<HttpConn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(HttpConn { stream, buf: Vec::new() })
    }

    /// Writes raw bytes (one or more requests, or part of one).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends one request and reads its answer.
    pub fn request(&mut self, request: &[u8]) -> io::Result<Response> {
        self.send(request)?;
        self.read_response()
    }

    /// Reads the next answer on the connection.
    pub fn read_response(&mut self) -> io::Result<Response> {
        loop {
            if let Some((head_len, status, headers)) = self.parse_head()? {
                let length = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .map(|(_, v)| {
                        std::str::from_utf8(v)
                            .ok()
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length"))
                    })
                    .transpose()?;
                if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding")) {
                    return Err(io::Error::new(io::ErrorKind::Unsupported, "chunked answers are not expected"));
                }
                let end = match length {
                    Some(len) => {
                        while self.buf.len() < head_len + len {
                            if self.fill()? == 0 {
                                return Err(io::ErrorKind::UnexpectedEof.into());
                            }
                        }
                        head_len + len
                    }
                    // No length: the body runs to the end of the connection.
                    None => {
                        while self.fill()? > 0 {}
                        self.buf.len()
                    }
                };
                let body = self.buf[head_len..end].to_vec();
                self.buf.drain(..end);
                return Ok(Response { status, headers, body });
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn parse_head(&self) -> io::Result<Option<(usize, u16, Vec<(String, Vec<u8>)>)>> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut res = httparse::Response::new(&mut headers);
        match res.parse(&self.buf) {
            Ok(httparse::Status::Complete(head_len)) => Ok(Some((
                head_len,
                res.code.unwrap_or(0),
                res.headers.iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
            ))),
            Ok(httparse::Status::Partial) => Ok(None),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, format!("malformed answer: {e}"))),
        }
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }
}

/// A raw request: the request line, exactly these header lines in this order, a blank line, then
/// `body` as is (already chunk-encoded if a header says so). Nothing is added.
pub fn raw_request(method: &str, target: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// A POST with only `Host` and `Content-Length`, plus `extra` headers after them.
pub fn post_request(target: &str, extra: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let length = body.len().to_string();
    let mut headers: Vec<(&str, &[u8])> = vec![("Host", b"relay.test"), ("Content-Length", length.as_bytes())];
    headers.extend_from_slice(extra);
    raw_request("POST", target, &headers, body)
}

/// A GET with `Host`, plus `extra` headers.
pub fn get_request(target: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut headers: Vec<(&str, &[u8])> = vec![("Host", b"relay.test")];
    headers.extend_from_slice(extra);
    raw_request("GET", target, &headers, b"")
}

/// `body` in chunked transfer coding, cut at `cuts` (sizes of the chunks before the rest).
pub fn chunked(body: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 64);
    let mut rest = body;
    for &cut in cuts {
        let (chunk, tail) = rest.split_at(cut.min(rest.len()));
        if !chunk.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        rest = tail;
    }
    if !rest.is_empty() {
        out.extend_from_slice(format!("{:X}\r\n", rest.len()).as_bytes());
        out.extend_from_slice(rest);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}
