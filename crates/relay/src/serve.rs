//! The accept loop and each connection's HTTP/1.1 settings: the wire tap, time limits on request
//! heads, half-closed clients, and a cap on connections served at once.
//!
//! The cap is a semaphore taken *before* `accept`: past it, new connections stay in the kernel's
//! listen backlog, unaccepted, so they cost the relay no descriptor (when the backlog is full the
//! kernel drops further SYNs and clients retry). The permit travels inside the connection's IO
//! ([`Held`]), so it is released when the socket closes — after a WebSocket stream ends, not
//! when hyper hands the upgraded socket over. Bodies are bounded in the router ([`crate::body`]).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::store::EventStore;
use crate::{router, wire, RelayState};

/// How long open connections may finish after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves the relay (HTTP/1.1, with WebSocket upgrades) on `listener` until `shutdown` resolves,
/// then lets open connections finish for up to 10 s.
///
/// At most `max_connections` are served at once (see the module doc). A connection that has not
/// sent a whole request head within `header_timeout` — on a new connection, or since its last
/// answer on a kept-alive one — is closed. Each connection's incoming bytes are tapped
/// ([`wire::HeadTap`]) so hooks can record header names as sent. Accepted sockets get
/// TCP_NODELAY: stream frames and acks are small, and Nagle's algorithm would hold each one back
/// for an ACK round trip.
pub async fn serve<S: EventStore>(
    listener: tokio::net::TcpListener,
    state: Arc<RelayState<S>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(state.config.max_connections.max(1)));
    let header_timeout = state.config.header_timeout;
    let sweeper = tokio::spawn(sweep_periods(state.clone()));
    let app = router(state);
    let (stopping, stop_rx) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let (tcp, permit) = tokio::select! {
            accepted = accept(&listener, &slots) => accepted,
            _ = &mut shutdown => break,
        };
        let held = Held { inner: tcp, _permit: permit };
        connections.spawn(run_connection(held, app.clone(), header_timeout, stop_rx.clone()));
    }
    drop(listener);
    sweeper.abort();
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        tracing::warn!("some connections were still open after 10 s and were dropped");
    }
    Ok(())
}

/// Drops ended sealing periods every few seconds, so no period key outlives its period by much.
async fn sweep_periods<S: EventStore>(state: Arc<RelayState<S>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        state.sealers.sweep();
    }
}

/// Waits for a free slot, then for a connection.
async fn accept(listener: &tokio::net::TcpListener, slots: &Arc<Semaphore>) -> (TcpStream, OwnedSemaphorePermit) {
    loop {
        // The semaphore is never closed, so this cannot fail; the match keeps it panic-free.
        let Ok(permit) = slots.clone().acquire_owned().await else { continue };
        match listener.accept().await {
            Ok((tcp, _)) => {
                let _ = tcp.set_nodelay(true);
                return (tcp, permit);
            }
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                drop(permit);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves one connection — the tap, the head timeout, upgrades — until it ends; when the relay
/// stops, finishes the request in flight and closes.
async fn run_connection(tcp: Held, app: axum::Router, header_timeout: Duration, mut stop_rx: watch::Receiver<bool>) {
    let parser = Arc::new(std::sync::Mutex::new(wire::TapParser::default()));
    let io = hyper_util::rt::TokioIo::new(wire::HeadTap::new(tcp, parser.clone()));
    let service = hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
        // hyper hands requests over in wire order, so the oldest parsed head is this request's.
        if let Some(head) = parser.lock().ok().and_then(|mut p| p.pop()) {
            req.extensions_mut().insert(wire::WireHead(head));
        }
        app.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        // hyper arms this deadline whenever it starts waiting for a head and does not extend it
        // as bytes arrive, so it bounds a slow trickle and an idle kept-alive connection too.
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        // A client may shut down its write side once its request is out and still read the
        // answer; without this hyper takes that EOF for an aborted request and drops the
        // answer, though the event may already be committed.
        .half_close(true)
        .serve_connection(io, service)
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stop_rx.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!("connection ended: {e}");
    }
}

/// A socket holding its connection slot until it is dropped.
#[derive(Debug)]
pub struct Held {
    inner: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Held {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Held {
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
