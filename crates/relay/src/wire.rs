//! Request heads exactly as they crossed the wire: header names with their original case, in
//! arrival order, duplicates interleaved as sent.
//!
//! hyper lower-cases header names and groups repeated names, and does not expose the original
//! (hyperium/hyper#2695). So the relay taps each connection's incoming bytes ([`HeadTap`]) and
//! parses every HTTP/1 request head again with `httparse`, following body framing (Content-Length
//! or chunked) to stay aligned across keep-alive and pipelined requests. hyper still does the real
//! serving; the tap only observes. Anything it cannot follow (oversized heads, protocol upgrades,
//! malformed framing) turns the tap off for that connection, and the handler falls back to hyper's
//! view, which still has every value byte-exact.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Largest head the tap will buffer (hyper's own default limit is about 400 KiB; webhooks are far smaller).
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 256;

/// One request head as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHead {
    /// Request target (path and query), as sent.
    pub target: String,
    /// (name, value) in arrival order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

#[derive(Debug)]
enum State {
    Head,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkDataEnd(u8),
    Trailers,
    /// Stopped following this connection (upgrade, or something it cannot parse).
    Off,
}

/// A request extension carrying the head the tap parsed for this request.
#[derive(Debug, Clone)]
pub struct WireHead(pub RawHead);

/// The per-connection parser fed by [`HeadTap`].
#[derive(Debug)]
pub struct TapParser {
    state: State,
    buf: Vec<u8>,
    heads: VecDeque<RawHead>,
}

impl Default for TapParser {
    fn default() -> Self {
        TapParser { state: State::Head, buf: Vec::new(), heads: VecDeque::new() }
    }
}

impl TapParser {
    /// The oldest parsed head not yet claimed by a request.
    pub fn pop(&mut self) -> Option<RawHead> {
        self.heads.pop_front()
    }

    /// Feeds bytes read from the socket.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.state {
                State::Off => return,
                State::Body(n) => {
                    let take = (n.min(bytes.len() as u64)) as usize;
                    bytes = &bytes[take..];
                    self.state = if n == take as u64 { State::Head } else { State::Body(n - take as u64) };
                }
                State::ChunkData(n) => {
                    let take = (n.min(bytes.len() as u64)) as usize;
                    bytes = &bytes[take..];
                    self.state =
                        if n == take as u64 { State::ChunkDataEnd(2) } else { State::ChunkData(n - take as u64) };
                }
                State::ChunkDataEnd(k) => {
                    let take = (k as usize).min(bytes.len());
                    bytes = &bytes[take..];
                    self.state =
                        if take == k as usize { State::ChunkSize } else { State::ChunkDataEnd(k - take as u8) };
                }
                State::Head | State::ChunkSize | State::Trailers => {
                    // Buffer until the terminator, then act on the buffer: a whole head ends in an empty
                    // line; chunk-size and trailer lines are read one line at a time (a bare CRLF ends
                    // the trailers, so `0\r\n\r\n` followed by the next request works).
                    let terminator: &[u8] = if matches!(self.state, State::Head) { b"\r\n\r\n" } else { b"\r\n" };
                    // Only the bytes up to the terminator join the buffer; the rest is handled by
                    // the next turn of this loop (never by recursion, never copied again: a body
                    // of many tiny chunks must cost linear time and constant stack).
                    let Some(end) = terminator_end(&self.buf, bytes, terminator) else {
                        self.buf.extend_from_slice(bytes);
                        if self.buf.len() > MAX_HEAD {
                            self.off();
                        }
                        return;
                    };
                    self.buf.extend_from_slice(&bytes[..end]);
                    bytes = &bytes[end..];
                    let line = std::mem::take(&mut self.buf);
                    match self.state {
                        State::Head => self.on_head(&line),
                        State::ChunkSize => self.on_chunk_size(&line),
                        _ if line == b"\r\n" => self.state = State::Head,
                        _ => {} // one trailer line; more may follow
                    }
                }
            }
        }
    }

    fn on_head(&mut self, head: &[u8]) {
        // A trailer block after a 0-size chunk also ends in an empty line; it arrives here only as
        // State::Trailers. In State::Head, a lone CRLF between pipelined requests is tolerated.
        let head = head.strip_prefix(b"\r\n").unwrap_or(head);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(head) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return self.off(),
        }
        let mut content_length: u64 = 0;
        let mut chunked = false;
        let mut upgrade = false;
        for h in req.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                match std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse().ok()) {
                    Some(n) => content_length = n,
                    None => return self.off(),
                }
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = String::from_utf8_lossy(h.value).to_ascii_lowercase().contains("chunked");
            } else if h.name.eq_ignore_ascii_case("upgrade") {
                upgrade = true;
            }
        }
        self.heads.push_back(RawHead {
            target: req.path.unwrap_or("").to_owned(),
            headers: req.headers.iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
        });
        self.state = if upgrade {
            State::Off
        } else if chunked {
            State::ChunkSize
        } else if content_length > 0 {
            State::Body(content_length)
        } else {
            State::Head
        };
    }

    fn on_chunk_size(&mut self, line: &[u8]) {
        match httparse::parse_chunk_size(line) {
            Ok(httparse::Status::Complete((_, 0))) => self.state = State::Trailers,
            Ok(httparse::Status::Complete((_, n))) => self.state = State::ChunkData(n),
            _ => self.off(),
        }
    }

    fn off(&mut self) {
        self.state = State::Off;
        self.buf = Vec::new();
    }
}

