//! What the hosts see of bulk sends: the campaign, its dry run, its recipients and its funnel.
//!
//! These are the IPC and `--json` contract (generated into `ui/src/bindings/`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::contacts::Audience;
use crate::messaging::{Failure, MessageStatus};

/// Where the value of one `{{n}}` comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum VariableSource {
    /// A contact field: `phone`, `name`, `first_name` or a custom field's name.
    Field {
        /// The field's name.
        field: String,
    },
    /// The same text for everyone.
    Constant {
        /// The text.
        text: String,
    },
    /// A contact field, or `fallback` where the contact has no value for it.
    FieldOr {
        /// The field's name.
        field: String,
        /// The text used where the field is empty.
        fallback: String,
    },
}

/// The source of one placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VariableMapping {
    /// The placeholder's number (`{{1}}` → 1).
    pub number: u32,
    /// Where its value comes from.
    pub source: VariableSource,
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    /// Being prepared: audience, mapping and dry run can change; nothing is frozen yet.
    Draft,
    /// Frozen and waiting for its start time.
    Scheduled,
    /// Sending (in this process or another).
    Running,
    /// Stopped by the admin; resumes where it stopped.
    Paused,
    /// Stopped for good; recipients not yet sent to will not be.
    Cancelled,
    /// Every recipient was sent to, refused, dropped or is uncertain.
    Done,
}

impl CampaignState {
    /// The stable spelling (store, CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Draft => "draft",
            CampaignState::Scheduled => "scheduled",
            CampaignState::Running => "running",
            CampaignState::Paused => "paused",
            CampaignState::Cancelled => "cancelled",
            CampaignState::Done => "done",
        }
    }

    /// Parses [`CampaignState::as_str`].
    pub fn parse(s: &str) -> Option<CampaignState> {
        [
            CampaignState::Draft,
            CampaignState::Scheduled,
            CampaignState::Running,
            CampaignState::Paused,
            CampaignState::Cancelled,
            CampaignState::Done,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A new campaign (a draft until it is started).
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct NewCampaign {
    /// The account that sends.
    pub account_id: String,
    /// Shown in lists; default: the template's id and the date.
    #[ts(optional)]
    pub name: Option<String>,
    /// An approved template of that account, from the last sync.
    pub template_id: String,
    /// Who it goes to.
    pub audience: Audience,
    /// One source per placeholder; default: the mapping saved for the template.
    #[ts(optional)]
    pub mapping: Option<Vec<VariableMapping>>,
    /// Messages per second; default: the provider's (ChatArchitect 80, WhatsApp's usual
    /// per-number throughput).
    #[ts(optional)]
    pub rate_per_second: Option<f64>,
    /// Start no earlier than this (ms since the epoch).
    #[ts(optional, type = "number")]
    pub scheduled_at: Option<i64>,
}

/// A change to a draft; `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
pub struct CampaignEdit {
    /// New name.
    #[ts(optional)]
    pub name: Option<String>,
    /// New audience.
    #[ts(optional)]
    pub audience: Option<Audience>,
    /// New mapping (saved for the template too).
    #[ts(optional)]
    pub mapping: Option<Vec<VariableMapping>>,
    /// New rate.
    #[ts(optional)]
    pub rate_per_second: Option<f64>,
    /// New start time; `Some(None)` (JSON `null`) clears it.
    #[ts(optional, type = "number | null")]
    pub scheduled_at: Option<Option<i64>>,
}

/// Recipients by where their latest attempt stands. `queued`, `sending`, `uncertain` and
/// `dropped` count each recipient once; `submitted` ⊇ `sent` ⊇ `delivered` ⊇ `read` are cumulative
/// ("got at least this far"), so the funnel narrows; `failed` holds the provider's failures (which
/// were submitted first) and its refusals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct Funnel {
    /// Every recipient.
    #[ts(type = "number")]
    pub total: u64,
    /// Not sent to yet.
    #[ts(type = "number")]
    pub queued: u64,
    /// A call is in flight.
    #[ts(type = "number")]
    pub sending: u64,
    /// Accepted by the provider (those sent, delivered and read included).
    #[ts(type = "number")]
    pub submitted: u64,
    /// Handed to WhatsApp (those delivered and read included).
    #[ts(type = "number")]
    pub sent: u64,
    /// Reached the phone (those read included).
    #[ts(type = "number")]
    pub delivered: u64,
    /// Opened.
    #[ts(type = "number")]
    pub read: u64,
    /// The provider reported a failure, or refused the send.
    #[ts(type = "number")]
    pub failed: u64,
    /// The call's fate is unknown; waiting for the admin to resend or drop.
    #[ts(type = "number")]
    pub uncertain: u64,
    /// Dropped by the admin, or not sent because the campaign was cancelled.
    #[ts(type = "number")]
    pub dropped: u64,
}

/// A campaign and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CampaignView {
    /// Its id.
    pub id: String,
    /// The sending account.
    pub account_id: String,
    /// Its name.
    pub name: String,
    /// The template.
    pub template_id: String,
    /// Who it goes to (frozen at start).
    pub audience: Audience,
    /// The placeholders' sources.
    pub mapping: Vec<VariableMapping>,
    /// Messages per second.
    pub rate_per_second: f64,
    /// Start time, when scheduled.
    #[ts(type = "number | null")]
    pub scheduled_at: Option<i64>,
    /// Where it stands.
    pub state: CampaignState,
    /// When it was created (ms).
    #[ts(type = "number")]
    pub created_at: i64,
    /// When sending started (ms).
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    /// When it ended (ms).
    #[ts(type = "number | null")]
    pub finished_at: Option<i64>,
    /// Recipients by where they stand.
    pub funnel: Funnel,
    /// Seconds until every queued recipient is sent at the configured rate (running or paused).
    #[ts(type = "number | null")]
    pub eta_seconds: Option<u64>,
    /// Why the sender is waiting, when it is (e.g. "the provider asked to slow down; resuming in 4 s").
    pub waiting: Option<String>,
    /// Calls the provider answered with 429 (too fast); each was sent again after its `Retry-After`.
    #[ts(type = "number")]
    pub rate_limited: u64,
}

