//! How an onboarding ends (seed 001 "Step 3: Handle Onboarding Response"): the success and failure
//! JSON, the WABA a success connects, and which iframe pages must announce it.
//!
//! The same bytes go to the parent window (`postMessage`, from every live iframe page of the
//! project, once each) and to the project's webhook. A completed project stays completed: later
//! attempts are refused, and an iframe URL issued after completion announces the completion on
//! its first load, so every page tells its parent an outcome. A failure is not final: the page
//! offers another attempt (`button#sz-retry`).
//!
//! The WABA's ids and default business number are the project's derived ones
//! ([`super::identity`]), so a project rebuilt after a restart connects the same account.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::identity::Identity;
use super::project::{Onboarding, Project, Waba};
use super::store::State;

/// The failure message of the cancel button: the seed's example, word for word.
pub const MESSAGE_CANCELLED: &str = "User cancelled the authentication process.";
/// The failure message of the fail button (the sandbox's wording).
pub const MESSAGE_FAILED: &str =
    "WhatsApp Business Account setup failed: the phone number could not be registered (simulated).";

/// The seed's success response, fields in its order.
#[derive(Serialize)]
struct Completed<'a> {
    status: &'static str,
    project_id: &'a str,
    client_identifier: &'a str,
    waba_id: &'a str,
    phone_number_id: &'a str,
}

/// The seed's failure response, fields in its order.
#[derive(Serialize)]
struct Failed<'a> {
    status: &'static str,
    project_id: &'a str,
    client_identifier: &'a str,
    message: &'a str,
}

/// An outcome to announce: `completed` or `failed`, and its JSON.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) event: &'static str,
    pub(crate) body: Vec<u8>,
}

/// What a completion may override (control surface); the page picks neither.
#[derive(Debug, Default, Clone)]
pub(crate) struct Connect {
    /// International digits without `+`; default the project's derived `1555…` number. An
    /// override is not derived, so a rebuild after a restart falls back to the default.
    pub(crate) phone_number: Option<String>,
    /// Default: the project's name.
    pub(crate) business_name: Option<String>,
}

/// Why an outcome was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    UnknownProject,
    AlreadyCompleted,
    PhoneInUse,
}

/// The success JSON of a completed project (`None` before completion).
pub(crate) fn completed_body(p: &Project) -> Option<Vec<u8>> {
    let w = p.waba.as_ref()?;
    let body = Completed {
        status: "completed",
        project_id: &p.id,
        client_identifier: &p.client_identifier,
        waba_id: &w.waba_id,
        phone_number_id: &w.phone_number_id,
    };
    serde_json::to_vec(&body).ok()
}

