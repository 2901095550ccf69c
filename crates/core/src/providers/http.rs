//! What every provider client does with HTTP: name the innermost cause of a failure, never the URL
//! (reqwest's own `Display` repeats it, and URLs may carry tokens or query values), and turn a
//! send's transport and status into the message's fate.

use crate::error::{Error, ProviderFailure};
use crate::providers::messaging::SendError;

/// The innermost cause of a reqwest error, without the URL.
pub(crate) fn root(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// What a non-2xx status means for the caller, the same for every provider.
pub(crate) fn failure_of(status: u16) -> ProviderFailure {
    match status {
        400 | 422 => ProviderFailure::Rejected,
        401 | 403 => ProviderFailure::Unauthorized,
        404 => ProviderFailure::NotFound,
        409 => ProviderFailure::Conflict,
        _ => ProviderFailure::Unavailable,
    }
}

/// No answer from `base_url` for `action`, as a typed error.
pub(crate) fn unreachable(action: &str, base_url: &str, e: &reqwest::Error) -> Error {
    let what = if e.is_timeout() { "no answer in time".to_owned() } else { root(e) };
    Error::Provider(ProviderFailure::Unreachable, format!("{action}: cannot reach {base_url}: {what}"))
}

/// How a provider words a non-2xx answer: `(status, body, Retry-After)` → its typed error.
pub(crate) type AnswerError<'a> = &'a (dyn Fn(reqwest::StatusCode, &[u8], Option<&str>) -> Error + Sync);

/// Sends a message request and gives the 2xx body, or the message's fate: refused before a byte
/// went out or answered non-2xx → not accepted (nothing was sent); 429 → rate limited, with
/// `Retry-After`; a timeout, a cut connection or a cut-off answer → uncertain (the provider may
/// have queued it, so it is never resent on its own).
pub(crate) async fn send_message(
    req: reqwest::RequestBuilder,
    base_url: &str,
    answer_error: AnswerError<'_>,
) -> Result<Vec<u8>, SendError> {
    let res = req.send().await.map_err(|e| {
        let err = unreachable("send", base_url, &e);
        if e.is_connect() || e.is_builder() {
            SendError::NotAccepted(err)
        } else {
            SendError::Uncertain(err)
        }
    })?;
    let status = res.status();
    let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = res.bytes().await.map_err(|e| {
        SendError::Uncertain(Error::Provider(
            ProviderFailure::Unreachable,
            format!("send: the answer was cut off: {}", root(&e)),
        ))
    })?;
    if status.as_u16() == 429 {
        return Err(SendError::RateLimited {
            retry_after_s: retry_after.as_deref().and_then(|v| v.trim().parse().ok()),
            error: answer_error(status, &bytes, retry_after.as_deref()),
        });
    }
    if !status.is_success() {
        return Err(SendError::NotAccepted(answer_error(status, &bytes, None)));
    }
    Ok(bytes.to_vec())
}
