//! How a recipient behaves: the well-known demo numbers, per-app overrides set through the
//! control surface, and the failures a destination causes.
//!
//! Every number not listed here (or overridden) behaves normally: `sent`, `delivered`, `read`.
//! The 1008 failure and its reason are the seed's own example; 1002 is an assumption borrowed from
//! Gupshup's error table, which ChatArchitect's envelope follows (PROVIDERS.md §1 "Inference").

use serde::Serialize;
use serde_json::{Map, Value};

use super::catalogue::Failure;
use crate::chatarchitect::error::ApiError;

/// Not opted in: every message fails with 1008 "User is not Opted in and Inactive" (seed).
pub const DEMO_NOT_OPTED_IN: &str = "15550000001";
/// Not on WhatsApp: every message fails with 1002 "Number Does Not Exists On WhatsApp".
pub const DEMO_NOT_ON_WHATSAPP: &str = "15550000002";
/// Slow: every status arrives ten times later than configured.
pub const DEMO_SLOW: &str = "15550000003";
/// Never reads: statuses stop at `delivered`.
pub const DEMO_NEVER_READ: &str = "15550000004";
/// Persona "thanks": answers "Thanks!" once a message is read.
pub const DEMO_THANKS: &str = "15550000005";
/// Persona "stop": answers "STOP" once a message is read.
pub const DEMO_STOP: &str = "15550000006";

/// Code of the seed's "not opted in" failure.
pub const CODE_NOT_OPTED_IN: u32 = 1008;
/// Code of the "not on WhatsApp" failure (assumption).
pub const CODE_NOT_ON_WHATSAPP: u32 = 1002;

/// What a destination does with messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Behaviour {
    Normal,
    NotOptedIn,
    NotOnWhatsapp,
    Slow,
    NeverRead,
}

impl Behaviour {
    fn parse(s: &str) -> Option<Behaviour> {
        Some(match s {
            "normal" => Behaviour::Normal,
            "not_opted_in" => Behaviour::NotOptedIn,
            "not_on_whatsapp" => Behaviour::NotOnWhatsapp,
            "slow" => Behaviour::Slow,
            "never_read" => Behaviour::NeverRead,
            _ => return None,
        })
    }

    /// The failure every message to this destination ends in, if any.
    pub(crate) fn failure(self) -> Option<Failure> {
        match self {
            Behaviour::NotOptedIn => {
                Some(Failure { code: CODE_NOT_OPTED_IN, reason: "User is not Opted in and Inactive".to_owned() })
            }
            Behaviour::NotOnWhatsapp => {
                Some(Failure { code: CODE_NOT_ON_WHATSAPP, reason: "Number Does Not Exists On WhatsApp".to_owned() })
            }
            _ => None,
        }
    }
}

/// A simulated customer who answers once a message is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Persona {
    Thanks,
    Stop,
}

impl Persona {
    /// The text the customer writes back.
    pub(crate) fn reply(self) -> &'static str {
        match self {
            Persona::Thanks => "Thanks!",
            Persona::Stop => "STOP",
        }
    }
}

/// One destination's behaviour and persona.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Destination {
    pub(crate) behaviour: Behaviour,
    pub(crate) persona: Option<Persona>,
}

impl Destination {
    /// How a number behaves when no override is set: the demo numbers, else normal.
    pub(crate) fn demo(number: &str) -> Destination {
        let (behaviour, persona) = match number {
            DEMO_NOT_OPTED_IN => (Behaviour::NotOptedIn, None),
            DEMO_NOT_ON_WHATSAPP => (Behaviour::NotOnWhatsapp, None),
            DEMO_SLOW => (Behaviour::Slow, None),
            DEMO_NEVER_READ => (Behaviour::NeverRead, None),
            DEMO_THANKS => (Behaviour::Normal, Some(Persona::Thanks)),
            DEMO_STOP => (Behaviour::Normal, Some(Persona::Stop)),
            _ => (Behaviour::Normal, None),
        };
        Destination { behaviour, persona }
    }

    /// `{"behaviour": "...", "persona": "thanks"|"stop"|null}`; an omitted field keeps `self`'s.
    pub(crate) fn updated(self, body: &Map<String, Value>) -> Result<Destination, ApiError> {
        let mut next = self;
        for (key, value) in body {
            match (key.as_str(), value) {
                ("behaviour", Value::String(s)) => {
                    next.behaviour = Behaviour::parse(s).ok_or(ApiError::bad_request(
                        "Invalid behaviour: expected normal, not_opted_in, not_on_whatsapp, slow or never_read",
                    ))?;
                }
                ("persona", Value::Null) => next.persona = None,
                ("persona", Value::String(s)) if s == "thanks" => next.persona = Some(Persona::Thanks),
                ("persona", Value::String(s)) if s == "stop" => next.persona = Some(Persona::Stop),
                ("behaviour", _) => return Err(ApiError::bad_request("Invalid behaviour: must be a string")),
                ("persona", _) => {
                    return Err(ApiError::bad_request("Invalid persona: expected \"thanks\", \"stop\" or null"))
                }
                (other, _) => return Err(ApiError::bad_request(format!("Unknown field: {other}"))),
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_numbers_have_their_behaviour_and_others_are_normal() {
        assert_eq!(Destination::demo(DEMO_NOT_OPTED_IN).behaviour.failure().unwrap().code, 1008);
        assert_eq!(Destination::demo(DEMO_STOP).persona, Some(Persona::Stop));
        assert_eq!(Destination::demo("421233221242"), Destination { behaviour: Behaviour::Normal, persona: None });
    }

    #[test]
    fn updates_keep_omitted_fields_and_refuse_unknown_values() {
        let d = Destination::demo(DEMO_THANKS);
        let next = d.updated(serde_json::json!({ "behaviour": "slow" }).as_object().unwrap()).unwrap();
        assert_eq!((next.behaviour, next.persona), (Behaviour::Slow, Some(Persona::Thanks)));
        for bad in [
            serde_json::json!({ "behaviour": "fast" }),
            serde_json::json!({ "persona": "angry" }),
            serde_json::json!({ "x": 1 }),
        ] {
            assert!(d.updated(bad.as_object().unwrap()).is_err(), "{bad}");
        }
    }
}
