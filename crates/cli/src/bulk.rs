//! `wadesk bulk …`: bulk sends from the command line (and from cron), on the same outbox as the app.
//!
//! `start`, `resume` and `retry-failed` send in the foreground with a progress bar until the
//! campaign is done, paused or cancelled. Ctrl-C pauses it (the calls in flight are answered and
//! written first); `wadesk bulk resume ID` goes on where it stopped. Exit status: 0 every
//! recipient accepted; 10 some were refused or failed; 12 some are uncertain (never resent: see
//! `bulk status`); 14 paused or cancelled before the end; 13 another process is sending it;
//! `resume` of a finished campaign only reports it, with the same codes, so a script can resume
//! until it exits 0;
//! 2 the dry run has errors (`dry-run`, `start`).

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use wadesk_core::contacts::Audience;
use wadesk_core::error::ProviderFailure;
use wadesk_core::messaging::MessageStatus;
use wadesk_core::outbox::{
    CampaignState, CampaignView, DryRun, NewCampaign, Outbox, RecipientFilter, Severity, UncertainAction,
    VariableMapping, VariableSource,
};
use wadesk_core::{Error, Install, Result, Store};

use crate::args::BulkCommand;
use crate::commands::Output;
use crate::messaging::{block_on, Session};

pub fn run(install: &Install, store: Store, cmd: BulkCommand, out: Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        let outbox = Outbox::new(s.messaging.clone());
        let result = command(&s, &outbox, cmd, &out).await;
        s.relay.stop();
        result
    })
}

async fn command(s: &Session, outbox: &Outbox, cmd: BulkCommand, out: &Output) -> Result<()> {
    match cmd {
        BulkCommand::Create { account, template, audience, map, rate, at, name } => {
            let account_id = s.account(&account)?;
            let mapping = if map.is_empty() { None } else { Some(parse_maps(&map)?) };
            let campaign = NewCampaign {
                account_id,
                name,
                template_id: template,
                audience: Audience::parse(&audience)?,
                mapping,
                rate_per_second: rate,
                scheduled_at: at.as_deref().map(parse_time).transpose()?,
            };
            let view = outbox.create(&campaign)?;
            out.print(&view, |w| {
                writeln!(w, "Created campaign {} (draft). Next: wadesk bulk dry-run {}", view.id, view.id)
            })
        }
        BulkCommand::DryRun { id, rows } => {
            let report = outbox.dry_run(&id)?;
            out.print(&report, |w| print_dry_run(w, &report, rows))?;
            if report.ok {
                Ok(())
            } else {
                Err(Error::Field(
                    "dry_run".into(),
                    format!("{} recipients have errors that block the send", report.blocked),
                ))
            }
        }
        BulkCommand::Start { id, expect } => {
            let started = outbox.start(&id, expect)?;
            if !out.json {
                eprintln!(
                    "Started {}: {} messages at {}/s.",
                    started.id, started.funnel.total, started.rate_per_second
                );
            }
            send_foreground(outbox, &id, out).await
        }
        BulkCommand::Resume { id } => {
            // A script resumes until done: resuming a finished campaign reports it, by the same exit codes.
            let c = outbox.get(&id)?;
            if c.state == CampaignState::Done {
                print_campaign(out, &c)?;
                return outcome(&c);
            }
            outbox.resume(&id)?;
            send_foreground(outbox, &id, out).await
        }
        BulkCommand::RetryFailed { id, code } => {
            let (_, n) = outbox.retry_failed(&id, code)?;
            if !out.json {
                eprintln!("{n} failed recipients queued for a new attempt.");
            }
            send_foreground(outbox, &id, out).await
        }
        BulkCommand::Pause { id } => print_campaign(out, &outbox.pause(&id)?),
        BulkCommand::Cancel { id } => print_campaign(out, &outbox.cancel(&id)?),
        BulkCommand::Status { id } => status(outbox, &id, out),
        BulkCommand::List { account } => {
            let account_id = match &account.account {
                Some(_) => Some(s.account(&account)?),
                None => None,
            };
            let list = outbox.list(account_id.as_deref())?;
            out.print(&list, |w| {
                for c in &list {
                    writeln!(w, "{}  {:<9} {:>6} recipients  {}", c.id, c.state.as_str(), c.funnel.total, c.name)?;
                }
                Ok(())
            })
        }
        BulkCommand::Resolve { id, resend, position, .. } => {
            let action = if resend { UncertainAction::Resend } else { UncertainAction::Drop };
            let positions = if position.is_empty() { None } else { Some(position.as_slice()) };
            let (view, n) = outbox.resolve_uncertain(&id, positions, action)?;
            if !out.json {
                eprintln!("{n} uncertain recipients {}.", if resend { "queued for a new attempt" } else { "dropped" });
            }
            if resend && n > 0 {
                return send_foreground(outbox, &id, out).await;
            }
            print_campaign(out, &view)
        }
        BulkCommand::Export { id, out: path } => {
            let (written, n) = match path {
                Some(p) => {
                    let file = std::fs::File::create(&p)?;
                    let n = s.store.export_campaign_csv(&id, std::io::BufWriter::new(file))?;
                    (p, n)
                }
                None => outbox.export_csv_to_dir(&id, &wadesk_core::messaging::history::export_dir())?,
            };
            let shown = serde_json::json!({ "path": written.display().to_string(), "rows": n });
            out.print(&shown, |w| writeln!(w, "Wrote {n} recipients to {}", written.display()))
        }
    }
}

