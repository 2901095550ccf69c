//! Bulk sends as the hosts use them: create a draft, dry-run it, fix it, start it, send it, and
//! act on what came back (retry the failed, resolve the uncertain).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::campaigns::{Draft, Frozen};
use super::dry_run::{evaluate, Inputs, Ready};
use super::lock::CampaignLock;
use super::render::values;
use super::sender::{self, Progress};
use super::{
    CampaignEdit, CampaignReport, CampaignState, CampaignView, DryRun, NewCampaign, RecipientFilter, RecipientPage,
    UncertainAction, VariableMapping, VariableSource,
};
use crate::contacts::Audience;
use crate::error::{Error, Result};
use crate::messaging::history::{csv_error, export_to_new_file};
use crate::messaging::{supports_messaging, MessageView, Messaging, SendTemplate, VariableValue};
use crate::store::{now_ms, Store};

/// The rate a campaign gets when none is set: WhatsApp's usual throughput per number.
pub const DEFAULT_RATE_PER_SECOND: f64 = 80.0;
/// The highest rate a campaign can be given.
pub const MAX_RATE_PER_SECOND: f64 = 1000.0;

/// Bulk sends over one unlocked store.
#[derive(Debug, Clone)]
pub struct Outbox {
    store: Arc<Store>,
    messaging: Arc<Messaging>,
}

impl Outbox {
    /// Bulk sends through `messaging` (its store).
    pub fn new(messaging: Arc<Messaging>) -> Outbox {
        Outbox { store: messaging.store().clone(), messaging }
    }

