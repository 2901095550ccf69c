//! Where SendZen's state lives: every project, the iframe tokens, and each partner's rate bucket
//! and forced failures, in one map behind one mutex.
//!
//! The lock is held for one synchronous closure at a time ([`Store::with`]) and never across an
//! `.await`. Nothing is evicted (a sandbox process is short-lived) and nothing is persisted; what
//! must survive a restart is derived instead ([`super::identity`]): a project the store does not
//! hold is rebuilt from its derived key ([`State::project_for_key`]) or its next onboarding.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::error::PartnerError;
use super::identity::Identity;
use super::outcome::Connect;
use super::project::{Forced, Project};
use crate::chatarchitect::messaging::settings::TokenBucket;
use crate::chatarchitect::partners::PartnerId;
use crate::chatarchitect::random_string;
use crate::{lock, MessagingConfig};

/// The characters of an iframe token (base64url).
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Length of an iframe token: 43 characters, as many as 256 random bits take in base64url.
pub(crate) const TOKEN_LEN: usize = 43;

/// Whether `s` has the shape of an iframe token (it may still be unknown).
pub(crate) fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| TOKEN_ALPHABET.contains(&b))
}

/// One issued `iframe_url`.
#[derive(Debug)]
pub(crate) struct IframeToken {
    pub(crate) project_id: String,
    pub(crate) expires_at: DateTime<Utc>,
    force_expired: bool,
    /// The failure this page shows, until the user tries again.
    pub(crate) failure: Option<String>,
    /// The outcome JSON the page posts to its parent on its next load (each outcome once).
    pub(crate) pending_post: Option<Vec<u8>>,
}

impl IframeToken {
    pub(crate) fn is_live(&self, now: DateTime<Utc>) -> bool {
        !self.force_expired && now < self.expires_at
    }
}

/// What a token names at a given time.
#[derive(Debug)]
pub(crate) enum Lookup<'a> {
    Live(&'a mut IframeToken),
    Expired,
    Unknown,
}

/// A partner's rate bucket and armed failures.
#[derive(Debug)]
struct PartnerState {
    bucket: TokenBucket,
    forced: Forced,
}

/// Everything the simulator remembers.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) projects: HashMap<String, Project>,
    by_identifier: HashMap<(PartnerId, String), String>,
    pub(crate) tokens: HashMap<String, IframeToken>,
    partners: HashMap<PartnerId, PartnerState>,
    /// The last number handed out for `projects[].id` / `wabas[].id`.
    numbers: u64,
    deliveries: u64,
}

impl State {
    pub(crate) fn project(&mut self, id: &str) -> Option<&mut Project> {
        self.projects.get_mut(id)
    }

    /// `partner`'s project for `client_identifier`, created (pending) on first use with the
    /// identity derived under `partner_token`, the token `partner` authenticated with.
    ///
    /// `None` only if another client's derived `project_id` is the same 48 bits: the sandbox
    /// refuses rather than merge two clients.
    pub(crate) fn project_for(
        &mut self,
        partner: PartnerId,
        partner_token: &[u8],
        client_identifier: &str,
        settings: &MessagingConfig,
        now: DateTime<Utc>,
    ) -> Option<&mut Project> {
        let key = (partner, client_identifier.to_owned());
        let id = match self.by_identifier.get(&key) {
            Some(id) => id.clone(),
            None => {
                let identity = Identity::derive(partner_token, client_identifier);
                if self.projects.contains_key(&identity.project_id) {
                    tracing::warn!(project_id = %identity.project_id, "SendZen derived project id collides");
                    return None;
                }
                let number = self.next_number();
                let project = Project::new(partner, number, client_identifier, identity, settings, now);
                let id = project.id.clone();
                self.by_identifier.insert(key, id.clone());
                self.projects.insert(id.clone(), project);
                id
            }
        };
        self.projects.get_mut(&id)
    }

