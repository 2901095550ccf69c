//! Each channel's current sealing period ([`PeriodSealer`]): one ephemeral key per channel per
//! period instead of one per webhook (see `wadesk_relay_protocol`'s envelope version 2).
//!
//! Period keys are kept only here, in memory. A period ends after a minute or a million events,
//! and [`Sealers::sweep`] (every few seconds, from [`crate::serve`]) drops the keys of ended
//! periods, so a channel that goes quiet does not keep its last key in memory: what the relay
//! stored under it is then closed to the relay too.

use std::collections::HashMap;
use std::sync::Mutex;

use wadesk_relay_protocol::{CapturedRequest, EnvelopeError, PeriodSealer};

use crate::store::Channel;

/// The live periods, by channel id.
#[derive(Debug, Default)]
pub(crate) struct Sealers {
    periods: Mutex<HashMap<String, PeriodSealer>>,
}

impl Sealers {
    /// Seals `req` for `channel`, starting a new period when there is none or it has ended.
    pub(crate) fn seal(&self, channel: &Channel, req: &CapturedRequest) -> Result<Vec<u8>, EnvelopeError> {
        let mut periods = self.periods.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let sealer = match periods.get_mut(&channel.id) {
            Some(sealer) if !sealer.expired() => sealer,
            _ => {
                periods.insert(channel.id.clone(), PeriodSealer::new(&channel.public_key)?);
                periods.get_mut(&channel.id).ok_or(EnvelopeError::Seal)?
            }
        };
        sealer.seal(req)
    }

    /// Drops the keys of ended periods (zeroed on drop).
    pub(crate) fn sweep(&self) {
        self.periods.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|_, s| !s.expired());
    }

    /// Drops a channel's period (revoked).
    pub(crate) fn forget(&self, channel_id: &str) {
        self.periods.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(channel_id);
    }

    /// How many periods are live.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.periods.lock().map(|p| p.len()).unwrap_or(0)
    }
}
