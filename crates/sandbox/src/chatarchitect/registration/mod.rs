//! ChatArchitect's embedded registration: the session model and its state machine.
//!
//! A session is created by the Partner API ([`partner_api`]), walked through by the user in the
//! iframe pages ([`pages`]), completed by the simulated Meta Embedded Signup (or by the control
//! surface, [`control`]), and announced by the signed completion webhook ([`webhook`]).
//!
//! Statuses only move forward, `started → phone_code_sent → phone_verified → form_completed →
//! fb_started → completed`, with three documented ways back: "change number" (code page → phone
//! page) and a cancelled or failed Meta signup (`fb_started → form_completed`). `expired` is not
//! stored: a session reads as expired once its TTL has passed (or the control surface expired it),
//! and then nothing can advance it. A completed session never expires: its result stays readable.
//!
//! Every method here is pure state: no I/O, no locking. Callers hold [`Registrations`]' lock only
//! for the length of one call and never across an `.await`.

pub(crate) mod control;
pub(crate) mod pages;
pub(crate) mod partner_api;
mod store;
pub(crate) mod validate;
pub(crate) mod webhook;

use std::sync::Arc;

use axum::body::Bytes;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

pub(crate) use self::store::Registrations;
use super::partners::PartnerId;
use super::{random_string, DIGITS, LOWER_ALNUM};
pub(crate) use crate::chatarchitect::messaging::auth::app_secret;
use crate::Sandbox;
pub(crate) use pages::i18n::Lang;

/// The registration domain's routes: Partner API, pages, popup and control surface.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new().merge(partner_api::routes()).merge(pages::routes()).merge(control::routes())
}

/// A registration's status, as the Partner API's `result` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Created; the user has not entered a phone number yet.
    Started,
    /// A verification code was "sent" (the sandbox shows it on the page).
    PhoneCodeSent,
    /// The code matched.
    PhoneVerified,
    /// The business form was submitted.
    FormCompleted,
    /// The user clicked Connect WhatsApp; Meta Embedded Signup is open.
    FbStarted,
    /// Meta signup succeeded; credentials exist.
    Completed,
    /// The session's TTL passed before completion.
    Expired,
}

impl Status {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Started => "started",
            Status::PhoneCodeSent => "phone_code_sent",
            Status::PhoneVerified => "phone_verified",
            Status::FormCompleted => "form_completed",
            Status::FbStarted => "fb_started",
            Status::Completed => "completed",
            Status::Expired => "expired",
        }
    }
}

/// A status event the iframe posts to its parent once, on the first page shown after it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageEvent {
    PhoneVerified,
    FacebookStarted,
    Completed,
    Cancelled,
    Failed(String),
}

impl PageEvent {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            PageEvent::PhoneVerified => "phone_verified",
            PageEvent::FacebookStarted => "facebook_started",
            PageEvent::Completed => "completed",
            PageEvent::Cancelled => "cancelled",
            PageEvent::Failed(_) => "failed",
        }
    }
}

/// How the last Meta signup attempt ended, shown on the connect page until the next attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MetaNotice {
    Cancelled,
    Failed(String),
}

/// What the user typed wrong, shown once on the next page (post/redirect/get).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputProblem {
    Phone(validate::PhoneProblem),
    CodeFormat,
    CodeWrong,
    BusinessName,
    Email,
    Category,
}

/// An input problem plus what the user had typed, so the form comes back filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Flash {
    pub(crate) problem: Option<InputProblem>,
    pub(crate) phone: String,
    pub(crate) business_name: String,
    pub(crate) email: String,
    pub(crate) category: String,
}

/// Why a step did not advance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StepError {
    /// The session is not at the step this input belongs to (stale page, expired, completed).
    WrongState(Status),
    /// The input was refused; the page shows why.
    Invalid(InputProblem),
}

/// What `create_session` stored, returned unchanged where the seed says so.
#[derive(Debug, Clone)]
pub(crate) struct SessionRequest {
    pub(crate) parent_origin: String,
    pub(crate) webhook_url: String,
    pub(crate) partner_user_id: Option<String>,
    pub(crate) partner_state: Option<String>,
    pub(crate) integration: String,
}

/// The business form's answers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Business {
    pub(crate) business_name: String,
    pub(crate) email: String,
    pub(crate) category: String,
}

/// The credentials and the webhook body, fixed at completion.
#[derive(Debug, Clone)]
pub(crate) struct Completion {
    pub(crate) app_id: String,
    pub(crate) app_secret: String,
    pub(crate) phone: String,
    pub(crate) completed_at: DateTime<Utc>,
    /// The exact bytes every delivery attempt sends (and signs).
    pub(crate) webhook_body: Bytes,
}

