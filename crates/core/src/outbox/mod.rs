//! Bulk sends: the dry run that renders every recipient, the durable outbox, the paced sender,
//! crash-resume without sending anyone twice, retries of the failed, and the delivery funnel.
//!
//! Starting a campaign writes every recipient's rendered message, with its idempotency key, in one
//! transaction. A recipient's message row is written (pending) before its provider call; a process
//! that dies mid-call leaves it `sending`, and whoever resumes the campaign marks it `uncertain`
//! for the admin to resend or drop: it is never resent on its own. Only one process sends a
//! campaign at a time (a lock file the OS releases when the process dies).

mod campaigns;
mod dry_run;
mod funnel;
mod lock;
mod pacer;
mod queue;
mod render;
mod sender;
mod service;
mod types;

pub use sender::Progress;
pub use service::{Outbox, DEFAULT_RATE_PER_SECOND, MAX_RATE_PER_SECOND};

pub use types::{
    CampaignEdit, CampaignReport, CampaignState, CampaignView, DryRun, FailureCount, Funnel, FunnelPoint, NewCampaign,
    PreviewSample, ProblemCount, ProblemKind, ProblemRow, RecipientFilter, RecipientPage, RecipientView, SampleReason,
    Severity, UncertainAction, VariableMapping, VariableSource,
};