/// Where in `bytes` the first `terminator` ends, counting a terminator that began in the tail of
/// `buffered` (a read can split `\r\n\r\n` anywhere).
fn terminator_end(buffered: &[u8], bytes: &[u8], terminator: &[u8]) -> Option<usize> {
    for k in (1..terminator.len()).rev() {
        if buffered.ends_with(&terminator[..k]) && bytes.starts_with(&terminator[k..]) {
            return Some(terminator.len() - k);
        }
    }
    find(bytes, terminator).map(|p| p + terminator.len())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Wraps a connection's IO and feeds every byte read into a [`TapParser`].
#[derive(Debug)]
pub struct HeadTap<IO> {
    inner: IO,
    parser: Arc<Mutex<TapParser>>,
}

impl<IO> HeadTap<IO> {
    /// Taps `inner`; the parser is shared with the request service.
    pub fn new(inner: IO, parser: Arc<Mutex<TapParser>>) -> Self {
        HeadTap { inner, parser }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for HeadTap<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                if let Ok(mut p) = self.parser.lock() {
                    p.feed(new);
                }
            }
        }
        result
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for HeadTap<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_in_pieces(bytes: &[u8], piece: usize) -> TapParser {
        let mut p = TapParser::default();
        for chunk in bytes.chunks(piece) {
            p.feed(chunk);
        }
        p
    }

    const TWO_REQUESTS: &[u8] = b"POST /h/x/a?b=1 HTTP/1.1\r\nHost: relay\r\nX-CA-Signature: sha256=AB\r\nx-dup: 1\r\nContent-Length: 5\r\nX-Dup: 2\r\n\r\nhello\
POST /h/x HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked\r\nX-Second: yes\r\n\r\n4\r\nwiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer-A: 1\r\n\r\n\
GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n";

    #[test]
    fn heads_keep_case_order_and_interleaved_duplicates_across_keep_alive_requests() {
        for piece in [1, 2, 3, 7, 64, TWO_REQUESTS.len()] {
            let mut p = feed_in_pieces(TWO_REQUESTS, piece);
            let first = p.pop().unwrap_or_else(|| panic!("piece {piece}"));
            assert_eq!(first.target, "/h/x/a?b=1");
            let names: Vec<_> = first.headers.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["Host", "X-CA-Signature", "x-dup", "Content-Length", "X-Dup"], "piece {piece}");
            assert_eq!(first.headers[1].1, b"sha256=AB");
            let second = p.pop().unwrap_or_else(|| panic!("second, piece {piece}"));
            assert_eq!(second.headers[2], ("X-Second".to_owned(), b"yes".to_vec()));
            let third = p.pop().unwrap_or_else(|| panic!("third, piece {piece}"));
            assert_eq!(third.target, "/healthz");
            assert!(p.pop().is_none());
        }
    }

    #[test]
    fn a_body_of_a_hundred_thousand_tiny_chunks_in_one_read_is_followed_without_recursion() {
        // Fed at once, as one large read: this overflowed the stack when each chunk line re-fed
        // the rest of the buffer recursively.
        let mut bytes = b"POST /h/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..100_000 {
            bytes.extend_from_slice(b"1\r\na\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\nPOST /h/after HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        let mut p = TapParser::default();
        p.feed(&bytes);
        assert_eq!(p.pop().unwrap().target, "/h/x");
        assert_eq!(p.pop().unwrap().target, "/h/after");
    }

    #[test]
    fn a_body_that_looks_like_a_request_is_not_taken_for_one() {
        let body = b"POST /evil HTTP/1.1\r\nX: y\r\n\r\n";
        let mut bytes = format!("POST /h/x HTTP/1.1\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        bytes.extend_from_slice(body);
        bytes.extend_from_slice(b"POST /h/next HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        let mut p = feed_in_pieces(&bytes, 5);
        assert_eq!(p.pop().unwrap().target, "/h/x");
        assert_eq!(p.pop().unwrap().target, "/h/next");
        assert!(p.pop().is_none());
    }

    #[test]
    fn upgrades_and_garbage_turn_the_tap_off() {
        let mut p = feed_in_pieces(
            b"GET /v1/stream HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
            4,
        );
        assert_eq!(p.pop().unwrap().target, "/v1/stream");
        p.feed(b"POST /h/x HTTP/1.1\r\n\r\n");
        assert!(p.pop().is_none(), "after an upgrade the bytes are WebSocket frames, not requests");
        let mut p = feed_in_pieces(b"\x00\x01 not http\r\n\r\n", 3);
        assert!(p.pop().is_none());
        let mut p = TapParser::default();
        p.feed(&vec![b'a'; MAX_HEAD + 10]);
        assert!(p.pop().is_none());
    }
}
