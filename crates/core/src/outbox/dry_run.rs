//! The dry run: every recipient rendered and checked before anything is sent.
//!
//! [`evaluate`] is pure (template, mapping, contacts, rules in; report out) so a property test can
//! hold it to its promise: every count is exactly the rows behind it, and the audience minus the
//! exclusions is exactly `to_send + blocked + skipped`. Rules are applied first (opted out of a
//! MARKETING template, a duplicate of the last 24 hours): a skipped row is not rendered, so it
//! cannot also block the send.

use std::collections::{BTreeMap, HashSet};

use super::render::{render, Rendered, RowProblem};
use super::{DryRun, PreviewSample, ProblemCount, ProblemKind, ProblemRow, SampleReason, Severity, VariableMapping};
use crate::contacts::audience::AudienceContact;
use crate::templates::syntax::ParsedTemplate;

/// A recipient that passed every check: what will be frozen at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ready {
    pub contact_id: i64,
    pub phone: String,
    pub name: Option<String>,
    pub body: String,
    pub payload: String,
}

/// Everything the dry run looks at.
pub(crate) struct Inputs<'a> {
    pub campaign_id: &'a str,
    /// `None`: the template is not in the last sync (or cannot be sent).
    pub template: Option<&'a ParsedTemplate>,
    pub marketing: bool,
    pub mapping: &'a [VariableMapping],
    pub contacts: &'a [AudienceContact],
    pub excluded: &'a HashSet<i64>,
    /// Numbers that got this template from this account in the last 24 hours.
    pub recent: &'a HashSet<String>,
}

/// Gathers problem rows by kind.
#[derive(Default)]
struct Problems(BTreeMap<ProblemKind, Vec<ProblemRow>>);

impl Problems {
    fn add(&mut self, kind: ProblemKind, c: &AudienceContact, placeholder: Option<u32>, detail: String) {
        let row = ProblemRow { contact_id: c.id, phone: c.phone.clone(), name: c.name.clone(), placeholder, detail };
        self.0.entry(kind).or_default().push(row);
    }
}

/// Severity and description of each kind.
pub(crate) fn describe(kind: ProblemKind, marketing: bool) -> (Severity, &'static str) {
    match kind {
        ProblemKind::EmptyValue => (
            Severity::Error,
            "A value is empty: fill the contact's field, give the placeholder a fallback, or exclude the contact.",
        ),
        ProblemKind::LineBreak => (
            Severity::Error,
            "A value has a line break, which WhatsApp refuses in a variable: edit the contact or exclude it.",
        ),
        ProblemKind::ControlCharacter => {
            (Severity::Error, "A value has an invisible control character: edit the contact or exclude it.")
        }
        ProblemKind::ValueTooLong => {
            (Severity::Error, "A value is longer than WhatsApp takes for one variable (1,024 characters).")
        }
        ProblemKind::MessageTooLong => {
            (Severity::Error, "The message is longer than WhatsApp takes (4,096 characters).")
        }
        ProblemKind::InvalidNumber => {
            (Severity::Error, "The number is not a valid international number: edit the contact or exclude it.")
        }
        ProblemKind::TemplateMissing => (
            Severity::Error,
            "The template is not in the last sync (deleted or not approved): sync the templates or pick another.",
        ),
        ProblemKind::Unmapped => (Severity::Error, "A placeholder has no source: map it to a field or a text."),
        ProblemKind::Duplicate => (
            Severity::Skipped,
            "Already got this template from this account in the last 24 hours: left out, so nobody gets it twice.",
        ),
        ProblemKind::OptedOut if marketing => {
            (Severity::Skipped, "Opted out: a MARKETING template is never sent to them.")
        }
        ProblemKind::OptedOut => {
            (Severity::Warning, "Opted out of marketing; this template is not MARKETING, so they still get it.")
        }
        ProblemKind::FallbackUsed => (Severity::Warning, "The field is empty, so the fallback text stands in."),
    }
}

