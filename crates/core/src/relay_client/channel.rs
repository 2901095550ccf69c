//! The install's relay channel as stored, and applying streamed events to the store.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;
use wadesk_relay_protocol::{open, ChannelKeys, StoredEvent};

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::{now_ms, Store};
use crate::webhooks::{self, Outcome};

/// Where the relay runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RelayMode {
    /// In this process (or another Wadesk process of this install) on loopback.
    Embedded,
    /// A relay server at a URL.
    Remote,
}

impl RelayMode {
    fn as_str(self) -> &'static str {
        match self {
            RelayMode::Embedded => "embedded",
            RelayMode::Remote => "remote",
        }
    }
}

/// The install's channel. Its secrets (`hook_url`, `client_key`, the key pair) live only in the
/// encrypted store and in memory.
#[derive(Debug)]
pub struct RelayChannel {
    /// Where the relay runs.
    pub mode: RelayMode,
    /// The relay's base URL (`http://127.0.0.1:PORT` when embedded).
    pub relay_url: String,
    /// Channel id (not secret).
    pub channel_id: String,
    /// The hook URL providers post to: a capability, so a secret.
    pub hook_url: Secret,
    /// The stream credential.
    pub client_key: Secret,
    /// The channel key pair; events are sealed to its public half.
    pub keys: ChannelKeys,
    /// Embedded mode: the loopback port the relay prefers.
    pub port: Option<u16>,
}

/// A streamed event after opening its sealed envelope: the request, or why it could not be
/// opened (wrong key, tampered) — recorded as unreadable so one bad event cannot stall the stream.
#[derive(Debug)]
pub struct OpenedEvent {
    /// The relay's seq.
    pub seq: u64,
    /// The captured request.
    pub request: std::result::Result<wadesk_relay_protocol::CapturedRequest, String>,
}

/// Opens `events` (X25519 sealed boxes: the costly part of applying one). Large batches are
/// split over two threads, the cores these machines have.
pub fn open_events(keys: &ChannelKeys, events: &[StoredEvent]) -> Vec<OpenedEvent> {
    let one = |e: &StoredEvent| OpenedEvent { seq: e.seq, request: open(keys, &e.sealed).map_err(|e| e.to_string()) };
    if events.len() < 32 {
        return events.iter().map(one).collect();
    }
    let (a, b) = events.split_at(events.len() / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| b.iter().map(one).collect::<Vec<_>>());
        let mut out: Vec<OpenedEvent> = a.iter().map(one).collect();
        out.extend(second.join().unwrap_or_default());
        out
    })
}

/// Why a stream from a channel the install no longer uses stops.
pub(super) const SWITCHED: &str = "this install switched to another relay channel; the stream from the old one stopped";

