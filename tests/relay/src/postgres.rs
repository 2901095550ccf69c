//! A fresh PostgreSQL database per test on the server `WADESK_TEST_DATABASE_URL` names
//! (scripts/lib/postgres.sh starts one), dropped with the test. Without the variable a test is
//! skipped loudly, except under CI (`CI` set), where it fails.

/// A database made for one test.
#[derive(Debug)]
pub struct TestDatabase {
    server: String,
    name: String,
    /// Its connection string, for `--database-url`.
    pub url: String,
}

impl TestDatabase {
    /// A new empty database, or `None` when the test may skip.
    ///
    /// # Panics
    /// Under CI without `WADESK_TEST_DATABASE_URL`, or when the server refuses.
    pub fn create() -> Option<TestDatabase> {
        let server = match std::env::var("WADESK_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ if std::env::var_os("CI").is_some() => panic!(
                "WADESK_TEST_DATABASE_URL is not set, and CI needs the PostgreSQL tests: scripts/test.sh starts a server with scripts/lib/postgres.sh"
            ),
            _ => {
                eprintln!("SKIPPED: WADESK_TEST_DATABASE_URL is not set; PostgreSQL tests need a server (source scripts/lib/postgres.sh)");
                return None;
            }
        };
        let name = format!("wadesk_it_{:016x}", rand::random::<u64>());
        let mut client =
            postgres::Client::connect(&server, postgres::NoTls).expect("connect to WADESK_TEST_DATABASE_URL");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
        let (base, query) = server.split_once('?').map_or((server.as_str(), None), |(b, q)| (b, Some(q)));
        let authority =
            base.rsplit_once('/').filter(|(a, _)| a.contains("://") && !a.ends_with('/')).map_or(base, |(a, _)| a);
        let url = match query {
            Some(q) => format!("{authority}/{name}?{q}"),
            None => format!("{authority}/{name}"),
        };
        Some(TestDatabase { server, name, url })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
