//! Every write: group-committed appends, coalesced acks, revocations and rotations.
//!
//! An append batch is one transaction: lock the batch's channel rows in `no` order, move each
//! head by the batch's count (`greatest(head + 1, floor)` is the first seq), insert every event
//! with one multi-row `INSERT … SELECT FROM unnest(…)`, notify the other instances of the new
//! heads (delivered at commit), commit, and only then answer. [`COMMITTERS`] batches may be in
//! flight at once: while one waits for its WAL flush the next gathers and prepares; two batches on
//! the same channel still serialise on its row lock.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};

use super::{pg_error, pool_error, sql_seq, to_u64, Shared, ACK_DELAY, NOTIFY_CHANNEL};
use crate::store::StoreError;

/// Most appends one transaction takes.
const MAX_BATCH: usize = 2048;
/// Batches committing at once.
const COMMITTERS: usize = 2;

/// One webhook waiting for its commit.
pub(super) struct Append {
    pub(super) channel: String,
    pub(super) received_at: i64,
    pub(super) sealed: Vec<u8>,
    pub(super) reply: oneshot::Sender<Result<u64, StoreError>>,
}

pub(super) async fn writer_loop(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Append>) {
    let committers = Arc::new(Semaphore::new(COMMITTERS));
    loop {
        let Ok(permit) = committers.clone().acquire_owned().await else { return };
        let Some(first) = rx.recv().await else { return };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let result = commit(&shared, &batch).await;
            drop(permit);
            match result {
                Ok((seqs, heads)) => {
                    // Heads first, answers second: once a webhook is answered, a stream opened
                    // with its seq as cursor finds the head at or above it.
                    for (id, head) in &heads {
                        shared.heads.raise(id, *head);
                    }
                    for (op, seq) in batch.into_iter().zip(seqs) {
                        let _ = op.reply.send(seq);
                    }
                }
                Err(e) => {
                    tracing::error!("relay store commit failed: {e}");
                    for op in batch {
                        let _ = op.reply.send(Err(StoreError(e.0.clone())));
                    }
                }
            }
        });
    }
}

/// Per-op results (an unknown channel fails alone) and each channel's new head.
type Committed = (Vec<Result<u64, StoreError>>, Vec<(String, u64)>);

async fn commit(shared: &Shared, batch: &[Append]) -> Result<Committed, StoreError> {
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for op in batch {
        *counts.entry(op.channel.as_str()).or_insert(0) += 1;
    }
    let (ids, ns): (Vec<&str>, Vec<i64>) = counts.iter().map(|(id, n)| (*id, *n)).unzip();
    let mut client = shared.pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    // Rows locked in `no` order (the MATERIALIZED CTE sorts before it locks), then moved: the
    // first seq of a channel's share is greatest(head + 1, floor), the last is the new head.
    let allocate = tx
        .prepare_cached(
            "WITH locked AS MATERIALIZED (
                 SELECT no, id FROM channels WHERE id = ANY($1) ORDER BY no FOR UPDATE
             )
             UPDATE channels c SET head_seq = greatest(c.head_seq + 1, c.seq_floor) + v.n - 1
             FROM locked l JOIN unnest($1::text[], $2::bigint[]) AS v(id, n) ON v.id = l.id
             WHERE c.no = l.no
             RETURNING c.id, c.no, c.head_seq, v.n",
        )
        .await
        .map_err(pg_error)?;
    let rows = tx.query(&allocate, &[&ids, &ns]).await.map_err(pg_error)?;
    // Channel id → (number, next seq to hand out, new head).
    let mut next: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for r in rows {
        let (head, n): (i64, i64) = (r.get(2), r.get(3));
        next.insert(r.get(0), (r.get(1), head - n + 1, head));
    }
    let mut results = Vec::with_capacity(batch.len());
    let (mut chans, mut seqs, mut received, mut sealed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for op in batch {
        match next.get_mut(&op.channel) {
            Some((no, seq, _)) => {
                chans.push(*no);
                seqs.push(*seq);
                received.push(op.received_at);
                sealed.push(op.sealed.as_slice());
                results.push(Ok(to_u64(*seq)));
                *seq += 1;
            }
            None => results.push(Err(StoreError(format!("unknown channel {}", op.channel)))),
        }
    }
    let heads: Vec<(String, u64)> = next.iter().map(|(id, (_, _, head))| (id.clone(), to_u64(*head))).collect();
    if !chans.is_empty() {
        let insert = tx
            .prepare_cached(
                "INSERT INTO events (chan, seq, received_at, sealed)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[])",
            )
            .await
            .map_err(pg_error)?;
        let notify = tx
            .prepare_cached("SELECT pg_notify($1, 'h ' || $2 || ' ' || v.id || ' ' || v.head) FROM unnest($3::text[], $4::bigint[]) AS v(id, head)")
            .await
            .map_err(pg_error)?;
        let (head_ids, head_values): (Vec<&str>, Vec<i64>) =
            heads.iter().map(|(id, head)| (id.as_str(), sql_seq(*head))).unzip();
        // Both sent at once on the connection (tokio-postgres pipelines concurrent queries).
        futures_util::future::try_join(
            tx.execute(&insert, &[&chans, &seqs, &received, &sealed]),
            tx.query(&notify, &[&NOTIFY_CHANNEL, &shared.instance, &head_ids, &head_values]),
        )
        .await
        .map_err(pg_error)?;
    }
    tx.commit().await.map_err(pg_error)?;
    Ok((results, heads))
}