fn failed_body(p: &Project, message: &str) -> Vec<u8> {
    let body = Failed { status: "failed", project_id: &p.id, client_identifier: &p.client_identifier, message };
    // Serialising plain strings cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

impl State {
    /// Connects a WABA to `project_id` and queues the success announcement on its live pages.
    pub(crate) fn complete(
        &mut self,
        project_id: &str,
        now: DateTime<Utc>,
        connect: Connect,
    ) -> Result<Outcome, Refused> {
        let identity = match self.projects.get(project_id) {
            None => return Err(Refused::UnknownProject),
            Some(p) if p.onboarding == Onboarding::Completed => return Err(Refused::AlreadyCompleted),
            Some(p) => p.identity.clone(),
        };
        let phone_number = match connect.phone_number {
            Some(n) if self.phone_in_use(&n) => return Err(Refused::PhoneInUse),
            Some(n) => n,
            None => self.fresh_phone_number(&identity),
        };
        let number = self.next_number();
        let p = self.project(project_id).ok_or(Refused::UnknownProject)?;
        p.waba = Some(Waba {
            number,
            waba_id: identity.waba_id,
            phone_number_id: identity.phone_number_id,
            phone_number,
            business_name: connect.business_name.unwrap_or_else(|| p.name.clone()),
            connected_at: now,
        });
        p.onboarding = Onboarding::Completed;
        p.version += 1;
        let body = completed_body(p).unwrap_or_default();
        self.announce(project_id, now, &body, None);
        Ok(Outcome { event: "completed", body })
    }

    /// Records a failed attempt with `message` and queues the failure announcement.
    pub(crate) fn fail(&mut self, project_id: &str, now: DateTime<Utc>, message: &str) -> Result<Outcome, Refused> {
        let p = self.project(project_id).ok_or(Refused::UnknownProject)?;
        if p.onboarding == Onboarding::Completed {
            return Err(Refused::AlreadyCompleted);
        }
        p.onboarding = Onboarding::Failed(message.to_owned());
        p.version += 1;
        let body = failed_body(p, message);
        self.announce(project_id, now, &body, Some(message));
        Ok(Outcome { event: "failed", body })
    }

    /// The project's derived `1555…` number, or the next free one after it if another project
    /// holds it (the probe ends: there are fewer projects than numbers).
    fn fresh_phone_number(&self, identity: &Identity) -> String {
        (0..)
            .map(|attempt| identity.phone_number(attempt))
            .find(|n| !self.phone_in_use(n))
            .unwrap_or_else(|| unreachable!("an unbounded probe finds a free number"))
    }

    /// Every live page of the project shows the outcome and posts `body` on its next load.
    fn announce(&mut self, project_id: &str, now: DateTime<Utc>, body: &[u8], failure: Option<&str>) {
        for t in self.live_tokens(project_id, now) {
            t.failure = failure.map(str::to_owned);
            t.pending_post = Some(body.to_vec());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chatarchitect::partners::PartnerId;
    use crate::MessagingConfig;

    fn keys(body: &[u8]) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn outcomes_have_the_seeds_fields_and_completion_is_final() {
        let mut st = State::default();
        let now = Utc::now();
        let id =
            st.project_for(PartnerId::for_tests(0), b"t", "c-1", &MessagingConfig::default(), now).unwrap().id.clone();
        let page = st.issue_token(&id, now, chrono::Duration::hours(1));
        let failed = st.fail(&id, now, MESSAGE_CANCELLED).unwrap();
        let mut expected = ["client_identifier", "message", "project_id", "status"];
        expected.sort_unstable();
        assert_eq!(keys(&failed.body), expected);
        assert_eq!(st.tokens[&page].failure.as_deref(), Some(MESSAGE_CANCELLED));
        let done = st.complete(&id, now, Connect::default()).unwrap();
        let mut expected = ["client_identifier", "phone_number_id", "project_id", "status", "waba_id"];
        expected.sort_unstable();
        assert_eq!(keys(&done.body), expected);
        assert_eq!(st.tokens[&page].pending_post.as_deref(), Some(done.body.as_slice()));
        assert_eq!(st.complete(&id, now, Connect::default()).unwrap_err(), Refused::AlreadyCompleted);
        assert_eq!(st.fail(&id, now, "x").unwrap_err(), Refused::AlreadyCompleted);
        let phone = st.projects[&id].waba.as_ref().unwrap().phone_number.clone();
        assert!(phone.starts_with("1555") && phone.len() == 11, "{phone}");
    }

    #[test]
    fn a_business_number_belongs_to_one_project() {
        let mut st = State::default();
        let now = Utc::now();
        let settings = MessagingConfig::default();
        let a = st.project_for(PartnerId::for_tests(0), b"t", "a", &settings, now).unwrap().id.clone();
        let b = st.project_for(PartnerId::for_tests(0), b"t", "b", &settings, now).unwrap().id.clone();
        let taken = Connect { phone_number: Some("15557654321".into()), business_name: None };
        st.complete(&a, now, taken.clone()).unwrap();
        assert_eq!(st.complete(&b, now, taken).unwrap_err(), Refused::PhoneInUse);
    }

    #[test]
    fn completion_connects_the_derived_waba_and_probes_past_a_taken_number() {
        let mut st = State::default();
        let now = Utc::now();
        let settings = MessagingConfig::default();
        let b_identity = Identity::derive(b"t", "b");
        let a = st.project_for(PartnerId::for_tests(0), b"t", "a", &settings, now).unwrap().id.clone();
        let b = st.project_for(PartnerId::for_tests(0), b"t", "b", &settings, now).unwrap().id.clone();
        let squat = Connect { phone_number: Some(b_identity.phone_number(0)), business_name: None };
        st.complete(&a, now, squat).unwrap();
        st.complete(&b, now, Connect::default()).unwrap();
        let w = st.projects[&b].waba.clone().unwrap();
        assert_eq!((w.waba_id, w.phone_number_id), (b_identity.waba_id.clone(), b_identity.phone_number_id.clone()));
        assert_eq!(w.phone_number, b_identity.phone_number(1));
    }
}