    /// The project of a verified derived key (see [`super::identity::verify_api_key`]).
    ///
    /// Held in memory: that project as it is. Not held (the sandbox restarted since the key was
    /// issued): rebuilt **completed** with its derived WABA and number, since only a completed
    /// onboarding's customer uses its key; its webhook stays unknown until the next onboarding
    /// call sets one. `None` as for [`State::project_for`].
    pub(crate) fn project_for_key(
        &mut self,
        partner: PartnerId,
        partner_token: &[u8],
        client_identifier: &str,
        settings: &MessagingConfig,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let held = self.by_identifier.contains_key(&(partner, client_identifier.to_owned()));
        let id = self.project_for(partner, partner_token, client_identifier, settings, now)?.id.clone();
        if !held {
            // A fresh project has no pages and no webhook: completing it announces nothing.
            let _ = self.complete(&id, now, Connect::default());
            tracing::info!(project_id = %id, "SendZen project rebuilt from its derived key");
        }
        Some(id)
    }

    /// `partner`'s projects, oldest first.
    pub(crate) fn partner_projects(&self, partner: PartnerId) -> Vec<&Project> {
        let mut mine: Vec<&Project> = self.projects.values().filter(|p| p.partner == partner).collect();
        mine.sort_by_key(|p| p.number);
        mine
    }

    /// The project whose WABA is `waba_id`.
    pub(crate) fn by_waba(&self, waba_id: &str) -> Option<&Project> {
        self.projects.values().find(|p| p.waba.as_ref().is_some_and(|w| w.waba_id == waba_id))
    }

    /// The project whose business number has id `phone_number_id`.
    pub(crate) fn by_phone_number_id(&self, phone_number_id: &str) -> Option<&Project> {
        self.projects.values().find(|p| p.waba.as_ref().is_some_and(|w| w.phone_number_id == phone_number_id))
    }

    /// Whether some project's business number is `number`.
    pub(crate) fn phone_in_use(&self, number: &str) -> bool {
        self.projects.values().any(|p| p.waba.as_ref().is_some_and(|w| w.phone_number == number))
    }

    /// A new number for `projects[].id` or `wabas[].id`.
    pub(crate) fn next_number(&mut self) -> u64 {
        self.numbers += 1;
        self.numbers
    }

    /// A new delivery record id.
    pub(crate) fn next_delivery(&mut self) -> u64 {
        self.deliveries += 1;
        self.deliveries
    }

    /// The Partner API's admission: an armed failure (500 or 429) first, then the rate bucket.
    pub(crate) fn admit_partner(&mut self, partner: PartnerId, rate: u32) -> Result<(), PartnerError> {
        let state = self
            .partners
            .entry(partner)
            .or_insert_with(|| PartnerState { bucket: TokenBucket::new(rate), forced: Forced::default() });
        match state.forced.take() {
            Some(429) => return Err(PartnerError::rate_limited(1)),
            Some(_) => return Err(PartnerError::server()),
            None => {}
        }
        state.bucket.take(rate).map_err(PartnerError::rate_limited)
    }

    /// Arms `partner`'s next Partner API calls to fail.
    pub(crate) fn arm_partner(&mut self, partner: PartnerId, forced: Forced, rate: u32) {
        self.partners
            .entry(partner)
            .or_insert_with(|| PartnerState { bucket: TokenBucket::new(rate), forced })
            .forced = forced;
    }

    /// Issues a fresh iframe token for `project_id`, valid for `ttl` from `now`.
    pub(crate) fn issue_token(&mut self, project_id: &str, now: DateTime<Utc>, ttl: chrono::Duration) -> String {
        let mut token = random_string(TOKEN_LEN, TOKEN_ALPHABET);
        while self.tokens.contains_key(&token) {
            token = random_string(TOKEN_LEN, TOKEN_ALPHABET);
        }
        let expires_at = now.checked_add_signed(ttl).unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.tokens.insert(
            token.clone(),
            IframeToken {
                project_id: project_id.to_owned(),
                expires_at,
                force_expired: false,
                failure: None,
                pending_post: None,
            },
        );
        token
    }

    /// What `token` names at `now`.
    pub(crate) fn token(&mut self, token: &str, now: DateTime<Utc>) -> Lookup<'_> {
        if !is_token(token) {
            return Lookup::Unknown;
        }
        match self.tokens.get_mut(token) {
            None => Lookup::Unknown,
            Some(t) if !t.is_live(now) => Lookup::Expired,
            Some(t) => Lookup::Live(t),
        }
    }

    /// Every live token of `project_id`.
    pub(crate) fn live_tokens<'a>(
        &'a mut self,
        project_id: &'a str,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a mut IframeToken> + 'a {
        self.tokens.values_mut().filter(move |t| t.project_id == project_id && t.is_live(now))
    }

    /// Ends every token of `project_id` now; returns how many were still live.
    pub(crate) fn expire_tokens(&mut self, project_id: &str, now: DateTime<Utc>) -> usize {
        let mut ended = 0;
        for t in self.live_tokens(project_id, now) {
            t.force_expired = true;
            ended += 1;
        }
        ended
    }
}

