//! The database URL as a secret: it may carry a password, so it has no path to a log line or an
//! error message except [`DatabaseUrl::redacted`], which masks the password.

/// A PostgreSQL connection string (`postgres://user:password@host:port/db?…` or the
/// `key=value` form), redacted in `Debug` and `Display`.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a connection string.
    pub fn new(url: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url.into())
    }

    /// The connection string itself, for the driver only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The connection string with its password (if any) replaced by `****`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// `text` with every occurrence of this URL's password masked, for driver error messages
    /// that might echo part of the connection string.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(&self.0, &self.redacted());
        if let Some(pw) = password(&self.0).filter(|p| !p.is_empty()) {
            out = out.replace(pw, "****");
        }
        out
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The password in a URL (`scheme://user:password@…`) or a `key=value` string (`password=…`).
fn password(s: &str) -> Option<&str> {
    if let Some((_, rest)) = s.split_once("://") {
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        let userinfo = &authority[..authority.rfind('@')?];
        return userinfo.split_once(':').map(|(_, pw)| pw);
    }
    let start = s.find("password=")? + "password=".len();
    let rest = &s[start..];
    if let Some(quoted) = rest.strip_prefix('\'') {
        return Some(&quoted[..quoted.find('\'').unwrap_or(quoted.len())]);
    }
    Some(&rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())])
}

fn redact(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(pw) = password(s).filter(|p| !p.is_empty()) {
        out = out.replacen(&format!(":{pw}@"), ":****@", 1).replacen(&format!("password={pw}"), "password=****", 1);
        out = out.replacen(&format!("password='{pw}'"), "password='****'", 1);
    }
    // A password given as a query parameter (`?password=…`).
    if let Some(i) = out.find("password=") {
        let end = out[i..].find(['&', ' ']).map_or(out.len(), |e| i + e);
        if &out[i + "password=".len()..end] != "****" && &out[i + "password=".len()..end] != "'****'" {
            out.replace_range(i + "password=".len()..end, "****");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_any_form_of_connection_string() {
        for (url, pw) in [
            ("postgres://relay:s3cr3t-pw@db.example:5432/relay", "s3cr3t-pw"),
            ("postgresql://relay:p%40ss@10.0.0.1/relay?sslmode=disable", "p%40ss"),
            ("host=db user=relay password=hunter22 dbname=relay", "hunter22"),
            ("host=db user=relay password='two words' dbname=relay", "two words"),
            ("postgres://relay@db/relay?password=in-query-99", "in-query-99"),
        ] {
            let u = DatabaseUrl::new(url);
            for shown in [u.redacted(), format!("{u}"), format!("{u:?}"), u.scrub(&format!("failed: {url}"))] {
                assert!(!shown.contains(pw), "{shown:?} shows the password");
                assert!(shown.contains("****"), "{shown:?} does not mark the password");
            }
        }
        let plain = DatabaseUrl::new("postgres://relay@localhost/relay");
        assert_eq!(plain.redacted(), "postgres://relay@localhost/relay");
    }
}
