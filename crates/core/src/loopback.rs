//! Loopback listeners for the services the desktop embeds (relay, sandbox).
//!
//! Each keeps its port across launches, so URLs handed out earlier (hook URLs, iframe URLs) stay
//! valid; and when the app and the CLI run at once, whichever process binds first serves and the
//! other uses it.

use std::future::Future;
use std::net::Ipv4Addr;

use tokio::net::TcpListener;

use crate::error::Result;

/// Where an embedded service is.
#[derive(Debug)]
pub(crate) enum Bound {
    /// This process serves it on this listener.
    Here(TcpListener),
    /// Another process on this machine already serves our service on the preferred port.
    Elsewhere(u16),
}

/// Binds `127.0.0.1:preferred`. If that port is taken, `ours(port)` decides whether our own
/// service answers there (→ `Elsewhere`); otherwise it moves to a free port, as it does when no
/// port is preferred. `what` names the service in the log line.
pub(crate) async fn bind_preferred<F, Fut>(preferred: Option<u16>, what: &str, ours: F) -> Result<Bound>
where
    F: FnOnce(u16) -> Fut,
    Fut: Future<Output = bool>,
{
    let Some(port) = preferred else {
        return Ok(Bound::Here(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?));
    };
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
        Ok(l) => Ok(Bound::Here(l)),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            if ours(port).await {
                return Ok(Bound::Elsewhere(port));
            }
            tracing::warn!(port, "the {what}'s port is taken by something else; moving");
            Ok(Bound::Here(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?))
        }
        Err(e) => Err(e.into()),
    }
}
