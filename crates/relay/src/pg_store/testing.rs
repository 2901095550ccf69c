//! A fresh database per test on the server `WADESK_TEST_DATABASE_URL` names (scripts/lib/postgres.sh
//! starts one and exports it), so PostgreSQL tests run in parallel without seeing each other —
//! LISTEN/NOTIFY is per database, so a schema each would not be enough.
//!
//! Without the variable a test is skipped loudly, except under CI (`CI` set), where it fails.

use std::str::FromStr;

use super::DatabaseUrl;

/// The server's URL, or `None` (with a loud line) when tests may skip.
///
/// # Panics
/// Under CI without the variable.
pub(crate) fn server_url() -> Option<String> {
    match std::env::var("WADESK_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("WADESK_TEST_DATABASE_URL is not set, and CI needs the PostgreSQL tests: scripts/test.sh starts a server with scripts/lib/postgres.sh")
        }
        _ => {
            eprintln!("SKIPPED: WADESK_TEST_DATABASE_URL is not set; PostgreSQL tests need a server (source scripts/lib/postgres.sh)");
            None
        }
    }
}

/// `url` naming database `name` instead of its own.
pub(crate) fn with_dbname(url: &str, name: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (main, query) = rest.split_once('?').map_or((rest, None), |(m, q)| (m, Some(q)));
        let authority = main.split_once('/').map_or(main, |(a, _)| a);
        let mut out = format!("{scheme}://{authority}/{name}");
        if let Some(q) = query {
            out.push('?');
            out.push_str(q);
        }
        return out;
    }
    let kept: Vec<&str> = url.split_whitespace().filter(|kv| !kv.starts_with("dbname=")).collect();
    format!("{} dbname={name}", kept.join(" "))
}

/// A database made for one test, dropped (with its connections) when this is dropped.
pub(crate) struct TestDatabase {
    server: String,
    name: String,
    /// Its URL.
    pub(crate) url: DatabaseUrl,
}

impl TestDatabase {
    /// A new empty database, or `None` when tests may skip.
    pub(crate) async fn create() -> Option<TestDatabase> {
        let server = server_url()?;
        let name = format!("wadesk_test_{:016x}", rand::random::<u64>());
        let (client, connection) = tokio_postgres::Config::from_str(&server)
            .expect("WADESK_TEST_DATABASE_URL parses")
            .connect(tokio_postgres::NoTls)
            .await
            .expect("connect to WADESK_TEST_DATABASE_URL");
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
        let url = DatabaseUrl::new(with_dbname(&server, &name));
        Some(TestDatabase { server, name, url })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // On a thread of its own: drop may run inside a runtime, which cannot block on another.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let (client, connection) =
                    tokio_postgres::Config::from_str(&server).ok()?.connect(tokio_postgres::NoTls).await.ok()?;
                tokio::spawn(connection);
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()
            })
        });
        let _ = dropped.join();
    }
}

#[test]
fn the_database_name_is_replaced_in_both_url_forms() {
    assert_eq!(with_dbname("postgres://u@127.0.0.1:5/base", "t1"), "postgres://u@127.0.0.1:5/t1");
    assert_eq!(with_dbname("postgres://u@h/base?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
    assert_eq!(with_dbname("postgres://u@h", "t1"), "postgres://u@h/t1");
    assert_eq!(with_dbname("host=h user=u dbname=base", "t1"), "host=h user=u dbname=t1");
}