    /// Writes a draft campaign.
    pub fn create(&self, c: &NewCampaign) -> Result<CampaignView> {
        let account = self.store.account(&c.account_id)?;
        if !supports_messaging(account.provider) {
            return Err(Error::Field("account_id".into(), format!("{} cannot send yet", account.provider.label())));
        }
        let template_id = c.template_id.trim();
        let template = self.store.template(&c.account_id, template_id)?;
        let mapping = match &c.mapping {
            Some(m) => m.clone(),
            None => self.store.template_mapping(&c.account_id, template_id)?,
        };
        check_mapping(&mapping, &template.view.placeholders)?;
        check_audience(&c.audience)?;
        let rate = check_rate(c.rate_per_second.unwrap_or(DEFAULT_RATE_PER_SECOND))?;
        let scheduled_at = c.scheduled_at.map(check_schedule).transpose()?;
        let name = match c.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > 120 => {
                return Err(Error::Field("name".into(), "at most 120 characters".into()))
            }
            Some(n) => n.to_owned(),
            None => default_name(&template.view.body),
        };
        let id = self.store.insert_campaign(&Draft {
            account_id: &c.account_id,
            name: &name,
            template_id,
            audience: &c.audience,
            mapping: &mapping,
            rate_per_second: rate,
            scheduled_at,
        })?;
        self.store.campaign(&id)
    }

    /// Changes a draft.
    pub fn update(&self, id: &str, edit: &CampaignEdit) -> Result<CampaignView> {
        let current = self.store.campaign(id)?;
        if let Some(m) = &edit.mapping {
            let template = self.store.template(&current.account_id, &current.template_id)?;
            check_mapping(m, &template.view.placeholders)?;
        }
        if let Some(a) = &edit.audience {
            check_audience(a)?;
        }
        let mut edit = edit.clone();
        if let Some(r) = edit.rate_per_second {
            edit.rate_per_second = Some(check_rate(r)?);
        }
        if let Some(Some(at)) = edit.scheduled_at {
            check_schedule(at)?;
        }
        self.store.edit_campaign(id, &edit)?;
        self.store.campaign(id)
    }

    /// Renders every recipient of draft `id` and reports what would go out.
    pub fn dry_run(&self, id: &str) -> Result<DryRun> {
        Ok(self.evaluate(id)?.0)
    }

    fn evaluate(&self, id: &str) -> Result<(DryRun, Vec<Ready>, String, String)> {
        let c = self.store.campaign(id)?;
        let template = self.store.template(&c.account_id, &c.template_id).ok();
        let parsed = template.as_ref().and_then(|t| t.parsed.clone());
        let category = template.as_ref().map(|t| t.view.category.clone()).unwrap_or_default();
        let raw = template.as_ref().map(|t| t.view.raw.clone()).unwrap_or_default();
        let contacts = self.store.audience_contacts(&c.audience)?;
        let excluded = self.store.exclusions(id)?;
        let recent = self.store.recent_destinations(&c.account_id, &c.template_id)?;
        let (report, ready) = evaluate(&Inputs {
            campaign_id: id,
            template: parsed.as_ref(),
            marketing: category.eq_ignore_ascii_case("MARKETING"),
            mapping: &c.mapping,
            contacts: &contacts,
            excluded: &excluded,
            recent: &recent,
        });
        Ok((report, ready, raw, category))
    }

    /// Excludes contacts from draft `id` (or takes them back) and runs the dry run again.
    pub fn exclude(&self, id: &str, contact_ids: &[i64], excluded: bool) -> Result<DryRun> {
        self.store.exclude_contacts(id, contact_ids, excluded)?;
        self.dry_run(id)
    }

    /// Sends campaign `id`'s message, rendered for `contact_id` (or its first recipient), to `to`.
    pub async fn send_test(&self, id: &str, to: &str, contact_id: Option<i64>) -> Result<MessageView> {
        let c = self.store.campaign(id)?;
        let contact = match contact_id {
            Some(cid) => self.store.audience_contacts_by_id(&[cid])?.into_iter().next(),
            None => self.store.audience_contacts(&c.audience)?.into_iter().next(),
        }
        .ok_or_else(|| Error::Field("contact_id".into(), "no contact to render the test message with".into()))?;
        let template = self.store.template(&c.account_id, &c.template_id)?;
        let values = values(&template.view.placeholders, &c.mapping, &contact)
            .into_iter()
            .map(|(number, value)| VariableValue { number, value })
            .collect();
        let input = SendTemplate { account_id: c.account_id, to: to.to_owned(), template_id: c.template_id, values };
        self.messaging.send_template(input).await
    }

    /// Starts draft `id`: checks the dry run once more, then writes every recipient's message in
    /// one transaction. `expected_count` is the count the admin confirmed; if the audience
    /// changed since, nothing starts. The campaign is then `running` (or `scheduled`); [`Outbox::run`] sends it.
    pub fn start(&self, id: &str, expected_count: Option<u64>) -> Result<CampaignView> {
        let c = self.store.campaign(id)?;
        if c.state != CampaignState::Draft {
            return Err(Error::InvalidInput(format!("campaign {id} is {}, not a draft", c.state.as_str())));
        }
        let (report, ready, raw, category) = self.evaluate(id)?;
        if !report.ok {
            let errors: u64 = report.blocked;
            return Err(Error::Field(
                "dry_run".into(),
                format!("{errors} recipients have problems that block the send; fix or exclude them (see the dry run)"),
            ));
        }
        if let Some(expected) = expected_count.filter(|e| *e != report.to_send) {
            return Err(Error::Field(
                "expected_count".into(),
                format!(
                    "the audience changed: {} messages would go out now, not {expected}; check again",
                    report.to_send
                ),
            ));
        }
        if ready.is_empty() {
            return Err(Error::Field(
                "audience".into(),
                "nobody to send to: the audience is empty or everyone is left out".into(),
            ));
        }
        let frozen: Vec<Frozen<'_>> = ready
            .iter()
            .map(|r| Frozen {
                contact_id: r.contact_id,
                phone: &r.phone,
                name: r.name.as_deref(),
                body: &r.body,
                payload: &r.payload,
            })
            .collect();
        let later = c.scheduled_at.is_some_and(|at| at > now_ms());
        let to = if later { CampaignState::Scheduled } else { CampaignState::Running };
        self.store.freeze_campaign(id, &frozen, (&raw, &category), to)?;
        self.store.campaign(id)
    }

    /// Sends campaign `id` in this process until it is done, paused or cancelled (a scheduled one
    /// waits for its time first). `Error::Busy` when another process sends it.
    pub async fn run(&self, id: &str, progress: Progress<'_>) -> Result<CampaignView> {
        sender::run(&self.store, &self.messaging, id, progress).await
    }

    /// Pauses a running or scheduled campaign (its sender stops within a second).
    pub fn pause(&self, id: &str) -> Result<CampaignView> {
        self.transition(id, &[CampaignState::Running, CampaignState::Scheduled], CampaignState::Paused, "paused")
    }

    /// Marks a paused campaign running again (or scheduled again, if it was paused before its
    /// start time); [`Outbox::run`] sends it.
    pub fn resume(&self, id: &str) -> Result<CampaignView> {
        let c = self.store.campaign(id)?;
        if matches!(c.state, CampaignState::Running | CampaignState::Scheduled) {
            return Ok(c);
        }
        let not_yet = c.started_at.is_none() && c.scheduled_at.is_some_and(|at| at > now_ms());
        let to = if not_yet { CampaignState::Scheduled } else { CampaignState::Running };
        self.transition(id, &[CampaignState::Paused], to, "resumed")
    }

    /// Cancels a campaign: recipients not yet sent to will not be.
    pub fn cancel(&self, id: &str) -> Result<CampaignView> {
        let from = [CampaignState::Draft, CampaignState::Scheduled, CampaignState::Running, CampaignState::Paused];
        self.transition(id, &from, CampaignState::Cancelled, "cancelled")
    }

    fn transition(&self, id: &str, from: &[CampaignState], to: CampaignState, verb: &str) -> Result<CampaignView> {
        if !self.store.move_campaign(id, from, to)? {
            let c = self.store.campaign(id)?;
            return Err(Error::InvalidInput(format!("campaign {id} is {}: it cannot be {verb}", c.state.as_str())));
        }
        self.store.campaign(id)
    }

    /// Queues the recipients whose latest attempt failed (all, or those with `failure_code`) for
    /// a new attempt; returns the campaign (running again) and how many were queued.
    pub fn retry_failed(&self, id: &str, failure_code: Option<i64>) -> Result<(CampaignView, u64)> {
        let c = self.store.campaign(id)?;
        if matches!(c.state, CampaignState::Draft | CampaignState::Cancelled) {
            return Err(Error::InvalidInput(format!("campaign {id} is {}: nothing to retry", c.state.as_str())));
        }
        let n = self.store.queue_failed_again(id, failure_code)?;
        if n > 0 {
            self.store.move_campaign(id, &[CampaignState::Done], CampaignState::Running)?;
        }
        Ok((self.store.campaign(id)?, n))
    }

    /// Resends (as new attempts) or drops uncertain recipients (`positions`, or all of them).
    pub fn resolve_uncertain(
        &self,
        id: &str,
        positions: Option<&[i64]>,
        action: UncertainAction,
    ) -> Result<(CampaignView, u64)> {
        let resend = action == UncertainAction::Resend;
        let n = self.store.resolve_uncertain(id, positions, resend)?;
        if resend && n > 0 {
            self.store.move_campaign(id, &[CampaignState::Done], CampaignState::Running)?;
        }
        Ok((self.store.campaign(id)?, n))
    }

    /// Campaigns, newest first.
    pub fn list(&self, account_id: Option<&str>) -> Result<Vec<CampaignView>> {
        self.store.campaigns(account_id)
    }

    /// One campaign.
    pub fn get(&self, id: &str) -> Result<CampaignView> {
        self.store.campaign(id)
    }

    /// The funnel over time and the failure reasons.
    pub fn report(&self, id: &str) -> Result<CampaignReport> {
        self.store.campaign_state(id)?; // it exists (without computing its funnel)
        Ok(CampaignReport { timeline: self.store.campaign_timeline(id)?, failures: self.store.campaign_failures(id)? })
    }

    /// One page of recipients.
    pub fn recipients(&self, id: &str, filter: &RecipientFilter) -> Result<RecipientPage> {
        self.store.campaign_state(id)?; // it exists (without computing its funnel)
        self.store.campaign_recipients(id, filter)
    }

    /// Exports every recipient to a new CSV file in `dir`; returns its path and row count.
    pub fn export_csv_to_dir(&self, id: &str, dir: &Path) -> Result<(PathBuf, u64)> {
        self.store.campaign_state(id)?; // it exists (without computing its funnel)
        export_to_new_file(dir, "wadesk-campaign", |out| self.store.export_campaign_csv(id, out))
    }

    /// How many contacts `audience` selects.
    pub fn audience_count(&self, audience: &Audience) -> Result<u64> {
        check_audience(audience)?;
        self.store.audience_count(audience)
    }

    /// The mapping saved for a template.
    pub fn template_mapping(&self, account_id: &str, template_id: &str) -> Result<Vec<VariableMapping>> {
        self.store.template_mapping(account_id, template_id)
    }

    /// Writes a sample contacts CSV for a template to `dir`: the columns its mapping reads, and
    /// two example rows; returns its path.
    pub fn sample_csv_to_dir(&self, account_id: &str, template_id: &str, dir: &Path) -> Result<PathBuf> {
        let template = self.store.template(account_id, template_id)?;
        let mapping = self.store.template_mapping(account_id, template_id)?;
        let mut columns: Vec<String> = vec!["phone".into(), "first_name".into(), "name".into()];
        for n in &template.view.placeholders {
            let column = match mapping.iter().find(|m| m.number == *n).map(|m| &m.source) {
                Some(VariableSource::Field { field } | VariableSource::FieldOr { field, .. }) => field.clone(),
                Some(VariableSource::Constant { .. }) => continue,
                None => format!("var_{n}"),
            };
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
        columns.push("tags".into());
        let example = |phone: &str, first: &str, name: &str| -> Vec<String> {
            columns
                .iter()
                .map(|c| match c.as_str() {
                    "phone" => phone.to_owned(),
                    "first_name" => first.to_owned(),
                    "name" => name.to_owned(),
                    "tags" => "customers".to_owned(),
                    other => format!("<{other}>"),
                })
                .collect()
        };
        let rows = [
            columns.clone(),
            example("4915112345678", "Anna", "Anna Schmidt"),
            example("5511987654321", "João", "João Silva"),
        ];
        let (path, _) = export_to_new_file(dir, "wadesk-sample", |out| {
            let mut w = csv::Writer::from_writer(out);
            for row in &rows {
                w.write_record(row).map_err(csv_error)?;
            }
            w.flush()?;
            Ok(rows.len() as u64 - 1)
        })?;
        Ok(path)
    }

    /// Campaigns this process could send now: running ones nobody sends (a process died or quit)
    /// and scheduled ones. The app's background sender picks them up.
    pub fn unattended(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .campaign_ids_in(&[CampaignState::Running, CampaignState::Scheduled])?
            .into_iter()
            .filter(|id| !CampaignLock::is_held(self.store.path(), id))
            .collect())
    }
}

