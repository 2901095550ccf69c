//! The one error type of the core, and the `{code, message}` shape hosts show to people.
//!
//! Hosts branch on [`ErrorCode`], never on message text. Messages are written for a person and must
//! never contain a secret: no variant carries one, and `Database` errors from SQLCipher hold only
//! SQLite's own text.

use serde::Serialize;
use ts_rs::TS;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No database exists yet in the data directory.
    #[error("no store exists in {0}; create one first")]
    StoreUninitialized(String),
    /// The database exists but has not been unlocked in this process.
    #[error("the store is locked; unlock it first")]
    StoreLocked,
    /// `create` was asked for where a database already exists.
    #[error("a store already exists in {0}; it was left untouched")]
    StoreAlreadyExists(String),
    /// Another process is creating the store, or holds the data directory for longer than we wait.
    #[error(
        "another Wadesk process is creating or opening the store in {0}; nothing was changed, try again in a moment"
    )]
    StoreBusy(String),
    /// Another process is doing this (sending a campaign); it goes on there.
    #[error("{0}")]
    Busy(String),
    /// Long work stopped before it finished, as asked (a campaign paused or cancelled).
    #[error("{0}")]
    Stopped(String),
    /// Free text to a customer whose 24-hour service window is closed: only a template may go.
    #[error("{0}")]
    WindowClosed(String),
    /// The data directory holds something we refuse to touch (e.g. a database without key metadata).
    #[error("{0}")]
    StoreCorrupt(String),
    /// The passphrase does not open the database. Nothing was changed.
    #[error("wrong passphrase; the database was not changed")]
    WrongPassphrase,
    /// The database key is not in the OS keychain (deleted, or another user's keychain).
    #[error("the database key is missing from the system keychain; the database was not changed")]
    KeyMissing,
    /// No OS keychain could be reached, and no passphrase was given.
    #[error("no system keychain is available ({0}); use a passphrase instead")]
    KeychainUnavailable(String),
    /// A new passphrase is too weak to protect the store.
    #[error("the passphrase must be at least {0} characters long")]
    WeakPassphrase(usize),
    /// A caller gave bad input; the message says which field and why.
    #[error("{0}")]
    InvalidInput(String),
    /// One named field of a form is wrong: `.0` is the field's stable name (`to`, `text`,
    /// `values.2`), `.1` a sentence for a person. Hosts show it at the field.
    #[error("{0}: {1}")]
    Field(String, String),
    /// A named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The relay could not be reached or refused (message never contains a token or URL query).
    #[error("relay: {0}")]
    Relay(String),
    /// Leaving a relay was refused because webhooks may still wait there and could not be
    /// fetched first. Nothing changed.
    #[error("relay: {0}")]
    RelayBacklog(String),
    /// What was asked for is already so (e.g. switching to the relay already in use); nothing changed.
    #[error("{0}")]
    NothingToDo(String),
    /// A provider API answered with an error or could not be reached. The message is the provider's
    /// own (trimmed) plus the action; never a token.
    #[error("{1}")]
    Provider(ProviderFailure, String),
    /// SQLite/SQLCipher failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// A bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
}

/// How a provider call failed, by the HTTP status the provider answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderFailure {
    /// 400: the provider refused a field or the request.
    Rejected,
    /// 401/403: the token or credentials are wrong.
    Unauthorized,
    /// 404: no such session/object for these credentials.
    NotFound,
    /// 409: the request does not fit the object's state (e.g. retry before completion).
    Conflict,
    /// 5xx or another status: the provider failed; retry later.
    Unavailable,
    /// No answer (DNS, connection, TLS, timeout).
    Unreachable,
    /// A 2xx answer we could not read.
    BadAnswer,
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable, machine-readable error kinds for the UI and the CLI's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    #[allow(missing_docs)]
    StoreUninitialized,
    #[allow(missing_docs)]
    StoreLocked,
    #[allow(missing_docs)]
    StoreAlreadyExists,
    #[allow(missing_docs)]
    StoreCorrupt,
    /// Another process is creating or opening the store; retry.
    StoreBusy,
    /// Another process is doing this already (sending the campaign).
    Busy,
    /// Stopped before it finished, as asked (paused or cancelled).
    Stopped,
    /// Free text refused: the customer's 24-hour window is closed; send a template.
    WindowClosed,
    #[allow(missing_docs)]
    WrongPassphrase,
    #[allow(missing_docs)]
    KeyMissing,
    #[allow(missing_docs)]
    KeychainUnavailable,
    #[allow(missing_docs)]
    WeakPassphrase,
    #[allow(missing_docs)]
    InvalidInput,
    #[allow(missing_docs)]
    NotFound,
    #[allow(missing_docs)]
    RelayUnavailable,
    /// Webhooks may still wait at the relay being left and could not be fetched; nothing changed.
    RelayBacklog,
    /// Already so; nothing changed (e.g. `relay use-embedded` on an embedded install).
    NothingToDo,
    /// The provider refused the request (HTTP 400).
    ProviderRejected,
    /// The provider refused the token or credentials (HTTP 401/403).
    ProviderUnauthorized,
    /// The request does not fit the provider object's state (HTTP 409).
    ProviderConflict,
    /// The provider failed, answered oddly or could not be reached.
    ProviderUnavailable,
    #[allow(missing_docs)]
    Database,
    #[allow(missing_docs)]
    Io,
    #[allow(missing_docs)]
    Internal,
}