/// The simulator's state behind its lock.
#[derive(Debug, Default)]
pub(crate) struct Store {
    state: Mutex<State>,
}

impl Store {
    /// Runs `f` under the lock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sendzen::project::Onboarding;

    const ALPHA: &[u8] = b"alpha";
    const BETA: &[u8] = b"beta";

    fn state_with_project() -> (State, String) {
        let mut st = State::default();
        let id = st
            .project_for(PartnerId::for_tests(0), ALPHA, "c-1", &MessagingConfig::default(), Utc::now())
            .unwrap()
            .id
            .clone();
        (st, id)
    }

    #[test]
    fn one_project_per_partner_and_identifier() {
        let (mut st, id) = state_with_project();
        let now = Utc::now();
        let settings = MessagingConfig::default();
        let again = st.project_for(PartnerId::for_tests(0), ALPHA, "c-1", &settings, now).unwrap();
        assert_eq!(again.id, id);
        let other = st.project_for(PartnerId::for_tests(1), BETA, "c-1", &settings, now).unwrap().id.clone();
        assert_ne!(other, id, "another partner's customer is another project");
        assert_eq!(st.partner_projects(PartnerId::for_tests(1)).len(), 1);
    }

    #[test]
    fn a_key_rebuilds_a_missing_project_completed_and_leaves_a_held_one_alone() {
        let (mut st, pending) = state_with_project();
        let now = Utc::now();
        let settings = MessagingConfig::default();
        let p0 = PartnerId::for_tests(0);
        assert_eq!(st.project_for_key(p0, ALPHA, "c-1", &settings, now), Some(pending.clone()));
        assert_eq!(st.projects[&pending].onboarding, Onboarding::Pending);
        let id = st.project_for_key(p0, ALPHA, "c-2", &settings, now).unwrap();
        let (p, identity) = (&st.projects[&id], Identity::derive(ALPHA, "c-2"));
        assert_eq!(p.onboarding, Onboarding::Completed);
        let w = p.waba.as_ref().unwrap();
        assert_eq!((&w.waba_id, &w.phone_number_id), (&identity.waba_id, &identity.phone_number_id));
        assert_eq!(w.phone_number, identity.phone_number(0));
        assert!(p.webhook_url.is_none());
        // Onboarding again keeps the rebuilt project completed.
        let again = st.project_for(p0, ALPHA, "c-2", &settings, now).unwrap();
        assert_eq!(again.onboarding, Onboarding::Completed);
    }

    #[test]
    fn tokens_expire_by_time_or_on_demand() {
        let (mut st, id) = state_with_project();
        let now = Utc::now();
        let short = st.issue_token(&id, now, chrono::Duration::seconds(1));
        let long = st.issue_token(&id, now, chrono::Duration::hours(1));
        assert!(is_token(&short) && short != long);
        assert!(matches!(st.token(&short, now), Lookup::Live(_)));
        assert!(matches!(st.token(&short, now + chrono::Duration::seconds(1)), Lookup::Expired));
        assert!(matches!(st.token(&"A".repeat(TOKEN_LEN), now), Lookup::Unknown));
        assert_eq!(st.expire_tokens(&id, now), 2);
        assert!(matches!(st.token(&long, now), Lookup::Expired));
        assert!(!is_token("short") && !is_token(&"*".repeat(TOKEN_LEN)));
    }

    #[test]
    fn partner_admission_honours_armed_failures_then_the_rate() {
        let mut st = State::default();
        let p = PartnerId::for_tests(0);
        st.arm_partner(p, Forced::arm(500, 1), 2);
        assert_eq!(st.admit_partner(p, 2).unwrap_err().status.as_u16(), 500);
        assert!(st.admit_partner(p, 2).is_ok() && st.admit_partner(p, 2).is_ok());
        assert_eq!(st.admit_partner(p, 2).unwrap_err().status.as_u16(), 429);
    }
}