/// Renders and checks every recipient.
pub(crate) fn evaluate(i: &Inputs<'_>) -> (DryRun, Vec<Ready>) {
    let audience = i.contacts.len() as u64;
    let mut problems = Problems::default();
    let mut ready = Vec::new();
    let (mut excluded, mut blocked, mut skipped) = (0u64, 0u64, 0u64);
    let mut samples = Samples::default();

    let unmapped: Vec<u32> = i
        .template
        .map(|t| t.placeholders.iter().copied().filter(|n| !i.mapping.iter().any(|m| m.number == *n)).collect())
        .unwrap_or_default();
    let campaign_error = i.template.is_none() || !unmapped.is_empty();

    for c in i.contacts {
        if i.excluded.contains(&c.id) {
            excluded += 1;
            continue;
        }
        if c.opted_out {
            problems.add(ProblemKind::OptedOut, c, None, "opted out".into());
            if i.marketing {
                skipped += 1;
                continue;
            }
        }
        if i.recent.contains(&c.phone) {
            problems.add(ProblemKind::Duplicate, c, None, "got this template in the last 24 hours".into());
            skipped += 1;
            continue;
        }
        let mut has_error = false;
        if let Err(e) = crate::messaging::destination_digits(&c.phone) {
            problems.add(ProblemKind::InvalidNumber, c, None, e);
            has_error = true;
        }
        let Some(template) = i.template else {
            blocked += 1;
            continue;
        };
        let r = render(template, i.mapping, c);
        for RowProblem { kind, placeholder, detail } in &r.problems {
            problems.add(*kind, c, *placeholder, detail.clone());
            has_error |= describe(*kind, i.marketing).0 == Severity::Error;
        }
        samples.offer(c, &r, has_error);
        if has_error || campaign_error {
            blocked += 1;
        } else {
            ready.push(Ready {
                contact_id: c.id,
                phone: c.phone.clone(),
                name: c.name.clone(),
                body: r.body,
                payload: r.payload,
            });
        }
    }

    let mut counts: Vec<ProblemCount> = Vec::new();
    if i.template.is_none() {
        counts.push(campaign_problem(ProblemKind::TemplateMissing, i.marketing));
    }
    if !unmapped.is_empty() {
        let mut p = campaign_problem(ProblemKind::Unmapped, i.marketing);
        let list: Vec<String> = unmapped.iter().map(|n| format!("{{{{{n}}}}}")).collect();
        p.description = format!("{} has no source: map it to a field or a text.", list.join(", "));
        counts.push(p);
    }
    for (kind, rows) in problems.0 {
        let (severity, description) = describe(kind, i.marketing);
        counts.push(ProblemCount { kind, severity, count: rows.len() as u64, description: description.into(), rows });
    }
    counts.sort_by_key(|p| (p.severity, p.kind));
    let ok = !counts.iter().any(|p| p.severity == Severity::Error);
    let report = DryRun {
        campaign_id: i.campaign_id.to_owned(),
        audience,
        excluded,
        to_send: ready.len() as u64,
        blocked: if campaign_error { audience - excluded - skipped } else { blocked },
        skipped,
        problems: counts,
        samples: samples.finish(),
        ok,
    };
    (report, ready)
}

fn campaign_problem(kind: ProblemKind, marketing: bool) -> ProblemCount {
    let (severity, description) = describe(kind, marketing);
    ProblemCount { kind, severity, count: 0, description: description.into(), rows: Vec::new() }
}

/// The gallery: the longest message, one per placeholder with a fallback or a missing value,
/// one with non-Latin text, and one ordinary recipient.
#[derive(Default)]
struct Samples {
    longest: Option<PreviewSample>,
    fallback: BTreeMap<u32, PreviewSample>,
    missing: BTreeMap<u32, PreviewSample>,
    non_latin: Option<PreviewSample>,
    typical: Option<PreviewSample>,
}

const MAX_PER_KIND: usize = 5;

impl Samples {
    fn offer(&mut self, c: &AudienceContact, r: &Rendered, has_error: bool) {
        let sample = |reason, problem: Option<String>| PreviewSample {
            reason,
            contact_id: c.id,
            phone: c.phone.clone(),
            name: c.name.clone(),
            body: r.body.clone(),
            chars: r.body.chars().count() as u64,
            problem,
        };
        let chars = r.body.chars().count() as u64;
        if self.longest.as_ref().is_none_or(|l| chars > l.chars) {
            self.longest = Some(sample(SampleReason::Longest, r.problems.first().map(|p| p.detail.clone())));
        }
        for p in &r.problems {
            let n = p.placeholder.unwrap_or(0);
            let (map, reason) = match p.kind {
                ProblemKind::FallbackUsed => (&mut self.fallback, SampleReason::FallbackUsed),
                ProblemKind::EmptyValue => (&mut self.missing, SampleReason::MissingValue),
                _ => continue,
            };
            if map.len() < MAX_PER_KIND && !map.contains_key(&n) {
                map.insert(n, sample(reason, Some(p.detail.clone())));
            }
        }
        if r.non_latin && self.non_latin.is_none() {
            self.non_latin = Some(sample(SampleReason::NonLatin, None));
        }
        if !has_error && r.problems.is_empty() && self.typical.is_none() {
            self.typical = Some(sample(SampleReason::Typical, None));
        }
    }

    fn finish(self) -> Vec<PreviewSample> {
        let mut out: Vec<PreviewSample> = Vec::new();
        out.extend(self.missing.into_values());
        out.extend(self.longest);
        out.extend(self.fallback.into_values());
        out.extend(self.non_latin);
        out.extend(self.typical);
        out
    }
}

#[cfg(test)]
mod tests;