/// How bad a dry-run problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks the send until it is fixed or the row excluded.
    Error,
    /// The row is left out of the send, as the rules require (opted out of marketing, duplicate).
    Skipped,
    /// Sent as it is; worth a look.
    Warning,
}

/// What is wrong with a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A placeholder's value is empty (field without value, no fallback).
    EmptyValue,
    /// A value contains a line break.
    LineBreak,
    /// A value contains another control character.
    ControlCharacter,
    /// A value is longer than WhatsApp takes for one variable.
    ValueTooLong,
    /// The whole message is longer than WhatsApp takes.
    MessageTooLong,
    /// The contact's number is not a valid international number.
    InvalidNumber,
    /// This number already got this template from this account in the last 24 hours.
    Duplicate,
    /// The contact opted out (a MARKETING template is never sent to them).
    OptedOut,
    /// The template is not in the last sync (deleted, or never synced): nobody can be sent to.
    TemplateMissing,
    /// A placeholder has no source in the mapping: nobody can be sent to.
    Unmapped,
    /// A fallback text was used because the field was empty.
    FallbackUsed,
}

/// One recipient behind a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProblemRow {
    /// The contact (fix it in place, or exclude it).
    #[ts(type = "number")]
    pub contact_id: i64,
    /// Its number as stored.
    pub phone: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// The placeholder at fault, when one is.
    pub placeholder: Option<u32>,
    /// What is wrong, for a person.
    pub detail: String,
}

/// One kind of problem, how many recipients have it, and which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProblemCount {
    /// The kind.
    pub kind: ProblemKind,
    /// What it does to the send.
    pub severity: Severity,
    /// `rows.len()`.
    #[ts(type = "number")]
    pub count: u64,
    /// One sentence on the problem and how to fix it.
    pub description: String,
    /// Every recipient that has it (empty for a campaign-wide problem).
    pub rows: Vec<ProblemRow>,
}

/// Why a preview was picked for the gallery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SampleReason {
    /// The longest message of the send.
    Longest,
    /// A fallback text stands in for an empty field.
    FallbackUsed,
    /// A value is missing: this message cannot be sent as it is.
    MissingValue,
    /// The message holds non-Latin text (check it renders as meant).
    NonLatin,
    /// An ordinary recipient.
    Typical,
}