/// Writes the acks recorded since the last flush, every [`ACK_DELAY`] while there are some.
pub(super) async fn ack_loop(shared: Arc<Shared>) {
    loop {
        shared.ack_wake.notified().await;
        tokio::time::sleep(ACK_DELAY).await;
        if let Err(e) = flush_acks(&shared).await {
            tracing::warn!("could not write acks (kept for the next try): {e}");
        }
    }
}

/// Writes the pending acks, clamped to each channel's head, never moving an acked seq back. On
/// failure they go back to the table (unless newer ones came meanwhile).
pub(super) async fn flush_acks(shared: &Shared) -> Result<(), StoreError> {
    let acks = std::mem::take(&mut *shared.acks.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    if acks.is_empty() {
        return Ok(());
    }
    let result = write_acks(shared, &acks).await;
    if result.is_err() {
        let mut pending = shared.acks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (channel, seq) in acks {
            let slot = pending.entry(channel).or_insert(seq);
            *slot = (*slot).max(seq);
        }
        shared.ack_wake.notify_one();
    }
    result
}

async fn write_acks(shared: &Shared, acks: &HashMap<String, u64>) -> Result<(), StoreError> {
    let (ids, seqs): (Vec<&str>, Vec<i64>) = acks.iter().map(|(id, seq)| (id.as_str(), sql_seq(*seq))).unzip();
    let client = shared.pool.get().await.map_err(pool_error)?;
    // The same lock order as appends, so an ack write never deadlocks with another instance.
    client
        .execute(
            "WITH locked AS MATERIALIZED (
                 SELECT no, id FROM channels WHERE id = ANY($1) ORDER BY no FOR UPDATE
             )
             UPDATE channels c SET acked_seq = greatest(c.acked_seq, least(v.seq, c.head_seq))
             FROM locked l JOIN unnest($1::text[], $2::bigint[]) AS v(id, seq) ON v.id = l.id
             WHERE c.no = l.no",
            &[&ids, &seqs],
        )
        .await
        .map_err(pg_error)?;
    Ok(())
}

/// Deletes a channel and its events and tells the other instances; `false` if there was none.
pub(super) async fn revoke(shared: &Shared, channel_id: &str) -> Result<bool, StoreError> {
    let mut client = shared.pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let Some(row) =
        tx.query_opt("DELETE FROM channels WHERE id = $1 RETURNING no", &[&channel_id]).await.map_err(pg_error)?
    else {
        return Ok(false);
    };
    let no: i64 = row.get(0);
    tx.execute("DELETE FROM events WHERE chan = $1", &[&no]).await.map_err(pg_error)?;
    let payload = format!("r {} {channel_id}", shared.instance);
    tx.execute("SELECT pg_notify($1, $2)", &[&NOTIFY_CHANNEL, &payload]).await.map_err(pg_error)?;
    tx.commit().await.map_err(pg_error)?;
    Ok(true)
}

/// Replaces a channel's client key hash and tells the other instances; its head, or `None` if
/// there was no such channel.
pub(super) async fn rotate(
    shared: &Shared,
    channel_id: &str,
    client_hash: &[u8; 32],
) -> Result<Option<u64>, StoreError> {
    let mut client = shared.pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let Some(row) = tx
        .query_opt(
            "UPDATE channels SET client_hash = $2 WHERE id = $1 RETURNING head_seq",
            &[&channel_id, &&client_hash[..]],
        )
        .await
        .map_err(pg_error)?
    else {
        return Ok(None);
    };
    let payload = format!("k {} {channel_id}", shared.instance);
    tx.execute("SELECT pg_notify($1, $2)", &[&NOTIFY_CHANNEL, &payload]).await.map_err(pg_error)?;
    tx.commit().await.map_err(pg_error)?;
    Ok(Some(to_u64(row.get(0))))
}
