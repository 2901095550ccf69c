//! The contact settings (default country, opt-out keywords), kept in the install's `settings`
//! table under `contacts.*` keys. Unset keys read as the defaults: no default country, and the
//! keywords of [`DEFAULT_OPT_OUT_KEYWORDS`].

use rusqlite::{Connection, OptionalExtension};

use super::phone::Country;
use super::ContactSettings;
use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::store::Store;

/// Replies that opt a contact out unless the admin changes the list: the seed's five languages
/// (English, German, Spanish, Portuguese, Russian), French, and the usual variants.
pub const DEFAULT_OPT_OUT_KEYWORDS: &[&str] = &[
    "STOP",
    "STOPP",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "ABMELDEN",
    "BAJA",
    "PARAR",
    "SAIR",
    "CANCELAR",
    "ARRÊT",
    "ARRET",
    "DÉSABONNER",
    "СТОП",
    "ОТПИСАТЬСЯ",
];

/// Most opt-out keywords.
pub const MAX_KEYWORDS: usize = 100;
/// Longest opt-out keyword, in characters.
pub const MAX_KEYWORD_CHARS: usize = 30;

const COUNTRY_KEY: &str = "contacts.default_country";
const KEYWORDS_KEY: &str = "contacts.opt_out_keywords";

fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// The settings as stored (defaults for what is unset).
pub(crate) fn load(conn: &Connection) -> Result<ContactSettings> {
    let default_country = get(conn, COUNTRY_KEY)?.filter(|c| !c.is_empty());
    let opt_out_keywords = match get(conn, KEYWORDS_KEY)? {
        Some(json) => serde_json::from_str(&json).map_err(|e| Error::Internal(format!("opt-out keywords: {e}")))?,
        None => DEFAULT_OPT_OUT_KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
    };
    Ok(ContactSettings { default_country, opt_out_keywords })
}

/// `settings` checked and tidied: the country upper case and known, keywords trimmed, 1–30
/// characters, no duplicates (ignoring case), at most 100.
pub fn validate(settings: &ContactSettings) -> Result<ContactSettings> {
    let default_country = match settings.default_country.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(Country::parse(code, "default_country")?.code().to_owned()),
        None => None,
    };
    let mut keywords: Vec<String> = Vec::new();
    for raw in &settings.opt_out_keywords {
        let k = raw.trim();
        let chars = k.chars().count();
        if chars == 0 || chars > MAX_KEYWORD_CHARS || k.chars().any(char::is_control) {
            return Err(Error::Field(
                "opt_out_keywords".into(),
                format!("\"{k}\": a keyword is 1 to {MAX_KEYWORD_CHARS} characters, without control characters"),
            ));
        }
        if !keywords.iter().any(|have| have.to_lowercase() == k.to_lowercase()) {
            keywords.push(k.to_owned());
        }
    }
    if keywords.len() > MAX_KEYWORDS {
        return Err(Error::Field("opt_out_keywords".into(), format!("at most {MAX_KEYWORDS} keywords")));
    }
    Ok(ContactSettings { default_country, opt_out_keywords: keywords })
}

impl Store {
    /// The contact settings.
    pub fn contact_settings(&self) -> Result<ContactSettings> {
        load(&*self.conn()?)
    }

    /// Validates and saves `settings`; returns them as saved. An empty keyword list is allowed
    /// (no reply opts anyone out).
    pub fn set_contact_settings(&self, settings: &ContactSettings) -> Result<ContactSettings> {
        let clean = validate(settings)?;
        let keywords = serde_json::to_string(&clean.opt_out_keywords).map_err(|e| Error::Internal(e.to_string()))?;
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let upsert = "INSERT INTO settings (key, value) VALUES (?1, ?2)
                      ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        tx.execute(upsert, [COUNTRY_KEY, clean.default_country.as_deref().unwrap_or("")])?;
        tx.execute(upsert, [KEYWORDS_KEY, keywords.as_str()])?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Contacts]);
        Ok(clean)
    }

    /// The country that applies to numbers without a country code: `explicit` if given, else the
    /// setting, else none.
    pub(crate) fn default_country(&self, explicit: Option<&str>) -> Result<Option<Country>> {
        let code = match explicit.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(code.to_owned()),
            None => self.contact_settings()?.default_country,
        };
        code.map(|c| Country::parse(&c, "default_country")).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_settings_read_as_defaults_and_saved_ones_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_tests(dir.path());
        let s = store.contact_settings().unwrap();
        assert_eq!(s.default_country, None);
        assert!(s.opt_out_keywords.iter().any(|k| k == "СТОП"));
        let saved = store
            .set_contact_settings(&ContactSettings {
                default_country: Some(" de ".into()),
                opt_out_keywords: vec![" Stop ".into(), "STOP".into(), "halt".into()],
            })
            .unwrap();
        assert_eq!(saved.default_country.as_deref(), Some("DE"));
        assert_eq!(saved.opt_out_keywords, ["Stop", "halt"]);
        assert_eq!(store.contact_settings().unwrap(), saved);
        assert_eq!(store.default_country(None).unwrap().map(|c| c.code().to_owned()).as_deref(), Some("DE"));
        assert_eq!(store.default_country(Some("br")).unwrap().map(|c| c.code().to_owned()).as_deref(), Some("BR"));
    }

    #[test]
    fn bad_settings_are_refused_at_their_field() {
        let bad_country = ContactSettings { default_country: Some("XY".into()), opt_out_keywords: vec![] };
        assert!(matches!(validate(&bad_country), Err(Error::Field(f, _)) if f == "default_country"));
        let long = ContactSettings { default_country: None, opt_out_keywords: vec!["x".repeat(31)] };
        assert!(matches!(validate(&long), Err(Error::Field(f, _)) if f == "opt_out_keywords"));
        let many =
            ContactSettings { default_country: None, opt_out_keywords: (0..101).map(|i| i.to_string()).collect() };
        assert!(validate(&many).is_err());
    }
}
