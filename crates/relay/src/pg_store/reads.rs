//! The store's queries: channel lookups, the backlog a stream reads, and the counters. Each takes a
//! pooled connection and prepared (cached) statements; none writes.

use std::collections::HashMap;

use super::{pg_error, pool_error, sql_seq, to_u64, Shared};
use crate::store::{Channel, ChannelInfo, ChannelStats, StoreError};

/// The channel whose `column` (`hook_hash` or `client_hash`) is `hash`, with its committed head and
/// both hashes (for the cache).
pub(super) async fn channel_by(
    shared: &Shared,
    column: &'static str,
    hash: &[u8; 32],
) -> Result<Option<(Channel, u64, [u8; 32], [u8; 32])>, StoreError> {
    let client = shared.pool.get().await.map_err(pool_error)?;
    let sql =
        format!("SELECT id, public_key, seq_floor, head_seq, hook_hash, client_hash FROM channels WHERE {column} = $1");
    let stmt = client.prepare_cached(&sql).await.map_err(pg_error)?;
    let Some(row) = client.query_opt(&stmt, &[&&hash[..]]).await.map_err(pg_error)? else { return Ok(None) };
    let id: String = row.get(0);
    let key = |i: usize| -> Result<[u8; 32], StoreError> {
        <[u8; 32]>::try_from(row.get::<_, Vec<u8>>(i))
            .map_err(|_| StoreError(format!("channel {id} has malformed keys")))
    };
    let (public_key, hook, client_hash) = (key(1)?, key(4)?, key(5)?);
    let channel = Channel { id: id.clone(), public_key, seq_floor: to_u64(row.get(2)) };
    Ok(Some((channel, to_u64(row.get(3)), hook, client_hash)))
}

pub(super) async fn events_after(
    shared: &Shared,
    channel_id: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let client = shared.pool.get().await.map_err(pool_error)?;
    let stmt = client
        .prepare_cached(
            "SELECT e.seq, e.sealed FROM channels c JOIN events e ON e.chan = c.no
             WHERE c.id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
        )
        .await
        .map_err(pg_error)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client.query(&stmt, &[&channel_id, &sql_seq(after), &limit]).await.map_err(pg_error)?;
    Ok(rows.into_iter().map(|r| (to_u64(r.get(0)), r.get(1))).collect())
}

pub(super) async fn count_after(shared: &Shared, channel_id: &str, after: u64) -> Result<u64, StoreError> {
    let client = shared.pool.get().await.map_err(pool_error)?;
    let stmt = client
        .prepare_cached("SELECT count(*) FROM channels c JOIN events e ON e.chan = c.no WHERE c.id = $1 AND e.seq > $2")
        .await
        .map_err(pg_error)?;
    let row = client.query_one(&stmt, &[&channel_id, &sql_seq(after)]).await.map_err(pg_error)?;
    Ok(to_u64(row.get(0)))
}

/// One channel's counters; `pending` is an ack recorded here and not yet written.
pub(super) async fn stats(shared: &Shared, channel_id: &str, pending: Option<u64>) -> Result<ChannelStats, StoreError> {
    let client = shared.pool.get().await.map_err(pool_error)?;
    let stmt =
        client.prepare_cached("SELECT no, head_seq, acked_seq FROM channels WHERE id = $1").await.map_err(pg_error)?;
    let row = client
        .query_opt(&stmt, &[&channel_id])
        .await
        .map_err(pg_error)?
        .ok_or_else(|| StoreError(format!("unknown channel {channel_id}")))?;
    let (no, head): (i64, u64) = (row.get(0), to_u64(row.get(1)));
    // The backlog is counted: seqs jump at each start, so head - acked is no count.
    let acked = to_u64(row.get(2)).max(pending.unwrap_or(0)).min(head);
    let stmt = client
        .prepare_cached(
            "SELECT (SELECT count(*) FROM events WHERE chan = $1 AND seq > $2),
                    coalesce((SELECT received_at FROM events WHERE chan = $1 ORDER BY seq DESC LIMIT 1), 0)",
        )
        .await
        .map_err(pg_error)?;
    let row = client.query_one(&stmt, &[&no, &sql_seq(acked)]).await.map_err(pg_error)?;
    Ok(ChannelStats { head, acked, backlog: to_u64(row.get(0)), last_event_ms: row.get(1) })
}

/// Every channel, oldest first; `pending` holds acks recorded here and not yet written.
pub(super) async fn channels(shared: &Shared, pending: &HashMap<String, u64>) -> Result<Vec<ChannelInfo>, StoreError> {
    let client = shared.pool.get().await.map_err(pool_error)?;
    let rows = client
        .query(
            "SELECT c.id, c.label, c.created_at, c.head_seq, c.acked_seq, c.no,
                    (SELECT count(*) FROM events e WHERE e.chan = c.no)
             FROM channels c ORDER BY c.no",
            &[],
        )
        .await
        .map_err(pg_error)?;
    let mut list = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let head = to_u64(r.get(3));
        let acked = to_u64(r.get(4)).max(pending.get(&id).copied().unwrap_or(0)).min(head);
        let no: i64 = r.get(5);
        let backlog = client
            .query_one("SELECT count(*) FROM events WHERE chan = $1 AND seq > $2", &[&no, &sql_seq(acked)])
            .await
            .map_err(pg_error)?;
        list.push(ChannelInfo {
            id,
            label: r.get(1),
            created_at_ms: r.get(2),
            head,
            acked,
            backlog: to_u64(backlog.get(0)),
            stored: to_u64(r.get(6)),
        });
    }
    Ok(list)
}
