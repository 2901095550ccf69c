//! What every provider client does with reqwest's errors: name the innermost cause, never the URL
//! (reqwest's own `Display` repeats it, and URLs may carry tokens or query values).

/// The innermost cause of a reqwest error, without the URL.
pub(crate) fn root(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}