impl Store {
    /// The install's relay channel, if one was set up.
    pub fn relay_channel(&self) -> Result<Option<RelayChannel>> {
        let conn = self.conn()?;
        conn.query_row(
            "SELECT mode, relay_url, channel_id, hook_url, client_key, secret_key, port FROM relay_channel WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()?
        .map(|(mode, relay_url, channel_id, hook_url, client_key, secret, port)| {
            let secret: [u8; 32] =
                secret.try_into().map_err(|_| Error::StoreCorrupt("the relay channel key is malformed".into()))?;
            Ok(RelayChannel {
                mode: if mode == "remote" { RelayMode::Remote } else { RelayMode::Embedded },
                relay_url,
                channel_id,
                hook_url: Secret::new(hook_url),
                client_key: Secret::new(client_key),
                keys: ChannelKeys::from_secret_bytes(secret),
                port: port.and_then(|p| u16::try_from(p).ok()),
            })
        })
        .transpose()
    }

    /// Replaces the install's relay channel. The cursor starts over: a new channel's seqs start at 1.
    pub fn save_relay_channel(&self, c: &RelayChannel) -> Result<()> {
        self.conn()?.execute(
            "INSERT OR REPLACE INTO relay_channel
               (id, mode, relay_url, channel_id, hook_url, client_key, secret_key, port, cursor, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            params![
                c.mode.as_str(),
                c.relay_url,
                c.channel_id,
                c.hook_url.expose(),
                c.client_key.expose(),
                c.keys.secret_bytes().to_vec(),
                c.port.map(i64::from),
                now_ms()
            ],
        )?;
        Ok(())
    }

    /// Moves the embedded relay's URL and port (the preferred port was taken at startup).
    pub fn update_embedded_address(&self, relay_url: &str, hook_url: &Secret, port: u16) -> Result<()> {
        self.conn()?.execute(
            "UPDATE relay_channel SET relay_url = ?1, hook_url = ?2, port = ?3 WHERE id = 1",
            params![relay_url, hook_url.expose(), i64::from(port)],
        )?;
        Ok(())
    }

    /// The id of the install's relay channel, if one was set up.
    pub(crate) fn relay_channel_id(&self) -> Result<Option<String>> {
        Ok(self.conn()?.query_row("SELECT channel_id FROM relay_channel WHERE id = 1", [], |r| r.get(0)).optional()?)
    }

    /// The highest relay seq applied here.
    pub fn relay_cursor(&self) -> Result<u64> {
        let c: Option<i64> =
            self.conn()?.query_row("SELECT cursor FROM relay_channel WHERE id = 1", [], |r| r.get(0)).optional()?;
        Ok(c.and_then(|c| u64::try_from(c).ok()).unwrap_or(0))
    }

    /// Opens, dispatches and records one streamed event and moves the cursor, in one transaction.
    /// Returns `None` when the event was applied before (seq at or below the cursor): ack it again.
    pub fn apply_relay_event(&self, keys: &ChannelKeys, event: &StoredEvent) -> Result<Option<Outcome>> {
        Ok(self.apply_relay_events(keys, std::slice::from_ref(event))?.pop().flatten())
    }

    /// Opens and applies streamed events in order in ONE transaction (see [`Store::apply_opened`]).
    pub fn apply_relay_events(&self, keys: &ChannelKeys, events: &[StoredEvent]) -> Result<Vec<Option<Outcome>>> {
        self.apply_opened(open_events(keys, events))
    }

    /// Applies opened events in order in ONE transaction (group commit: the frames that had
    /// already arrived), moving the cursor to the last one. All or nothing: a database error rolls
    /// every one back and the stream delivers them again. One outcome per event, `None` for an
    /// event applied before (seq at or below the cursor). Changes are announced after the commit.
    /// Opening is done before, outside the writer lock: the crypto never holds up other writes.
    pub fn apply_opened(&self, events: Vec<OpenedEvent>) -> Result<Vec<Option<Outcome>>> {
        self.apply_opened_on(None, events)
    }

    /// [`Store::apply_relay_events`] for a stream from channel `channel_id`: refused, with nothing
    /// applied, when the install has switched to another channel since the stream opened (another
    /// window or the CLI switched relays). Applying it would move the new channel's cursor to a
    /// seq of the old one.
    pub(crate) fn apply_streamed(
        &self,
        channel_id: &str,
        keys: &ChannelKeys,
        events: &[StoredEvent],
    ) -> Result<Vec<Option<Outcome>>> {
        self.apply_opened_on(Some(channel_id), open_events(keys, events))
    }

    fn apply_opened_on(&self, channel_id: Option<&str>, events: Vec<OpenedEvent>) -> Result<Vec<Option<Outcome>>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let (mut cursor, current): (i64, String) = tx
            .query_row("SELECT cursor, channel_id FROM relay_channel WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| Error::NotFound("relay channel".into()))?;
        if channel_id.is_some_and(|id| id != current) {
            return Err(Error::Relay(SWITCHED.into()));
        }
        let start = cursor;
        let mut changes = Vec::new();
        let mut outcomes = Vec::with_capacity(events.len());
        for event in events {
            // A relay never issues a seq of 2^63 or more (SQL integers are i64); a cast would wrap
            // it below the cursor and skip it silently. Refuse it: the stream errors visibly instead.
            let seq = i64::try_from(event.seq)
                .map_err(|_| Error::Relay(format!("the relay sent event seq {}, which no relay issues", event.seq)))?;
            if seq <= cursor {
                outcomes.push(None);
                continue;
            }
            let outcome = match event.request {
                Ok(req) => webhooks::dispatch(&tx, event.seq, &req, &mut changes)?,
                Err(e) => {
                    tracing::warn!(seq = event.seq, "relay event rejected: {e}");
                    webhooks::record_unreadable(&tx, event.seq, &e)?;
                    Outcome::Rejected(e)
                }
            };
            cursor = seq;
            outcomes.push(Some(outcome));
        }
        if cursor != start {
            tx.prepare_cached("UPDATE relay_channel SET cursor = ?1 WHERE id = 1")?.execute([cursor])?;
        }
        tx.commit()?;
        drop(conn);
        self.announce(changes);
        Ok(outcomes)
    }

    /// When the self-test event with `nonce` was received by the relay (ms), if it has arrived.
    pub fn self_test_received_at(&self, nonce: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT received_at FROM webhook_events WHERE provider_event_id = ?1",
                [format!("self-test:{nonce}")],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// When the last webhook was applied here (ms since the epoch), if any.
    pub fn last_webhook_applied_at(&self) -> Result<Option<i64>> {
        Ok(self.conn()?.query_row("SELECT max(applied_at) FROM webhook_events", [], |r| r.get(0))?)
    }

    /// How many webhooks were applied, were duplicates, or were rejected.
    pub fn webhook_counts(&self) -> Result<(u64, u64, u64)> {
        Ok(self.conn()?.query_row(
            "SELECT count(*) FILTER (WHERE outcome = 'applied'), count(*) FILTER (WHERE outcome = 'duplicate'),
                    count(*) FILTER (WHERE outcome = 'rejected') FROM webhook_events",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
        )?)
    }
}
