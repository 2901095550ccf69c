//! Numbered schema migrations, applied in order inside one transaction each.
//!
//! `PRAGMA user_version` records how many have run. Migrations are append-only: never edit one that
//! has shipped; add the next number. A database newer than this build is refused rather than guessed at.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// (version, SQL). Version N is the N-th entry.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_accounts.sql")),
    (2, include_str!("migrations/0002_relay.sql")),
    (3, include_str!("migrations/0003_registration.sql")),
    (4, include_str!("migrations/0004_loopback_identity.sql")),
    (5, include_str!("migrations/0005_messaging.sql")),
    (6, include_str!("migrations/0006_account_checks.sql")),
    (7, include_str!("migrations/0007_contacts.sql")),
    (8, include_str!("migrations/0008_outbox.sql")),
    (9, include_str!("migrations/0009_conversations.sql")),
    (10, include_str!("migrations/0010_webhook_log_rows.sql")),
    (11, include_str!("migrations/0011_template_syntax.sql")),
    (12, include_str!("migrations/0012_sendzen.sql")),
    (13, include_str!("migrations/0013_d360.sql")),
    (14, include_str!("migrations/0014_crisp.sql")),
    (15, include_str!("migrations/0015_gupshup.sql")),
    (16, include_str!("migrations/0016_crisp_options.sql")),
];

pub(super) fn apply(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if current > latest {
        return Err(Error::StoreCorrupt(format!(
            "the database has schema version {current}, newer than this build understands ({latest}); update Wadesk"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, (v, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
    }

    #[test]
    fn applying_twice_is_a_no_op_and_refuses_newer_databases() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        apply(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(matches!(apply(&mut conn), Err(Error::StoreCorrupt(_))));
    }
}
