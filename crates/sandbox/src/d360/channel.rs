//! One channel: a phone number a partner submitted with `account_sharing/numbers`, its lifecycle
//! stage, its API key, its messaging webhook and everything its messaging API did.
//!
//! Plain state: no I/O, no locking ([`super::store::Store`] holds every channel behind one mutex).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::identity::KeyClaims;
use crate::chatarchitect::messaging::push_capped;
use crate::chatarchitect::messaging::settings::TokenBucket;
use crate::chatarchitect::messaging::window::LastInbound;
use crate::chatarchitect::partners::PartnerId;
use crate::sendzen::project::Secret;
use crate::MessagingConfig;

/// A channel's lifecycle stage (partner webhook events `channel_<stage>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    Created,
    Submitted,
    Ready,
    Running,
    Live,
}

impl Stage {
    /// Every stage, in lifecycle order.
    pub(crate) const ALL: [Stage; 5] = [Stage::Created, Stage::Submitted, Stage::Ready, Stage::Running, Stage::Live];

    /// The channel's `status`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Stage::Created => "created",
            Stage::Submitted => "submitted",
            Stage::Ready => "ready",
            Stage::Running => "running",
            Stage::Live => "live",
        }
    }

    /// The partner webhook event announcing it.
    pub(crate) fn event(self) -> &'static str {
        match self {
            Stage::Created => super::EVENT_CHANNEL_CREATED,
            Stage::Submitted => super::EVENT_CHANNEL_SUBMITTED,
            Stage::Ready => super::EVENT_CHANNEL_READY,
            Stage::Running => super::EVENT_CHANNEL_RUNNING,
            Stage::Live => super::EVENT_CHANNEL_LIVE,
        }
    }

    /// `created` … `live`, or the event names `channel_created` … `channel_live`.
    pub(crate) fn parse(s: &str) -> Option<Stage> {
        let s = s.strip_prefix("channel_").unwrap_or(s);
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A registered messaging webhook (`POST /v1/configs/webhook`).
#[derive(Debug, Clone)]
pub(crate) struct Hook {
    pub(crate) url: String,
    /// Echoed on every delivery, in the order given.
    pub(crate) headers: Vec<(String, Secret)>,
}

/// `"YYYY-MM-DD HH:MM:SS"` (UTC), the seed's timestamp format.
pub(crate) fn hub_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// One channel.
#[derive(Debug)]
pub(crate) struct Channel {
    pub(crate) id: String,
    pub(crate) partner: PartnerId,
    pub(crate) client_id: String,
    pub(crate) status: Stage,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) modified_at: DateTime<Utc>,
    /// Meta's WABA id (`waba_account.external_id`).
    pub(crate) waba_id: String,
    /// 360dialog's own WABA account id (`waba_account.id`).
    pub(crate) waba_account_id: String,
    pub(crate) phone_number_id: String,
    /// Digits, no `+`.
    pub(crate) phone_number: String,
    pub(crate) phone_name: String,
    pub(crate) pricing_tier: String,
    /// The id of the one API key that authenticates (newer keys revoke older ones).
    pub(crate) key_id: Option<String>,
    /// The lifecycle stops before this stage until released.
    pub(crate) hold: Option<Stage>,
    pub(crate) hook: Option<Hook>,
    /// Signs messaging webhooks (`x-360dialog-signature`) when set.
    pub(crate) secret: Option<Secret>,
    pub(crate) settings: MessagingConfig,
    pub(crate) bucket: TokenBucket,
    pub(crate) last_inbound: LastInbound,
    pub(crate) sent: Vec<Value>,
    pub(crate) inbound: Vec<Value>,
}

/// What a new channel is made of.
#[derive(Debug, Clone)]
pub(crate) struct NewChannel {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) waba_id: String,
    pub(crate) waba_account_id: String,
    pub(crate) phone_number_id: String,
    pub(crate) phone_number: String,
    pub(crate) phone_name: String,
    pub(crate) pricing_tier: String,
}

