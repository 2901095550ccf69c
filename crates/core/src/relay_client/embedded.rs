//! The relay run inside the desktop process, on loopback: the default in sandbox mode and for users
//! who bring their own tunnel. It is the same router and store as the `wadesk-relay` server.
//!
//! It keeps its preferred port across launches, so hook URLs stay valid. When the app and the CLI
//! run at once, whichever process binds the port first hosts the relay and the other streams from it
//! as a client, once the relay there has proved it is this install's (see `crate::loopback`).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::oneshot;
use wadesk_loopback_identity::{IdentityKey, Responder, Service};
use wadesk_relay::{Config, RelayState, SqliteStore};

use crate::error::{Error, Result};
use crate::loopback::{bind_preferred, Bound};
use crate::secret::Secret;

/// A relay serving from this process. Stops when dropped.
#[derive(Debug)]
pub struct EmbeddedRelay {
    addr: SocketAddr,
    admin_token: Secret,
    moved_from: Option<u16>,
    stop: Option<oneshot::Sender<()>>,
}

/// Where the install's embedded relay is.
#[derive(Debug)]
pub enum Hosting {
    /// This process serves it.
    Here(EmbeddedRelay),
    /// Another process of this install already serves on the preferred port (it proved it).
    Elsewhere(u16),
}

impl EmbeddedRelay {
    /// Serves the relay from `dir` on `127.0.0.1:preferred_port`, or on a free port when none is
    /// preferred or the preferred one is held by something that cannot prove it is this install's
    /// relay (`identity` is the install's loopback key).
    pub async fn start(dir: &Path, preferred_port: Option<u16>, identity: &IdentityKey) -> Result<Hosting> {
        let (listener, moved_from) = match bind_preferred(preferred_port, Service::Relay, identity).await? {
            Bound::Here { listener, moved_from } => (listener, moved_from),
            Bound::Elsewhere(port) => return Ok(Hosting::Elsewhere(port)),
        };
        let addr = listener.local_addr()?;
        let store = SqliteStore::open(dir).map_err(|e| Error::Relay(e.to_string()))?;
        let admin_token = Secret::new(wadesk_relay_admin_token());
        let config = Config {
            admin_token: Some(admin_token.expose().to_owned()),
            rate_per_sec: 2000,
            burst: 10_000,
            ..Config::default()
        };
        let responder = Responder::new(identity.clone(), Service::Relay, addr.port());
        let state =
            RelayState::embedded(Arc::new(store), config, responder).map_err(|e| Error::Relay(e.to_string()))?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(wadesk_relay::purge_loop(state.clone(), std::time::Duration::from_secs(600)));
        tokio::spawn(async move {
            if let Err(e) = wadesk_relay::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            {
                tracing::error!("embedded relay stopped: {e}");
            }
        });
        tracing::info!(%addr, "embedded relay listening");
        Ok(Hosting::Here(EmbeddedRelay { addr, admin_token, moved_from, stop: Some(stop) }))
    }

    /// The loopback address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The preferred port, when something else held it and the relay moved.
    pub fn moved_from(&self) -> Option<u16> {
        self.moved_from
    }

    /// The admin token of this run (random per start; only used to create the install's channel).
    pub fn admin_token(&self) -> &Secret {
        &self.admin_token
    }
}

impl Drop for EmbeddedRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn wadesk_relay_admin_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