/// A name for a campaign nobody named: the start of its template's text ("Hi {{1}}, enjoy {{2}}…").
fn default_name(body: &str) -> String {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("Campaign");
    let mut name: String = line.chars().take(40).collect();
    if line.chars().count() > 40 {
        name.push('…');
    }
    name
}

fn check_rate(rate: f64) -> Result<f64> {
    if !(rate.is_finite() && (0.1..=MAX_RATE_PER_SECOND).contains(&rate)) {
        return Err(Error::Field(
            "rate_per_second".into(),
            format!("between 0.1 and {MAX_RATE_PER_SECOND} messages per second"),
        ));
    }
    Ok(rate)
}

fn check_schedule(at: i64) -> Result<i64> {
    if at < now_ms() - 60_000 {
        return Err(Error::Field("scheduled_at".into(), "the start time is in the past".into()));
    }
    if at > now_ms() + 366 * 24 * 3600 * 1000 {
        return Err(Error::Field("scheduled_at".into(), "at most a year ahead".into()));
    }
    Ok(at)
}

fn check_audience(a: &Audience) -> Result<()> {
    a.validate()
}

/// Field names a mapping may read.
fn check_field(n: u32, field: &str) -> Result<()> {
    if crate::contacts::rules::is_field_name(field) {
        Ok(())
    } else {
        Err(Error::Field(format!("mapping.{n}"), format!("{field:?} is not a contact field name")))
    }
}

fn check_mapping(mapping: &[VariableMapping], placeholders: &[u32]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for m in mapping {
        let n = m.number;
        if !placeholders.contains(&n) {
            return Err(Error::Field(format!("mapping.{n}"), format!("the template has no placeholder {{{{{n}}}}}")));
        }
        if !seen.insert(n) {
            return Err(Error::Field(format!("mapping.{n}"), format!("{{{{{n}}}}} is mapped twice")));
        }
        let single_line = |t: &str| !t.chars().any(char::is_control);
        match &m.source {
            VariableSource::Field { field } => check_field(n, field)?,
            VariableSource::Constant { text } if text.trim().is_empty() || !single_line(text) => {
                return Err(Error::Field(format!("mapping.{n}"), "write the text: one line, not empty".into()))
            }
            VariableSource::Constant { .. } => {}
            VariableSource::FieldOr { field, fallback } => {
                check_field(n, field)?;
                if fallback.trim().is_empty() || !single_line(fallback) {
                    return Err(Error::Field(format!("mapping.{n}"), "write the fallback: one line, not empty".into()));
                }
            }
        }
    }
    Ok(())
}
