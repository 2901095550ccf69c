//! Loopback listeners for the services the desktop embeds (relay, sandbox), and how a process
//! knows that a service on a remembered port is this install's own.
//!
//! Each service keeps its port across launches, so URLs handed out earlier (hook URLs, iframe
//! URLs) stay valid; and when the app and the CLI run at once, whichever process binds first
//! serves and the other uses it. Any local user can bind that port first, though, and a look at
//! `/healthz` proves nothing. So before this process sends a secret (the relay client key, the
//! sandbox partner token, a hook URL) to a service it did not start itself, the service must answer
//! a fresh challenge with a MAC under the install's loopback key, which only processes that
//! unlocked this store hold (`wadesk-loopback-identity` has the format and its reasoning). A port
//! held by anything else is left alone: the service moves to a free port and the caller is told,
//! so it can say so.

use std::net::Ipv4Addr;
use std::time::Duration;

use rusqlite::OptionalExtension;
use tokio::net::TcpListener;
use wadesk_loopback_identity::{Challenge, IdentityKey, Service};

use crate::error::{Error, Result};
use crate::store::Store;

/// Where an embedded service is.
#[derive(Debug)]
pub(crate) enum Bound {
    /// This process serves it on this listener. `moved_from` is the preferred port when that was
    /// held by something that is not this install's service.
    Here { listener: TcpListener, moved_from: Option<u16> },
    /// Another process of this install already serves it on the preferred port (proven).
    Elsewhere(u16),
}

/// Binds `127.0.0.1:preferred`. If that port is taken and the service there proves it is this
/// install's `service`, answers `Elsewhere`; otherwise binds a free port, as it does when no port
/// is preferred.
pub(crate) async fn bind_preferred(preferred: Option<u16>, service: Service, key: &IdentityKey) -> Result<Bound> {
    let Some(port) = preferred else {
        return Ok(Bound::Here { listener: bind_any().await?, moved_from: None });
    };
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
        Ok(listener) => Ok(Bound::Here { listener, moved_from: None }),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            if proves_ours(port, service, key).await {
                return Ok(Bound::Elsewhere(port));
            }
            let listener = bind_any().await?;
            tracing::warn!(
                port,
                new_port = listener.local_addr()?.port(),
                "the embedded {service:?}'s port is held by a program that is not this install's; moving"
            );
            Ok(Bound::Here { listener, moved_from: Some(port) })
        }
        Err(e) => Err(e.into()),
    }
}

async fn bind_any() -> Result<TcpListener> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?)
}

/// Whether the service on `port` answers a fresh challenge as this install's `service`. Sends no
/// secret: only the random nonce goes out. Redirects are not followed.
async fn proves_ours(port: u16, service: Service, key: &IdentityKey) -> bool {
    let challenge = Challenge::new();
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
    else {
        return false;
    };
    let url = format!("http://127.0.0.1:{port}{}", challenge.path_and_query());
    let Ok(res) = client.get(url).send().await else { return false };
    if !res.status().is_success() {
        return false;
    }
    match res.json::<serde_json::Value>().await {
        Ok(v) => v["proof"].as_str().is_some_and(|proof| challenge.verify(key, service, port, proof)),
        Err(_) => false,
    }
}

impl Store {
    /// The install's loopback identity key, made on first use. Concurrent first uses (the app
    /// and the CLI) agree: the single row is inserted once and read back.
    pub(crate) fn loopback_identity_key(&self) -> Result<IdentityKey> {
        let conn = self.conn()?;
        let read = |conn: &rusqlite::Connection| {
            conn.query_row("SELECT key FROM loopback_identity WHERE id = 1", [], |r| r.get::<_, Vec<u8>>(0)).optional()
        };
        let bytes = match read(&conn)? {
            Some(bytes) => bytes,
            None => {
                let fresh = IdentityKey::random();
                conn.execute(
                    "INSERT OR IGNORE INTO loopback_identity (id, key) VALUES (1, ?1)",
                    [fresh.as_bytes().as_slice()],
                )?;
                read(&conn)?.ok_or_else(|| Error::Internal("the loopback identity key was not stored".into()))?
            }
        };
        let bytes = zeroize::Zeroizing::new(bytes);
        IdentityKey::from_bytes(&bytes)
            .ok_or_else(|| Error::StoreCorrupt("the loopback identity key is damaged".into()))
    }
}