/// Sends campaign `id` here until it stops; Ctrl-C pauses it.
async fn send_foreground(outbox: &Outbox, id: &str, out: &Output) -> Result<()> {
    let bar = progress_bar(out);
    let on_progress = {
        let bar = bar.clone();
        move |c: &CampaignView| {
            if let Some(bar) = &bar {
                let done = c.funnel.total - c.funnel.queued - c.funnel.sending;
                bar.set_length(c.funnel.total);
                bar.set_position(done);
                let eta = c.eta_seconds.map(|s| format!(" · ETA {s} s")).unwrap_or_default();
                let wait = c.waiting.as_deref().map(|w| format!(" · {w}")).unwrap_or_default();
                bar.set_message(format!("{} failed · {} uncertain{eta}{wait}", c.funnel.failed, c.funnel.uncertain));
            }
        }
    };
    let pauser = outbox.clone();
    let pause_id = id.to_owned();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nPausing: waiting for the calls in flight…");
            let _ = pauser.pause(&pause_id);
        }
    });
    let result = outbox.run(id, &on_progress).await;
    ctrl_c.abort();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let view = result?;
    print_campaign(out, &view)?;
    outcome(&view)
}

fn progress_bar(out: &Output) -> Option<Arc<indicatif::ProgressBar>> {
    if out.json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{bar:40.green/white} {pos}/{len} sent · {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(Arc::new(bar))
}

/// The exit status of a send run (see the module header).
fn outcome(c: &CampaignView) -> Result<()> {
    match c.state {
        CampaignState::Paused => Err(Error::Stopped(format!("campaign {} is paused; go on with `wadesk bulk resume {}`", c.id, c.id))),
        CampaignState::Cancelled => Err(Error::Stopped(format!("campaign {} was cancelled", c.id))),
        _ if c.funnel.uncertain > 0 => Err(Error::Provider(
            ProviderFailure::Unavailable,
            format!(
                "{} recipients are uncertain (the provider did not answer); they were not resent. See `wadesk bulk status {}`",
                c.funnel.uncertain, c.id
            ),
        )),
        _ if c.funnel.failed > 0 => Err(Error::Provider(
            ProviderFailure::Rejected,
            format!("{} recipients were refused or failed; `wadesk bulk retry-failed {}` sends them again", c.funnel.failed, c.id),
        )),
        _ => Ok(()),
    }
}

fn status(outbox: &Outbox, id: &str, out: &Output) -> Result<()> {
    let campaign = outbox.get(id)?;
    let filter =
        RecipientFilter { statuses: Some(vec![MessageStatus::Uncertain]), limit: Some(500), ..Default::default() };
    let uncertain = outbox.recipients(id, &filter)?;
    let report = outbox.report(id)?;
    let shown = serde_json::json!({ "campaign": campaign, "uncertain": uncertain, "failures": report.failures });
    out.print(&shown, |w| {
        write_campaign(w, &campaign)?;
        for f in &report.failures {
            writeln!(w, "  failed ×{}: {} — {}", f.count, f.failure.reason, f.failure.explanation)?;
        }
        if uncertain.total > 0 {
            writeln!(w, "Uncertain (not resent; `wadesk bulk resolve {id} --resend|--drop [--position P]`):")?;
            for r in &uncertain.recipients {
                writeln!(
                    w,
                    "  #{} {}  {}",
                    r.position,
                    r.phone,
                    r.failure.as_ref().map(|f| f.reason.as_str()).unwrap_or("")
                )?;
            }
        }
        Ok(())
    })
}

fn print_campaign(out: &Output, c: &CampaignView) -> Result<()> {
    out.print(c, |w| write_campaign(w, c))
}

fn write_campaign(w: &mut dyn Write, c: &CampaignView) -> std::io::Result<()> {
    let f = &c.funnel;
    writeln!(w, "campaign:  {} ({})", c.id, c.name)?;
    writeln!(w, "state:     {}", c.state.as_str())?;
    writeln!(
        w,
        "recipients: {} · queued {} · submitted {} · sent {} · delivered {} · read {} · failed {} · uncertain {} · dropped {}",
        f.total, f.queued, f.submitted, f.sent, f.delivered, f.read, f.failed, f.uncertain, f.dropped
    )?;
    if let Some(w2) = &c.waiting {
        writeln!(w, "waiting:   {w2}")?;
    }
    Ok(())
}

fn print_dry_run(w: &mut dyn Write, d: &DryRun, rows: usize) -> std::io::Result<()> {
    writeln!(
        w,
        "audience {} · excluded {} · to send {} · blocked {} · skipped {}",
        d.audience, d.excluded, d.to_send, d.blocked, d.skipped
    )?;
    for p in &d.problems {
        let label = match p.severity {
            Severity::Error => "ERROR",
            Severity::Skipped => "skipped",
            Severity::Warning => "warning",
        };
        writeln!(w, "{label:<8} {:?} ×{}: {}", p.kind, p.count, p.description)?;
        for r in p.rows.iter().take(rows) {
            writeln!(w, "         contact {} {}  {}", r.contact_id, r.phone, r.detail)?;
        }
        if p.rows.len() > rows {
            writeln!(w, "         … {} more (--rows N, or --json for all)", p.rows.len() - rows)?;
        }
    }
    if let Some(s) = d.samples.first() {
        writeln!(w, "preview ({:?}, {}):\n{}", s.reason, s.phone, s.body)?;
    }
    writeln!(w, "{}", if d.ok { "OK: ready to start." } else { "Blocked: fix or exclude the rows with errors." })
}

/// `N=FIELD`, `N='TEXT'` or `N=FIELD|'TEXT'` (a field with a fallback).
fn parse_maps(maps: &[String]) -> Result<Vec<VariableMapping>> {
    maps.iter().map(|m| parse_map(m)).collect()
}

fn parse_map(m: &str) -> Result<VariableMapping> {
    let bad = |why: &str| Error::Field("map".into(), format!("{m:?}: {why} (N=FIELD, N='TEXT' or N=FIELD|'TEXT')"));
    let (n, source) = m.split_once('=').ok_or_else(|| bad("missing '='"))?;
    let number: u32 = n.trim().parse().map_err(|_| bad("the placeholder number is not a number"))?;
    let quoted = |t: &str| -> Option<String> {
        let t = t.trim();
        (t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'')).then(|| t[1..t.len() - 1].to_owned())
    };
    let source = if let Some(text) = quoted(source) {
        VariableSource::Constant { text }
    } else if let Some((field, fallback)) = source.split_once('|') {
        let fallback = quoted(fallback).ok_or_else(|| bad("the fallback must be in single quotes"))?;
        VariableSource::FieldOr { field: field.trim().to_owned(), fallback }
    } else {
        VariableSource::Field { field: source.trim().to_owned() }
    };
    Ok(VariableMapping { number, source })
}

