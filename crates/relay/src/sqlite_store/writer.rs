//! The one thread that writes `relay.db`: it drains its queue into a single transaction (group
//! commit), so under load thousands of webhooks share one fsync and each HTTP answer waits for the
//! commit that holds its event.
//!
//! Acks do not get a commit of their own. [`super::SqliteStore::ack`] records the acked seq in
//! memory and asks for a flush; the writer folds pending acks into the next transaction, and when
//! there are only acks it waits up to [`ACK_DELAY`] for company. At 1,000 webhooks/s with a
//! desktop acking each batch this halves the relay's fsyncs; a crash loses at most that much of
//! the acks, which only re-sends events the desktop skips.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use super::{sql_seq, MAX_SEQ};
use crate::store::{NewChannel, StoreError};

/// Most operations one transaction takes; bounds the latency of the last one in a burst.
const MAX_BATCH: usize = 2048;
/// While webhooks are on their way (handlers hold [`crate::store::Incoming`]), a batch waits up to
/// this long for them. Each commit costs a WAL sync whatever it holds (≈ 300 µs of CPU on a
/// virtual disk, most of it in the kernel), so under concurrent load this cuts commits several
/// times over; when nothing is on its way (a quiet stream) it never waits.
const COMMIT_DELAY: Duration = Duration::from_micros(1000);
/// How often a waiting batch looks at the arrivals again.
const ARRIVAL_POLL: Duration = Duration::from_micros(50);
/// How long acks alone wait to share a commit.
pub(super) const ACK_DELAY: Duration = Duration::from_millis(100);
/// Free pages kept for reuse after a purge or revocation, as a share of the file's pages; the
/// rest go back to the file system.
const FREE_SLACK_DIVISOR: i64 = 8;
/// Most pages one batch hands back (16 MiB): returning a whole revoked channel at once would hold
/// up the webhooks queued behind it, so the rest goes after the following batches.
const VACUUM_STEP: i64 = 4096;

pub(super) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Where a channel's sequence stands, as the writer thread sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SeqState {
    /// The channel's number in `events.chan`.
    pub(super) no: i64,
    /// The latest committed seq (0 for none).
    pub(super) head: u64,
    /// The seq the next append gets: `head + 1` within a run, `max(head + 1, floor)` after open.
    pub(super) next: u64,
}

pub(super) enum Op {
    Append {
        channel: String,
        received_at: i64,
        sealed: Vec<u8>,
        reply: Reply<u64>,
    },
    Create {
        channel: NewChannel,
        reply: Reply<()>,
    },
    Purge {
        older_than_ms: i64,
        reply: Reply<u64>,
    },
    Revoke {
        channel: String,
        reply: Reply<bool>,
    },
    Rotate {
        channel: String,
        client_hash: [u8; 32],
        reply: Reply<bool>,
    },
    /// Write the pending acks ([`Shared::acks`]).
    FlushAcks,
}

impl Op {
    fn is_ack(&self) -> bool {
        matches!(self, Op::FlushAcks)
    }
}

/// What the store's handles and the writer thread share.
#[derive(Default)]
pub(super) struct Shared {
    /// Acked seqs not yet written, already clamped to the committed head.
    pub(super) acks: Mutex<HashMap<String, u64>>,
    /// Each channel's committed head, for streams.
    pub(super) heads: crate::store::HeadWatchers,
    /// Webhooks on their way to an append ([`crate::store::Incoming`]).
    pub(super) arriving: Arc<AtomicUsize>,
}

enum OpResult {
    Seq(u64),
    Unit,
    Count(u64),
    Bool(bool),
    Failed(StoreError),
}