impl ErrorCode {
    /// The CLI's exit status for this kind of error; scripts may rely on these numbers.
    pub fn exit_status(self) -> u8 {
        match self {
            ErrorCode::InvalidInput => 2,
            ErrorCode::NotFound => 3,
            ErrorCode::StoreUninitialized => 4,
            ErrorCode::StoreLocked | ErrorCode::WrongPassphrase | ErrorCode::WeakPassphrase => 5,
            ErrorCode::KeyMissing | ErrorCode::KeychainUnavailable => 6,
            ErrorCode::RelayUnavailable => 8,
            ErrorCode::ProviderUnauthorized => 9,
            ErrorCode::ProviderRejected => 10,
            ErrorCode::ProviderConflict => 11,
            ErrorCode::ProviderUnavailable => 12,
            ErrorCode::StoreAlreadyExists | ErrorCode::StoreCorrupt => 7,
            ErrorCode::StoreBusy | ErrorCode::Busy => 13,
            ErrorCode::Stopped => 14,
            ErrorCode::WindowClosed => 15,
            ErrorCode::NothingToDo => 16,
            ErrorCode::RelayBacklog => 17,
            ErrorCode::Database | ErrorCode::Io | ErrorCode::Internal => 1,
        }
    }
}

impl Error {
    /// The stable kind of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::StoreUninitialized(_) => ErrorCode::StoreUninitialized,
            Error::StoreLocked => ErrorCode::StoreLocked,
            Error::StoreAlreadyExists(_) => ErrorCode::StoreAlreadyExists,
            Error::StoreCorrupt(_) => ErrorCode::StoreCorrupt,
            Error::StoreBusy(_) => ErrorCode::StoreBusy,
            Error::Busy(_) => ErrorCode::Busy,
            Error::Stopped(_) => ErrorCode::Stopped,
            Error::WindowClosed(_) => ErrorCode::WindowClosed,
            Error::WrongPassphrase => ErrorCode::WrongPassphrase,
            Error::KeyMissing => ErrorCode::KeyMissing,
            Error::KeychainUnavailable(_) => ErrorCode::KeychainUnavailable,
            Error::WeakPassphrase(_) => ErrorCode::WeakPassphrase,
            Error::InvalidInput(_) | Error::Field(..) => ErrorCode::InvalidInput,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Relay(_) => ErrorCode::RelayUnavailable,
            Error::RelayBacklog(_) => ErrorCode::RelayBacklog,
            Error::NothingToDo(_) => ErrorCode::NothingToDo,
            Error::Provider(f, _) => match f {
                ProviderFailure::Rejected => ErrorCode::ProviderRejected,
                ProviderFailure::Unauthorized => ErrorCode::ProviderUnauthorized,
                ProviderFailure::NotFound => ErrorCode::NotFound,
                ProviderFailure::Conflict => ErrorCode::ProviderConflict,
                ProviderFailure::Unavailable | ProviderFailure::Unreachable | ProviderFailure::BadAnswer => {
                    ErrorCode::ProviderUnavailable
                }
            },
            // A page that does not decrypt or a malformed b-tree met after unlocking is damage to
            // the store, not a passing database error: the person has to restore, not retry.
            Error::Database(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
                ) =>
            {
                ErrorCode::StoreCorrupt
            }
            Error::Database(_) => ErrorCode::Database,
            Error::Io(_) => ErrorCode::Io,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// The serialisable error that crosses the IPC boundary and the CLI's `--json` output.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ApiError {
    /// What kind of error; the UI branches on this.
    pub code: ErrorCode,
    /// A sentence for a person. Never contains a secret.
    pub message: String,
    /// The form field the error belongs to, when it is about one (`to`, `text`, `values.2`);
    /// `message` then reads on its own beside that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Field(field, message) => ApiError { code: ErrorCode::InvalidInput, message, field: Some(field) },
            e => ApiError { code: e.code(), message: e.to_string(), field: None },
        }
    }
}