/// One rendered message in the preview gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewSample {
    /// Why it is shown.
    pub reason: SampleReason,
    /// The contact.
    #[ts(type = "number")]
    pub contact_id: i64,
    /// Its number.
    pub phone: String,
    /// Its name.
    pub name: Option<String>,
    /// The message as the customer reads it; for a row with an error, placeholders without a value
    /// are left as `{{n}}`.
    pub body: String,
    /// Characters in `body`.
    #[ts(type = "number")]
    pub chars: u64,
    /// The problem, when it has one.
    pub problem: Option<String>,
}

/// Every recipient rendered, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DryRun {
    /// The campaign.
    pub campaign_id: String,
    /// Contacts the audience selects (exclusions not counted).
    #[ts(type = "number")]
    pub audience: u64,
    /// Contacts the admin excluded.
    #[ts(type = "number")]
    pub excluded: u64,
    /// Messages that would go out now: exactly the count the confirm step shows.
    #[ts(type = "number")]
    pub to_send: u64,
    /// Recipients with at least one error.
    #[ts(type = "number")]
    pub blocked: u64,
    /// Recipients left out by the rules.
    #[ts(type = "number")]
    pub skipped: u64,
    /// Problems, errors first.
    pub problems: Vec<ProblemCount>,
    /// The preview gallery, worst cases first.
    pub samples: Vec<PreviewSample>,
    /// No errors: the send can start.
    pub ok: bool,
}

/// One recipient of a started campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RecipientView {
    /// Its place in the send order.
    #[ts(type = "number")]
    pub position: u64,
    /// The contact, if it still exists.
    #[ts(type = "number | null")]
    pub contact_id: Option<i64>,
    /// The number sent to.
    pub phone: String,
    /// The contact's name at start.
    pub name: Option<String>,
    /// What the customer reads.
    pub body: String,
    /// `queued`, `sending`, `done`, `uncertain`, `dropped` or `cancelled`.
    pub state: String,
    /// The latest attempt's message status (`None` before the first call).
    pub status: Option<MessageStatus>,
    /// The latest attempt's message.
    pub message_id: Option<String>,
    /// 1 for the first attempt; a retry of a failed one is 2, and so on.
    #[ts(type = "number")]
    pub attempt: u32,
    /// The failure, when the latest attempt failed or is uncertain.
    pub failure: Option<Failure>,
    /// Last change (ms).
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// Which recipients a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
pub struct RecipientFilter {
    /// Only these message statuses (`uncertain` also selects recipients waiting for a decision).
    #[ts(optional)]
    pub statuses: Option<Vec<MessageStatus>>,
    /// Only this failure code.
    #[ts(optional, type = "number")]
    pub failure_code: Option<i64>,
    /// Offset into the list.
    #[ts(optional, type = "number")]
    pub offset: Option<u32>,
    /// At most 500; default 200.
    #[ts(optional, type = "number")]
    pub limit: Option<u32>,
}

/// One page of recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RecipientPage {
    /// The page.
    pub recipients: Vec<RecipientView>,
    /// How many match in all.
    #[ts(type = "number")]
    pub total: u64,
}

/// The funnel at one moment (cumulative counts), for the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FunnelPoint {
    /// The moment (ms).
    #[ts(type = "number")]
    pub at: i64,
    /// Accepted so far.
    #[ts(type = "number")]
    pub submitted: u64,
    /// Handed to WhatsApp so far.
    #[ts(type = "number")]
    pub sent: u64,
    /// Delivered so far.
    #[ts(type = "number")]
    pub delivered: u64,
    /// Read so far.
    #[ts(type = "number")]
    pub read: u64,
    /// Failed so far.
    #[ts(type = "number")]
    pub failed: u64,
}

/// One failure reason of a campaign and how many recipients it hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FailureCount {
    /// The failure and its explanation.
    pub failure: Failure,
    /// Recipients whose latest attempt failed this way.
    #[ts(type = "number")]
    pub count: u64,
}

/// The funnel of a campaign over time, and why messages failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CampaignReport {
    /// Cumulative counts at most 200 moments from the start to now.
    pub timeline: Vec<FunnelPoint>,
    /// Failure reasons, most frequent first.
    pub failures: Vec<FailureCount>,
}

/// What to do with uncertain recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UncertainAction {
    /// Send again as a new attempt (the customer may get it twice).
    Resend,
    /// Leave them out.
    Drop,
}
