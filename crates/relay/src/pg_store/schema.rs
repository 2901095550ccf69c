//! The PostgreSQL schema, as numbered migrations embedded from `crates/relay/migrations/postgres/`
//! and recorded in `relay_schema_migrations`; and the seq floor every instance start raises.
//!
//! Several instances may start at once against one database, so [`migrate_and_raise_floor`] runs
//! under a session-level advisory lock: the first applies what is missing, the others wait and
//! then find nothing to do. A database migrated by a newer relay is refused untouched.

use tokio_postgres::Client;

use super::pg_error;
use crate::store::StoreError;

/// Every migration, in order; version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: [&str; 1] = [include_str!("../../migrations/postgres/0001_channels_events.sql")];

/// The schema version this relay writes.
pub(super) const CURRENT: i32 = MIGRATIONS.len() as i32;

/// The advisory lock key that serialises migrations and floor updates across instances ("wadesk"
/// in ASCII).
const LOCK_KEY: i64 = 0x0000_7761_6465_736b;

/// Brings the database to [`CURRENT`], then raises the shared seq floor to `now_us` and every
/// existing channel's floor with it (an instance start is when a restored database comes into
/// play: see the store contract). Returns the floor in force.
pub(super) async fn migrate_and_raise_floor(client: &mut Client, now_us: i64) -> Result<i64, StoreError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY]).await.map_err(pg_error)?;
    let result = locked(client, now_us).await;
    // Released whatever happened; a dropped connection releases it too.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]).await.map_err(pg_error);
    let floor = result?;
    unlocked?;
    Ok(floor)
}

async fn locked(client: &mut Client, now_us: i64) -> Result<i64, StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS relay_schema_migrations (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(pg_error)?;
    let row = client
        .query_one("SELECT coalesce(max(version), 0) FROM relay_schema_migrations", &[])
        .await
        .map_err(pg_error)?;
    let version: i32 = row.get(0);
    if version > CURRENT {
        return Err(StoreError(format!(
            "the database has relay schema version {version}, newer than this relay's {CURRENT}: run a newer wadesk-relay"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.batch_execute(sql).await.map_err(|e| StoreError(format!("migration {number}: {}", pg_error(e))))?;
        tx.execute("INSERT INTO relay_schema_migrations (version) VALUES ($1)", &[&number]).await.map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
        tracing::info!(version = number, "relay database migrated");
    }
    let tx = client.transaction().await.map_err(pg_error)?;
    let floor: i64 = tx
        .query_one(
            "UPDATE relay_meta SET value = greatest(value, $1) WHERE key = 'seq_floor' RETURNING value",
            &[&now_us],
        )
        .await
        .map_err(pg_error)?
        .get(0);
    tx.execute("UPDATE channels SET seq_floor = $1 WHERE seq_floor < $1", &[&floor]).await.map_err(pg_error)?;
    // Other instances drop their cached channels, whose floors just changed.
    tx.execute("SELECT pg_notify($1, 'f')", &[&super::NOTIFY_CHANNEL]).await.map_err(pg_error)?;
    tx.commit().await.map_err(pg_error)?;
    Ok(floor)
}