impl Channel {
    pub(crate) fn new(partner: PartnerId, n: NewChannel, settings: &MessagingConfig, now: DateTime<Utc>) -> Channel {
        Channel {
            id: n.id,
            partner,
            client_id: n.client_id,
            status: Stage::Created,
            created_at: now,
            modified_at: now,
            waba_id: n.waba_id,
            waba_account_id: n.waba_account_id,
            phone_number_id: n.phone_number_id,
            phone_number: n.phone_number,
            phone_name: n.phone_name,
            pricing_tier: n.pricing_tier,
            key_id: None,
            hold: None,
            hook: None,
            secret: None,
            settings: settings.clone(),
            bucket: TokenBucket::new(settings.rate_per_second),
            last_inbound: LastInbound::default(),
            sent: Vec::new(),
            inbound: Vec::new(),
        }
    }

    /// A live channel rebuilt from a verified API key after a restart (its webhook is forgotten;
    /// `waba_account_id` is the caller's to fill in).
    pub(crate) fn rebuilt(
        partner: PartnerId,
        c: &KeyClaims,
        settings: &MessagingConfig,
        now: DateTime<Utc>,
    ) -> Channel {
        let n = NewChannel {
            id: c.channel_id.clone(),
            client_id: c.client_id.clone(),
            waba_id: c.waba_id.clone(),
            waba_account_id: String::new(),
            phone_number_id: c.phone_number_id.clone(),
            phone_number: c.phone_number.clone(),
            phone_name: "Sandbox Business".to_owned(),
            pricing_tier: "regular".to_owned(),
        };
        let mut ch = Channel::new(partner, n, settings, now);
        ch.status = Stage::Live;
        ch.key_id = Some(c.key_id.clone());
        ch
    }

    /// The `partner_channels[]` item and partner webhook `payload`.
    pub(crate) fn object(&self, partner_id: &str) -> Value {
        json!({
            "id": self.id,
            "client_id": self.client_id,
            "partner_id": partner_id,
            "status": self.status.as_str(),
            "created_at": hub_time(self.created_at),
            "modified_at": hub_time(self.modified_at),
            "account_mode": "live",
            "setup_info": { "phone_number": format!("+{}", self.phone_number), "phone_name": self.phone_name },
            "waba_account": {
                "id": self.waba_account_id,
                "external_id": self.waba_id,
                "phone_number_id": self.phone_number_id,
            },
        })
    }

    /// The claims of an API key with id `key_id` for this channel.
    pub(crate) fn claims(&self, key_id: &str) -> KeyClaims {
        KeyClaims {
            key_id: key_id.to_owned(),
            channel_id: self.id.clone(),
            client_id: self.client_id.clone(),
            waba_id: self.waba_id.clone(),
            phone_number_id: self.phone_number_id.clone(),
            phone_number: self.phone_number.clone(),
        }
    }

    pub(crate) fn record_sent(&mut self, m: Value) {
        push_capped(&mut self.sent, m);
    }

    pub(crate) fn record_inbound(&mut self, m: Value) {
        push_capped(&mut self.inbound, m);
    }

    /// Whether a simulated customer sent this channel message `id` (what mark-read accepts).
    pub(crate) fn received(&self, id: &str) -> bool {
        self.inbound.iter().any(|m| m["message_id"] == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse_from_status_or_event_names() {
        assert_eq!(Stage::parse("running"), Some(Stage::Running));
        assert_eq!(Stage::parse("channel_live"), Some(Stage::Live));
        assert_eq!(Stage::parse("channel_"), None);
        assert_eq!(Stage::parse("LIVE"), None);
        assert_eq!(Stage::Ready.event(), "channel_ready");
        assert!(Stage::Running < Stage::Live);
    }

    #[test]
    fn timestamps_have_the_seeds_format() {
        let t = DateTime::parse_from_rfc3339("2023-11-02T09:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(hub_time(t), "2023-11-02 09:00:00");
    }
}