/// RFC 3339 (`2026-12-24T09:00:00+01:00`) or `+N` with a unit (`+30m`, `+2h`, `+1d`).
fn parse_time(s: &str) -> Result<i64> {
    let bad =
        || Error::Field("at".into(), format!("{s:?}: use RFC 3339 (2026-12-24T09:00:00+01:00) or +30m, +2h, +1d"));
    if let Some(rel) = s.strip_prefix('+') {
        let (n, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = n.parse().map_err(|_| bad())?;
        let ms = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        return n.checked_mul(ms).and_then(|d| wadesk_core::store::now_ms().checked_add(d)).ok_or_else(bad);
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| bad())?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_parse_fields_texts_and_fallbacks() {
        let m = parse_maps(&["1=first_name".into(), "2='Summer sale'".into(), "3=city|'your town'".into()]).unwrap();
        assert_eq!(m[0].source, VariableSource::Field { field: "first_name".into() });
        assert_eq!(m[1].source, VariableSource::Constant { text: "Summer sale".into() });
        assert_eq!(m[2].source, VariableSource::FieldOr { field: "city".into(), fallback: "your town".into() });
        assert!(parse_map("x=name").is_err());
        assert!(parse_map("1=city|town").is_err());
    }

    #[test]
    fn times_parse_absolute_and_relative() {
        assert_eq!(parse_time("2026-12-24T09:00:00+01:00").unwrap(), 1_798_099_200_000);
        let in_an_hour = parse_time("+1h").unwrap() - wadesk_core::store::now_ms();
        assert!((3_599_000..=3_600_000).contains(&in_an_hour));
        assert!(parse_time("tomorrow").is_err());
        assert!(parse_time("+99999999999999d").is_err());
    }
}
