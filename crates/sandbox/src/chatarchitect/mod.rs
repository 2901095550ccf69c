//! ChatArchitect, simulated from seed 000 ("Partner API and Embed Integration Guide").
//!
//! One registration domain serves everything ChatArchitect documents: the embedded registration
//! ([`registration`]) and, beside it on the same origin and with the same error shape, the
//! messaging API ([`messaging`]). What the modules share lives here: who a partner is
//! ([`partners`]), the seed's error answer ([`error`]) and random identifiers.

pub(crate) mod error;
pub(crate) mod messaging;
pub(crate) mod partners;
pub(crate) mod registration;

use std::sync::Arc;

use axum::Router;
use rand::{Rng, TryRngCore};

use crate::{Sandbox, SandboxConfig};

/// ChatArchitect's in-memory state inside a [`Sandbox`].
pub(crate) struct ChatArchitect {
    partners: partners::Partners,
    registration: registration::Registrations,
    messaging: messaging::Messaging,
}

impl ChatArchitect {
    pub(crate) fn new(config: &SandboxConfig) -> ChatArchitect {
        ChatArchitect {
            partners: partners::Partners::new(&config.partner_tokens),
            registration: registration::Registrations::new(config),
            messaging: messaging::Messaging::new(&config.messaging),
        }
    }

    pub(crate) fn partners(&self) -> &partners::Partners {
        &self.partners
    }

    pub(crate) fn registration(&self) -> &registration::Registrations {
        &self.registration
    }

    pub(crate) fn messaging(&self) -> &messaging::Messaging {
        &self.messaging
    }
}

/// Every ChatArchitect route, on the registration domain's origin.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    registration::routes().merge(messaging::routes())
}

/// Lowercase letters and digits: the alphabet of the seed's `registration_id` example.
pub(crate) const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Letters and digits, both cases.
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Decimal digits.
pub(crate) const DIGITS: &[u8] = b"0123456789";

/// `len` characters drawn uniformly from `alphabet` with the operating system's RNG.
pub(crate) fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rngs::OsRng.unwrap_err();
    (0..len).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_strings_use_only_their_alphabet_and_differ() {
        let a = random_string(22, LOWER_ALNUM);
        let b = random_string(22, LOWER_ALNUM);
        assert_eq!(a.len(), 22);
        assert!(a.bytes().all(|c| LOWER_ALNUM.contains(&c)), "{a}");
        assert_ne!(a, b);
        assert!(random_string(6, DIGITS).bytes().all(|c| c.is_ascii_digit()));
    }
}
