//! The ChatArchitect sandbox run inside the desktop process on loopback: the registration domain a
//! new install uses until the admin enters a real partner token.
//!
//! It is the same router as the standalone `wadesk-sandbox` server, with a partner token that is
//! random per install (kept in the encrypted store) so its webhooks are signed and verified exactly
//! like the real ones. It keeps its port across launches; when the app and the CLI run at once,
//! whichever binds the port first hosts it and the other uses it, once it has proved it is this
//! install's sandbox (see `crate::loopback`): the partner token goes to nothing else. Sessions live
//! in the host's memory, as they would on a provider's server.

use std::sync::Arc;

use tokio::sync::oneshot;
use wadesk_loopback_identity::{IdentityKey, Responder, Service};

use crate::error::{Error, Result};
use crate::loopback::{bind_preferred, Bound};
use crate::secret::Secret;
use crate::store::Store;

/// The install's embedded sandbox, started on first use and shared by registration and messaging
/// (one sandbox is one provider: the apps its registrations issue are the apps it accepts).
#[derive(Debug)]
pub struct SandboxHost {
    store: Arc<Store>,
    sandbox: tokio::sync::Mutex<Option<EmbeddedSandbox>>,
}

impl SandboxHost {
    /// The host for `store`'s install; nothing starts until [`SandboxHost::url`] is asked.
    pub fn new(store: Arc<Store>) -> Arc<SandboxHost> {
        Arc::new(SandboxHost { store, sandbox: tokio::sync::Mutex::new(None) })
    }

    /// The sandbox's base URL, starting it (or finding it served by another process) if needed.
    pub async fn url(&self) -> Result<String> {
        let mut guard = self.sandbox.lock().await;
        if guard.is_none() {
            let settings = self.store.registration_settings_full()?;
            let identity = self.store.loopback_identity_key()?;
            let sandbox = EmbeddedSandbox::start(&settings.sandbox_token, settings.sandbox_port, &identity).await?;
            self.store.set_sandbox_port(sandbox.port())?;
            *guard = Some(sandbox);
        }
        guard.as_ref().map(EmbeddedSandbox::url).ok_or_else(|| Error::Internal("sandbox vanished".into()))
    }

    /// Whether this process serves it (its sessions and webhook registrations end with it).
    pub async fn hosted_here(&self) -> bool {
        self.sandbox.lock().await.as_ref().is_some_and(EmbeddedSandbox::hosted_here)
    }
}

/// A sandbox this process serves, or one another process on this machine serves.
#[derive(Debug)]
pub struct EmbeddedSandbox {
    port: u16,
    stop: Option<oneshot::Sender<()>>,
}

impl EmbeddedSandbox {
    /// Serves the sandbox on `127.0.0.1:preferred_port` (or a free port), or finds this install's
    /// sandbox already served there by another process (it proved it holds `identity`, the
    /// install's loopback key).
    pub async fn start(
        partner_token: &Secret,
        preferred_port: Option<u16>,
        identity: &IdentityKey,
    ) -> Result<EmbeddedSandbox> {
        let listener = match bind_preferred(preferred_port, Service::Sandbox, identity).await? {
            Bound::Here { listener, .. } => listener,
            Bound::Elsewhere(port) => return Ok(EmbeddedSandbox { port, stop: None }),
        };
        let port = listener.local_addr()?.port();
        let config = wadesk_sandbox::SandboxConfig {
            partner_tokens: vec![partner_token.expose().to_owned()],
            public_url: format!("http://127.0.0.1:{port}"),
            loopback_identity: Some(Responder::new(identity.clone(), Service::Sandbox, port)),
            ..wadesk_sandbox::SandboxConfig::default()
        };
        let sandbox = wadesk_sandbox::Sandbox::new(config);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = wadesk_sandbox::serve(listener, Arc::clone(&sandbox), shutdown).await {
                tracing::error!("embedded sandbox stopped: {e}");
            }
        });
        tracing::info!(port, "embedded ChatArchitect sandbox listening");
        Ok(EmbeddedSandbox { port, stop: Some(stop) })
    }

    /// Its base URL (the registration domain).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether this process serves it (sessions die with this process).
    pub fn hosted_here(&self) -> bool {
        self.stop.is_some()
    }
}

impl Drop for EmbeddedSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