/// One registration session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) partner: PartnerId,
    pub(crate) request: SessionRequest,
    pub(crate) lang: Lang,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    step: Status,
    force_expired: bool,
    pub(crate) phone: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) business: Option<Business>,
    pub(crate) meta_notice: Option<MetaNotice>,
    pub(crate) meta_attempts: u32,
    pub(crate) completion: Option<Completion>,
    pub(crate) delivery: webhook::DeliveryState,
    pending: Vec<PageEvent>,
    /// Whether the expired page has announced `failed` yet.
    expiry_announced: bool,
    pub(crate) flash: Option<Flash>,
    /// Bumped by every change a page must show; the pages poll it to know when to reload.
    pub(crate) version: u64,
}

/// Default `failed` message of the simulated Meta signup.
pub(crate) const META_FAILED: &str =
    "Meta Embedded Signup failed: the business account could not be verified (simulated)";
/// The `failed` message the expired page posts.
pub(crate) const EXPIRED_MESSAGE: &str = "The registration session has expired. Start a new registration.";

impl Session {
    pub(crate) fn new(
        partner: PartnerId,
        request: SessionRequest,
        lang: Lang,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Session {
        Session {
            id: random_string(validate::REGISTRATION_ID_LEN, LOWER_ALNUM),
            partner,
            request,
            lang,
            created_at: now,
            expires_at: expiry(now, ttl),
            step: Status::Started,
            force_expired: false,
            phone: None,
            code: None,
            business: None,
            meta_notice: None,
            meta_attempts: 0,
            completion: None,
            delivery: webhook::DeliveryState::default(),
            pending: Vec::new(),
            expiry_announced: false,
            flash: None,
            version: 0,
        }
    }

    /// The status at `now`.
    pub(crate) fn status(&self, now: DateTime<Utc>) -> Status {
        match self.step {
            Status::Completed => Status::Completed,
            _ if self.force_expired || now >= self.expires_at => Status::Expired,
            step => step,
        }
    }

    fn at(&self, now: DateTime<Utc>, expected: Status) -> Result<(), StepError> {
        match self.status(now) {
            s if s == expected => Ok(()),
            s => Err(StepError::WrongState(s)),
        }
    }

    fn moved(&mut self, to: Status) {
        self.step = to;
        self.version += 1;
    }

    /// Phone page: a valid number "sends" a fresh 6-digit code.
    pub(crate) fn submit_phone(&mut self, now: DateTime<Utc>, raw: &str) -> Result<(), StepError> {
        self.at(now, Status::Started)?;
        let phone = validate::phone(raw).map_err(|p| StepError::Invalid(InputProblem::Phone(p)))?;
        self.phone = Some(phone);
        self.code = Some(random_string(6, DIGITS));
        self.moved(Status::PhoneCodeSent);
        Ok(())
    }

    /// Code page: back to the phone page to enter another number.
    pub(crate) fn change_phone(&mut self, now: DateTime<Utc>) -> Result<(), StepError> {
        self.at(now, Status::PhoneCodeSent)?;
        self.code = None;
        self.moved(Status::Started);
        Ok(())
    }

    /// Code page: the shown code verifies the phone.
    pub(crate) fn verify_code(&mut self, now: DateTime<Utc>, raw: &str) -> Result<(), StepError> {
        self.at(now, Status::PhoneCodeSent)?;
        let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StepError::Invalid(InputProblem::CodeFormat));
        }
        if self.code.as_deref() != Some(code.as_str()) {
            return Err(StepError::Invalid(InputProblem::CodeWrong));
        }
        self.pending.push(PageEvent::PhoneVerified);
        self.moved(Status::PhoneVerified);
        Ok(())
    }

    /// Form page: business name, e-mail and category.
    pub(crate) fn submit_business(&mut self, now: DateTime<Utc>, business: Business) -> Result<(), StepError> {
        self.at(now, Status::PhoneVerified)?;
        let name_len = business.business_name.trim().chars().count();
        if !(2..=100).contains(&name_len) {
            return Err(StepError::Invalid(InputProblem::BusinessName));
        }
        if !validate::email(business.email.trim()) {
            return Err(StepError::Invalid(InputProblem::Email));
        }
        if !pages::i18n::CATEGORIES.contains(&business.category.as_str()) {
            return Err(StepError::Invalid(InputProblem::Category));
        }
        self.business = Some(Business {
            business_name: business.business_name.trim().to_owned(),
            email: business.email.trim().to_owned(),
            category: business.category,
        });
        self.moved(Status::FormCompleted);
        Ok(())
    }

    /// Connect WhatsApp: Meta Embedded Signup starts. Already started is fine (the popup and the
    /// page both report it; whichever comes first moves the status).
    pub(crate) fn start_meta(&mut self, now: DateTime<Utc>) -> Result<(), StepError> {
        if self.status(now) == Status::FbStarted {
            return Ok(());
        }
        self.at(now, Status::FormCompleted)?;
        self.meta_notice = None;
        self.meta_attempts += 1;
        self.pending.push(PageEvent::FacebookStarted);
        self.moved(Status::FbStarted);
        Ok(())
    }

    /// The user cancelled Meta signup: back to the connect page.
    pub(crate) fn cancel_meta(&mut self, now: DateTime<Utc>) -> Result<(), StepError> {
        self.at(now, Status::FbStarted)?;
        self.meta_notice = Some(MetaNotice::Cancelled);
        self.pending.push(PageEvent::Cancelled);
        self.moved(Status::FormCompleted);
        Ok(())
    }

    /// Meta signup failed with `message`: back to the connect page, which offers a retry.
    /// The control surface may fail it from the connect page too.
    pub(crate) fn fail_meta(&mut self, now: DateTime<Utc>, message: &str) -> Result<(), StepError> {
        if self.status(now) != Status::FormCompleted {
            self.at(now, Status::FbStarted)?;
        }
        self.meta_notice = Some(MetaNotice::Failed(message.to_owned()));
        self.pending.push(PageEvent::Failed(message.to_owned()));
        self.moved(Status::FormCompleted);
        Ok(())
    }

    /// Meta signup succeeded. `secret_key` is the partner token that created the session (see
    /// [`Session::complete`]).
    pub(crate) fn connect_meta(&mut self, now: DateTime<Utc>, secret_key: &[u8]) -> Result<(), StepError> {
        self.at(now, Status::FbStarted)?;
        self.complete(now, None, secret_key)
    }

    /// Completes the registration: credentials, the webhook body, the `completed` event. From any
    /// state but expired and completed (the control surface skips the UI). `phone` overrides the
    /// verified number; with neither, a fictitious +1 555 number is used.
    ///
    /// `app_secret` is not random but derived from `app_id` under `secret_key`, the partner token
    /// that created the session ([`app_secret`]): the messaging API recognises the pair without
    /// any stored state, so credentials survive a restart of the sandbox.
    pub(crate) fn complete(
        &mut self,
        now: DateTime<Utc>,
        phone: Option<String>,
        secret_key: &[u8],
    ) -> Result<(), StepError> {
        if let s @ (Status::Expired | Status::Completed) = self.status(now) {
            return Err(StepError::WrongState(s));
        }
        let phone = phone.or_else(|| self.phone.clone()).unwrap_or_else(|| format!("1555{}", random_string(7, DIGITS)));
        let app_id = format!("ca_app_{}", random_string(16, LOWER_ALNUM));
        let mut completion = Completion {
            app_secret: app_secret(secret_key, &app_id),
            app_id,
            phone,
            completed_at: now,
            webhook_body: Bytes::new(),
        };
        completion.webhook_body = webhook::payload(self, &completion);
        self.phone = Some(completion.phone.clone());
        self.completion = Some(completion);
        self.meta_notice = None;
        self.pending.push(PageEvent::Completed);
        self.moved(Status::Completed);
        Ok(())
    }

    /// Ends the session now (control surface). A completed session cannot expire.
    pub(crate) fn expire(&mut self, now: DateTime<Utc>) -> Result<(), StepError> {
        match self.status(now) {
            Status::Completed => Err(StepError::WrongState(Status::Completed)),
            Status::Expired => Ok(()),
            _ => {
                self.force_expired = true;
                self.version += 1;
                Ok(())
            }
        }
    }

    /// The events the next page posts, each once.
    pub(crate) fn take_events(&mut self, now: DateTime<Utc>) -> Vec<PageEvent> {
        if self.status(now) == Status::Expired {
            self.pending.clear();
            if !std::mem::replace(&mut self.expiry_announced, true) {
                return vec![PageEvent::Failed(EXPIRED_MESSAGE.to_owned())];
            }
        }
        std::mem::take(&mut self.pending)
    }

    /// The version pages compare against; expiry by TTL counts as a change.
    pub(crate) fn page_version(&self, now: DateTime<Utc>) -> u64 {
        self.version + u64::from(self.status(now) == Status::Expired && !self.force_expired)
    }
}

/// RFC 3339 with seconds and `+00:00`, as the seed writes `expires_at` and `completed_at`.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `now + ttl`, saturating at the last second of year 9999: a TTL that large means "never
/// expires", and a later date has no RFC 3339 form to answer with.
fn expiry(now: DateTime<Utc>, ttl: chrono::Duration) -> DateTime<Utc> {
    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    now.checked_add_signed(ttl).map_or(last, |t| t.min(last))
}

#[cfg(test)]
mod tests;
