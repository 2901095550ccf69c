//! A blocking client of the relay's event stream (`GET /v1/stream?cursor=N`, WebSocket, postcard
//! frames), written against the protocol crate only.
//!
//! Reads poll with a short socket timeout so every wait has a deadline and a failing test reports
//! instead of hanging. tungstenite answers the relay's pings while reading.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::{Message, WebSocket};
use wadesk_relay_protocol::{ClientFrame, ServerFrame, StoredEvent, STREAM_PATH};

/// How long one blocked read waits before checking the caller's deadline.
const POLL: Duration = Duration::from_millis(100);

/// An open stream.
#[derive(Debug)]
pub struct Stream {
    ws: WebSocket<TcpStream>,
}

/// Connects with `client_key` and asks for events after `cursor`. A refused handshake comes back as
/// `tungstenite::Error::Http` with the relay's answer.
pub fn connect(addr: SocketAddr, client_key: &str, cursor: u64) -> Result<Stream, tungstenite::Error> {
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("ws://{addr}{STREAM_PATH}?cursor={cursor}").into_client_request()?;
    let auth = tungstenite::http::HeaderValue::try_from(format!("Bearer {client_key}"))
        .map_err(|e| tungstenite::Error::HttpFormat(e.into()))?;
    request.headers_mut().insert("authorization", auth);
    let (ws, _) = tungstenite::client(request, tcp).map_err(|e| match e {
        HandshakeError::Failure(e) => e,
        HandshakeError::Interrupted(_) => tungstenite::Error::Io(std::io::ErrorKind::TimedOut.into()),
    })?;
    ws.get_ref().set_read_timeout(Some(POLL))?;
    Ok(Stream { ws })
}

impl Stream {
    /// The next frame within `within`, or `None` when none came.
    ///
    /// # Panics
    /// When the stream fails or closes, or a frame does not decode.
    pub fn try_next_frame(&mut self, within: Duration) -> Option<ServerFrame> {
        self.read_frame(within).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The next frame within `within` (`Ok(None)` when none came), or why the stream ended: for a
    /// test that expects the relay to go away (killed) mid-stream.
    ///
    /// # Panics
    /// When a frame does not decode.
    pub fn read_frame(&mut self, within: Duration) -> Result<Option<ServerFrame>, String> {
        let deadline = Instant::now() + within;
        loop {
            match self.ws.read() {
                Ok(Message::Binary(bytes)) => return Ok(Some(ServerFrame::decode(&bytes).expect("a server frame"))),
                Ok(Message::Close(frame)) => return Err(format!("the relay closed the stream: {frame:?}")),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    if Instant::now() >= deadline {
                        return Ok(None);
                    }
                }
                Err(e) => return Err(format!("the stream failed: {e}")),
            }
        }
    }

    /// The next frame.
    ///
    /// # Panics
    /// When none comes within 15 s, or the stream fails.
    pub fn next_frame(&mut self) -> ServerFrame {
        self.try_next_frame(Duration::from_secs(15)).expect("a frame from the relay within 15 s")
    }

    /// The next frame, which must be an event.
    ///
    /// # Panics
    /// On anything else.
    pub fn next_event(&mut self) -> StoredEvent {
        match self.next_frame() {
            ServerFrame::Event(e) => e,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// Every event up to `CaughtUp`, and the head `CaughtUp` reported.
    pub fn backlog(&mut self) -> (Vec<StoredEvent>, u64) {
        let mut events = Vec::new();
        loop {
            match self.next_frame() {
                ServerFrame::Event(e) => events.push(e),
                ServerFrame::CaughtUp { head } => return (events, head),
                // Only sent to `v=2` clients, which this one is not.
                other @ ServerFrame::Head { .. } => panic!("a version 1 stream got {other:?}"),
            }
        }
    }

    /// Acks every event up to `seq`.
    ///
    /// # Panics
    /// When the frame cannot be sent.
    pub fn ack(&mut self, seq: u64) {
        self.ws.send(Message::Binary(ClientFrame::Ack { seq }.encode().into())).expect("send an ack");
    }

    /// Closes the stream politely.
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}
