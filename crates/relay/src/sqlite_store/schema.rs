//! `relay.db`'s schema, as numbered migrations counted in `PRAGMA user_version`.
//!
//! Relays before version 2 never set `user_version`: a file at 0 that has a `channels` table is
//! their layout (migration 1), and migration 2 rewrites it. Every file is switched to
//! `auto_vacuum = INCREMENTAL` once, so pages freed by retention and revocation can be handed back
//! to the file system ([`super::writer`]).

use rusqlite::Connection;

use crate::store::StoreError;

/// Migration 1: the layout of the first relays (kept so a new file goes through the same steps).
const V1: &str = "
CREATE TABLE channels (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    hook_hash   BLOB NOT NULL UNIQUE,
    client_hash BLOB NOT NULL UNIQUE,
    head_seq    INTEGER NOT NULL DEFAULT 0,
    acked_seq   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE TABLE events (
    channel_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    sealed      BLOB NOT NULL,
    PRIMARY KEY (channel_id, seq)
) WITHOUT ROWID;
";

/// Migration 2: events in a rowid table keyed by a channel number.
///
/// In the `WITHOUT ROWID` table a row keeps at most about 1 KB in its b-tree page and puts the
/// rest on an overflow page of its own, so a 1.2 KB sealed event took a whole 4 KiB page (4.7 KB
/// per event measured). In a rowid table a row stays in its leaf page up to about 4 KB, and three
/// such events share one page. Channels get an integer number so the events' index holds a small
/// integer instead of the 19-character id.
const V2: &str = "
CREATE TABLE channels_v2 (
    no          INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    hook_hash   BLOB NOT NULL UNIQUE,
    client_hash BLOB NOT NULL UNIQUE,
    head_seq    INTEGER NOT NULL DEFAULT 0,
    acked_seq   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
INSERT INTO channels_v2 (id, label, public_key, hook_hash, client_hash, head_seq, acked_seq, created_at)
    SELECT id, label, public_key, hook_hash, client_hash, head_seq, acked_seq, created_at
    FROM channels ORDER BY created_at, id;
CREATE TABLE events_v2 (
    chan        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    sealed      BLOB NOT NULL
);
INSERT INTO events_v2 (chan, seq, received_at, sealed)
    SELECT c.no, e.seq, e.received_at, e.sealed
    FROM events e JOIN channels_v2 c ON c.id = e.channel_id ORDER BY c.no, e.seq;
DROP TABLE events;
DROP TABLE channels;
ALTER TABLE channels_v2 RENAME TO channels;
ALTER TABLE events_v2 RENAME TO events;
CREATE UNIQUE INDEX events_position ON events (chan, seq);
";

const MIGRATIONS: [&str; 2] = [V1, V2];

/// The first relays' layout, for the upgrade test.
#[cfg(test)]
pub(super) const V1_FOR_TESTS: &str = V1;

/// The schema version this relay writes.
pub(super) const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings `conn`'s file to [`CURRENT`], each migration in its own transaction.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let mut version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT {
        return Err(StoreError(format!(
            "relay.db has schema version {version}, newer than this relay's {CURRENT}: run a newer wadesk-relay"
        )));
    }
    let has_channels: bool =
        conn.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE name = 'channels'", [], |r| r.get(0))?;
    if version == 0 && has_channels {
        version = 1; // a relay from before numbered migrations
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    let auto_vacuum: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if auto_vacuum != 2 {
        // A new file (the WAL switch comes first, after which only VACUUM can set this) or one
        // upgraded from schema 1, where it also drops the pages the rewrite freed. Instant on a
        // new file; on an old one it needs free disk as large as the file, once.
        tracing::info!("relay.db: switching to incremental auto-vacuum (VACUUM, once)");
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
    }
    Ok(())
}