pub(super) fn writer_loop(
    mut conn: Connection,
    mut seqs: HashMap<String, SeqState>,
    rx: mpsc::Receiver<Op>,
    shared: Arc<Shared>,
) {
    let mut more_to_return = false;
    while let Ok(first) = rx.recv() {
        let batch = gather(first, &rx, &shared.arriving);
        let before = seqs.clone();
        let acks = std::mem::take(&mut *shared.acks.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        match apply_batch(&mut conn, &mut seqs, &batch, &acks) {
            Ok((results, freed)) => {
                announce(&shared, &before, &seqs);
                if freed || more_to_return {
                    // Before the answers, so a purge or revocation is answered once (the first
                    // step of) the space is back.
                    more_to_return = return_free_pages(&conn);
                }
                for (op, result) in batch.into_iter().zip(results) {
                    reply(op, result);
                }
            }
            Err(e) => {
                tracing::error!("relay store commit failed: {e}");
                seqs = before;
                // The acks go back, unless newer ones arrived meanwhile.
                if let Ok(mut pending) = shared.acks.lock() {
                    for (channel, seq) in acks {
                        let slot = pending.entry(channel).or_insert(seq);
                        *slot = (*slot).max(seq);
                    }
                }
                for op in batch {
                    reply(op, OpResult::Failed(StoreError(e.to_string())));
                }
            }
        }
    }
}

/// `first` and whatever else is queued, up to [`MAX_BATCH`]; acks alone wait up to [`ACK_DELAY`],
/// and a small batch under load up to [`COMMIT_DELAY`].
fn gather(first: Op, rx: &mpsc::Receiver<Op>, arriving: &AtomicUsize) -> Vec<Op> {
    let mut batch = vec![first];
    let started = Instant::now();
    loop {
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        if batch.len() >= MAX_BATCH {
            return batch;
        }
        let wait = if batch.iter().all(Op::is_ack) {
            ACK_DELAY.saturating_sub(started.elapsed())
        } else if arriving.load(Ordering::Acquire) > 0 && started.elapsed() < COMMIT_DELAY {
            ARRIVAL_POLL
        } else {
            return batch;
        };
        match rx.recv_timeout(wait) {
            Ok(op) => batch.push(op),
            Err(mpsc::RecvTimeoutError::Timeout) if wait == ARRIVAL_POLL => {}
            Err(_) => return batch,
        }
    }
}

/// Heads first, answers second: once a webhook is answered, a stream opened with its seq as
/// cursor finds the head at or above it.
fn announce(shared: &Shared, before: &HashMap<String, SeqState>, after: &HashMap<String, SeqState>) {
    for (id, state) in after {
        if before.get(id).map(|b| b.head) != Some(state.head) {
            shared.heads.raise(id, state.head);
        }
    }
}

fn reply(op: Op, result: OpResult) {
    fn send<T>(reply: Reply<T>, r: Result<T, StoreError>) {
        let _ = reply.send(r);
    }
    fn failure(r: OpResult) -> StoreError {
        match r {
            OpResult::Failed(e) => e,
            _ => StoreError("internal: mismatched result".into()),
        }
    }
    match (op, result) {
        (Op::FlushAcks, _) => {}
        (Op::Append { reply, .. }, OpResult::Seq(s)) => send(reply, Ok(s)),
        (Op::Purge { reply, .. }, OpResult::Count(n)) => send(reply, Ok(n)),
        (Op::Create { reply, .. }, OpResult::Unit) => send(reply, Ok(())),
        (Op::Revoke { reply, .. } | Op::Rotate { reply, .. }, OpResult::Bool(b)) => send(reply, Ok(b)),
        (Op::Append { reply, .. }, r) => send(reply, Err(failure(r))),
        (Op::Purge { reply, .. }, r) => send(reply, Err(failure(r))),
        (Op::Create { reply, .. }, r) => send(reply, Err(failure(r))),
        (Op::Revoke { reply, .. } | Op::Rotate { reply, .. }, r) => send(reply, Err(failure(r))),
    }
}

/// Applies every op and the pending acks in one transaction. Per-op failures (unknown channel,
/// duplicate) are answered individually; a failed commit fails them all. Also says whether pages
/// were freed (a purge or revocation deleted something).
fn apply_batch(
    conn: &mut Connection,
    seqs: &mut HashMap<String, SeqState>,
    batch: &[Op],
    acks: &HashMap<String, u64>,
) -> rusqlite::Result<(Vec<OpResult>, bool)> {
    let tx = conn.transaction()?;
    let mut results = Vec::with_capacity(batch.len());
    let mut freed = false;
    // Acks first, so a purge in the same batch sees them. They were clamped to a committed head.
    for (channel, seq) in acks {
        if let Some(state) = seqs.get(channel) {
            // Clamped again where the head is certain: an ack above it counts as an ack of it.
            tx.execute(
                "UPDATE channels SET acked_seq = max(acked_seq, ?2) WHERE no = ?1",
                params![state.no, sql_seq((*seq).min(state.head))],
            )?;
        }
    }
    for op in batch {
        results.push(match op {
            Op::Append { channel, received_at, sealed, .. } => append(&tx, seqs, channel, *received_at, sealed)?,
            Op::Create { channel, .. } => create(&tx, seqs, channel)?,
            Op::Purge { older_than_ms, .. } => {
                let n = purge(&tx, seqs, *older_than_ms)?;
                freed |= n > 0;
                OpResult::Count(n)
            }
            Op::Revoke { channel, .. } => {
                let found = revoke(&tx, seqs, channel)?;
                freed |= found;
                OpResult::Bool(found)
            }
            Op::Rotate { channel, client_hash, .. } => OpResult::Bool(
                seqs.contains_key(channel)
                    && tx.execute(
                        "UPDATE channels SET client_hash = ?2 WHERE id = ?1",
                        params![channel, client_hash.to_vec()],
                    )? > 0,
            ),
            Op::FlushAcks => OpResult::Unit,
        });
    }
    tx.commit()?;
    Ok((results, freed))
}

fn append(
    tx: &rusqlite::Transaction<'_>,
    seqs: &mut HashMap<String, SeqState>,
    channel: &str,
    received_at: i64,
    sealed: &[u8],
) -> rusqlite::Result<OpResult> {
    let Some(state) = seqs.get_mut(channel) else {
        return Ok(OpResult::Failed(StoreError(format!("unknown channel {channel}"))));
    };
    if state.next > MAX_SEQ {
        return Ok(OpResult::Failed(StoreError(format!("channel {channel} has used up its seqs"))));
    }
    let seq = state.next;
    tx.prepare_cached("INSERT INTO events (chan, seq, received_at, sealed) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![state.no, sql_seq(seq), received_at, sealed])?;
    *state = SeqState { no: state.no, head: seq, next: seq.saturating_add(1) };
    Ok(OpResult::Seq(seq))
}

fn create(
    tx: &rusqlite::Transaction<'_>,
    seqs: &mut HashMap<String, SeqState>,
    c: &NewChannel,
) -> rusqlite::Result<OpResult> {
    match tx.execute(
        "INSERT INTO channels (id, label, public_key, hook_hash, client_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![c.id, c.label, c.public_key.to_vec(), c.hook_hash.to_vec(), c.client_hash.to_vec(), crate::now_ms()],
    ) {
        Ok(_) => {
            // New in this run: no seq of it can predate a restore, so it counts from 1.
            seqs.insert(c.id.clone(), SeqState { no: tx.last_insert_rowid(), head: 0, next: 1 });
            Ok(OpResult::Unit)
        }
        Err(e) => Ok(OpResult::Failed(StoreError(e.to_string()))),
    }
}

/// Deletes, per channel, the acked events received before `older_than_ms`.
///
/// Seqs are given in arrival order, so the events to delete are a channel's lowest: the scan
/// stops at the first acked event still inside retention, and everything below it goes. Receive
/// times within one group commit can be out of order by a few milliseconds, so an event a few
/// milliseconds younger than the cutoff may go with its neighbours, and one a little older may
/// wait for the next purge.
fn purge(
    tx: &rusqlite::Transaction<'_>,
    seqs: &HashMap<String, SeqState>,
    older_than_ms: i64,
) -> rusqlite::Result<u64> {
    let mut deleted = 0u64;
    for state in seqs.values() {
        // The head lives in the events' highest seq (see `super::schema`); keep it in the
        // channel's row before the events that hold it may go.
        tx.prepare_cached("UPDATE channels SET head_seq = max(head_seq, ?2) WHERE no = ?1")?
            .execute(params![state.no, sql_seq(state.head)])?;
        let acked: i64 = tx.query_row("SELECT acked_seq FROM channels WHERE no = ?1", [state.no], |r| r.get(0))?;
        let keep_from: Option<i64> = tx
            .prepare_cached(
                "SELECT seq FROM events WHERE chan = ?1 AND seq <= ?2 AND received_at >= ?3 ORDER BY seq LIMIT 1",
            )?
            .query_row(params![state.no, acked, older_than_ms], |r| r.get(0))
            .optional()?;
        let below = keep_from.unwrap_or_else(|| acked.saturating_add(1));
        let n =
            tx.prepare_cached("DELETE FROM events WHERE chan = ?1 AND seq < ?2")?.execute(params![state.no, below])?;
        deleted += n as u64;
    }
    Ok(deleted)
}

fn revoke(
    tx: &rusqlite::Transaction<'_>,
    seqs: &mut HashMap<String, SeqState>,
    channel: &str,
) -> rusqlite::Result<bool> {
    let Some(state) = seqs.get(channel).copied() else { return Ok(false) };
    tx.execute("DELETE FROM events WHERE chan = ?1", [state.no])?;
    tx.execute("DELETE FROM channels WHERE no = ?1", [state.no])?;
    seqs.remove(channel);
    Ok(true)
}

/// Hands free pages beyond a slack of one in [`FREE_SLACK_DIVISOR`] back to the file system, at
/// most [`VACUUM_STEP`] at a time, so a file that shrank in use shrinks on disk too; the slack is
/// reused by the next inserts. Says whether more remain to be returned.
fn return_free_pages(conn: &Connection) -> bool {
    let counts = conn.query_row(
        "SELECT (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_count FROM pragma_page_count)",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
    );
    let Ok((free, pages)) = counts else { return false };
    let excess = free - pages / FREE_SLACK_DIVISOR;
    if excess > 0 {
        let step = excess.min(VACUUM_STEP);
        // Each step of the pragma frees one page, so it is stepped to the end.
        let vacuumed = conn.prepare(&format!("PRAGMA incremental_vacuum({step})")).and_then(|mut stmt| {
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
            Ok(())
        });
        if let Err(e) = vacuumed {
            tracing::warn!("could not return free pages: {e}");
            return false;
        }
        return excess > step;
    }
    false
}
