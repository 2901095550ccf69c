//! How the simulated messaging API behaves over time: status delays, the send rate, the delivery
//! options and whether the 24-hour service window is enforced, as one typed config
//! ([`MessagingConfig`], part of `SandboxConfig`) and as each app's live copy that the control
//! surface changes.
//!
//! Every app starts from the sandbox's config; changing one app's settings never touches another's.
//! Nothing here is documented by ChatArchitect: the delays and the rate are the sandbox's own
//! choices (the seed only says statuses arrive "later"; PROVIDERS.md §1 notes a public client that
//! retries on 429), and the window is Meta's rule that every BSP inherits (PROVIDERS.md §6).

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::chatarchitect::error::ApiError;

/// The messaging API's behaviour: when each status webhook follows an accepted message, how many
/// messages an app may send per second, and the delivery options tests use to shake a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingConfig {
    /// Time from acceptance to the `sent` (or `failed`) event (default 300 ms).
    pub sent_delay: Duration,
    /// Time from acceptance to the `delivered` event (default 800 ms).
    pub delivered_delay: Duration,
    /// Time from acceptance to the `read` event (default 2 s).
    pub read_delay: Duration,
    /// Messages per second each app may send, a token bucket holding one second's worth
    /// (default 80). Above it `/whatsappmessage` answers 429 with `Retry-After`.
    pub rate_per_second: u32,
    /// Every status event is delivered twice (a client must de-duplicate).
    pub duplicates: bool,
    /// The events of one message arrive in a shuffled order (e.g. `read` before `delivered`).
    pub reorder: bool,
    /// Gupshup-v2 ids: `sent`/`delivered`/`read` carry a WhatsApp id in `payload.id` and the
    /// `messageId` in `payload.gsId`; `failed` keeps `id = messageId` (PROVIDERS.md §1 "Inference").
    pub wamid_ids: bool,
    /// The 24-hour customer service window (PROVIDERS.md §6): a free-form (non-template) message
    /// to a number that has not written in the last 24 hours is accepted, then fails with 470 by
    /// webhook (default true).
    pub enforce_window: bool,
}

impl Default for MessagingConfig {
    fn default() -> Self {
        MessagingConfig {
            sent_delay: Duration::from_millis(300),
            delivered_delay: Duration::from_millis(800),
            read_delay: Duration::from_millis(2000),
            rate_per_second: 80,
            duplicates: false,
            reorder: false,
            wamid_ids: false,
            enforce_window: true,
        }
    }
}

/// Longest delay of one status event after acceptance.
pub const MAX_EVENT_DELAY: Duration = Duration::from_secs(600);
/// Highest send rate an app can be given.
pub const MAX_RATE_PER_SECOND: u32 = 100_000;

impl MessagingConfig {
    /// Checks every value against its range; the message names the setting and the range.
    pub fn validate(&self) -> Result<(), String> {
        for (name, d) in [("sent", self.sent_delay), ("delivered", self.delivered_delay), ("read", self.read_delay)] {
            if d > MAX_EVENT_DELAY {
                return Err(format!(
                    "messaging {name} delay must be between 0 and {} ms, not {} ms",
                    MAX_EVENT_DELAY.as_millis(),
                    d.as_millis()
                ));
            }
        }
        if !(1..=MAX_RATE_PER_SECOND).contains(&self.rate_per_second) {
            return Err(format!(
                "messaging rate must be between 1 and {MAX_RATE_PER_SECOND} messages per second, not {}",
                self.rate_per_second
            ));
        }
        Ok(())
    }

    /// The control surface's view (`GET /_sandbox/messaging/settings`).
    pub(crate) fn view(&self) -> SettingsView {
        SettingsView {
            sent_delay_ms: millis(self.sent_delay),
            delivered_delay_ms: millis(self.delivered_delay),
            read_delay_ms: millis(self.read_delay),
            rate_per_second: self.rate_per_second,
            duplicates: self.duplicates,
            reorder: self.reorder,
            wamid_ids: self.wamid_ids,
            enforce_window: self.enforce_window,
        }
    }

    /// Applies a partial update in the view's field names; unknown fields and wrong types are a
    /// 400 naming the field, and nothing changes unless the whole update is valid.
    pub(crate) fn updated(&self, body: &Map<String, Value>) -> Result<MessagingConfig, ApiError> {
        let mut next = self.clone();
        for (key, value) in body {
            let delay = |v: &Value| {
                v.as_u64().map(Duration::from_millis).ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid {key}: expected a non-negative integer (milliseconds)"))
                })
            };
            let flag = |v: &Value| {
                v.as_bool().ok_or_else(|| ApiError::bad_request(format!("Invalid {key}: expected true or false")))
            };
            match key.as_str() {
                "sent_delay_ms" => next.sent_delay = delay(value)?,
                "delivered_delay_ms" => next.delivered_delay = delay(value)?,
                "read_delay_ms" => next.read_delay = delay(value)?,
                "rate_per_second" => {
                    next.rate_per_second = value
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| ApiError::bad_request("Invalid rate_per_second: expected a positive integer"))?;
                }
                "duplicates" => next.duplicates = flag(value)?,
                "reorder" => next.reorder = flag(value)?,
                "wamid_ids" => next.wamid_ids = flag(value)?,
                "enforce_window" => next.enforce_window = flag(value)?,
                other => return Err(ApiError::bad_request(format!("Unknown setting: {other}"))),
            }
        }
        next.validate().map_err(|m| ApiError::bad_request(format!("Invalid settings: {m}")))?;
        Ok(next)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The settings as the control surface shows and accepts them.
#[derive(Debug, Serialize)]
pub(crate) struct SettingsView {
    sent_delay_ms: u64,
    delivered_delay_ms: u64,
    read_delay_ms: u64,
    rate_per_second: u32,
    duplicates: bool,
    reorder: bool,
    wamid_ids: bool,
    enforce_window: bool,
}

/// A per-app token bucket of one second's capacity.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    tokens: f64,
    updated: std::time::Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(rate: u32) -> TokenBucket {
        TokenBucket { tokens: f64::from(rate), updated: std::time::Instant::now() }
    }

    /// Takes one token at `rate` per second; `Err(seconds)` says when one will be there (at
    /// least 1, as `Retry-After` counts whole seconds).
    pub(crate) fn take(&mut self, rate: u32) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let rate = f64::from(rate.max(1));
        let elapsed = now.duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(rate);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - self.tokens) / rate).ceil();
        // `wait` is at most 1 s (one token at a rate of at least 1 per second).
        Err((wait as u64).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_ranges_are_enforced() {
        assert_eq!(MessagingConfig::default().validate(), Ok(()));
        let slow = MessagingConfig { read_delay: MAX_EVENT_DELAY + Duration::from_millis(1), ..Default::default() };
        assert!(slow.validate().unwrap_err().contains("read delay"));
        let none = MessagingConfig { rate_per_second: 0, ..Default::default() };
        assert!(none.validate().unwrap_err().contains("rate"));
    }

    #[test]
    fn updates_are_partial_and_all_or_nothing() {
        let base = MessagingConfig::default();
        let body = serde_json::json!({ "read_delay_ms": 50, "duplicates": true, "enforce_window": false });
        let next = base.updated(body.as_object().unwrap()).unwrap();
        assert_eq!(
            (next.read_delay, next.duplicates, next.sent_delay, next.enforce_window),
            (Duration::from_millis(50), true, base.sent_delay, false)
        );
        assert!(base.enforce_window, "on by default");
        for bad in [
            serde_json::json!({ "duplicates": "yes" }),
            serde_json::json!({ "enforce_window": 0 }),
            serde_json::json!({ "rate_per_second": 0 }),
            serde_json::json!({ "sent_delay_ms": -1 }),
            serde_json::json!({ "colour": "blue" }),
        ] {
            assert!(base.updated(bad.as_object().unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_bucket_holds_one_second_of_messages() {
        let mut bucket = TokenBucket::new(3);
        assert!((0..3).all(|_| bucket.take(3).is_ok()));
        assert_eq!(bucket.take(3), Err(1));
    }
}
