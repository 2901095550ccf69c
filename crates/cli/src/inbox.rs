//! `wadesk inbox list|show|reply|search`: conversations from the command line, on the same core
//! and the same window rule as the app (a free-text reply outside the 24-hour window exits 15 and
//! stores nothing).
//!
//! Like the messaging commands, each streams the relay while it runs, so messages waiting there
//! are in the store before anything is read.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use wadesk_core::conversations::{
    ConversationQuery, ConversationView, Conversations, Direction, InboundContent, ReplyTemplate, ReplyText,
    SearchQuery, TextSpan, TimelineItem, TimelinePage,
};
use wadesk_core::messaging::history::utc;
use wadesk_core::messaging::VariableValue;
use wadesk_core::{Error, Install, Result, Store};

use crate::args::{AccountArg, InboxCommand};
use crate::commands::Output;
use crate::messaging::{block_on, outcome_of, parse_vars, print_message, wait_final, Session};

/// `inbox show --json`: the conversation and its newest messages.
#[derive(Serialize)]
struct Shown {
    conversation: ConversationView,
    timeline: TimelinePage,
}

pub fn run(install: &Install, store: Store, cmd: InboxCommand, out: Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        let result = match cmd {
            InboxCommand::List { unread, window_open, tag, offset, limit, account } => {
                let query = ConversationQuery {
                    account_id: Some(s.account(&account)?),
                    unread: Some(unread),
                    window_open: Some(window_open),
                    tag,
                    offset: Some(offset),
                    limit: Some(limit),
                };
                list(&s, &query, &out)
            }
            InboxCommand::Show { number, limit, mark_read, account } => {
                show(&s, &account, &number, limit, mark_read, &out)
            }
            InboxCommand::Reply { number, text, template, vars, wait, account } => {
                let reply = match (text, template) {
                    (Some(text), _) => Reply::Text(text),
                    (None, Some(template_id)) => Reply::Template(template_id, parse_vars(&vars)?),
                    (None, None) => return Err(Error::InvalidInput("give --text or --template".into())),
                };
                let account_id = s.account(&account)?;
                self::reply(&s, &account_id, &number, reply, wait, &out).await
            }
            InboxCommand::Search { query, limit, account } => {
                let q = SearchQuery { account_id: Some(s.account(&account)?), text: query, limit: Some(limit) };
                search(&s, &q, &out)
            }
        };
        s.relay.stop();
        result
    })
}

/// What `inbox reply` sends.
enum Reply {
    Text(String),
    Template(String, Vec<VariableValue>),
}

fn list(s: &Session, query: &ConversationQuery, out: &Output) -> Result<()> {
    let page = s.store.conversations(query)?;
    out.print(&page, |w| {
        for c in &page.rows {
            print_row(w, c)?;
        }
        writeln!(w, "{} of {} conversation(s); {} unread message(s)", page.rows.len(), page.total, page.unread_total)
    })
}

fn show(s: &Session, account: &AccountArg, number: &str, limit: u32, mark_read: bool, out: &Output) -> Result<()> {
    let c = existing(s, account, number)?;
    let total = s.store.timeline(c.id, 0, 1)?.total;
    let timeline = s.store.timeline(c.id, total.saturating_sub(limit), limit)?;
    let conversation = if mark_read { s.store.mark_conversation_read(c.id)? } else { c };
    let shown = Shown { conversation, timeline };
    out.print(&shown, |w| print_conversation(w, &shown))
}

/// Replies in the conversation with `number` (started if new: a template may open it). Free text
/// is refused by core outside the window (exit 15).
async fn reply(
    s: &Session,
    account_id: &str,
    number: &str,
    reply: Reply,
    wait: Option<u64>,
    out: &Output,
) -> Result<()> {
    let inbox = Conversations::new(s.messaging.clone());
    let c = inbox.open_number(account_id, number)?;
    let view = match reply {
        Reply::Text(text) => inbox.reply_text(&ReplyText { conversation_id: c.id, text }).await?,
        Reply::Template(template_id, values) => {
            inbox.reply_template(&ReplyTemplate { conversation_id: c.id, template_id, values }).await?
        }
    };
    let view = match wait {
        Some(secs) => wait_final(s, &view.id, Duration::from_secs(secs)).await?,
        None => view,
    };
    out.print(&view, |w| print_message(w, &view))?;
    outcome_of(&view)
}

fn search(s: &Session, q: &SearchQuery, out: &Output) -> Result<()> {
    let r = s.store.search(q)?;
    out.print(&r, |w| {
        for h in &r.conversations {
            writeln!(w, "conversation  +{}  {}", spans(&h.customer), spans(&h.name))?;
        }
        for h in &r.contacts {
            writeln!(w, "contact       +{}  {}", spans(&h.phone), spans(&h.name))?;
        }
        for h in &r.messages {
            let who = if h.direction == Direction::Inbound { "from" } else { "to" };
            writeln!(w, "{}  {who} +{}  {}", utc(h.at), h.customer, spans(&h.snippet))?;
        }
        let more = if r.more_messages { " (more matched; raise --limit)" } else { "" };
        writeln!(w, "{} message(s){more}", r.messages.len())?;
        if let Some(n) = r.messages_searched_recent {
            writeln!(w, "searched the newest {n} messages only: type three or more characters to search them all")?;
        }
        Ok(())
    })
}

/// The conversation with `number`, which must exist (show does not start one).
fn existing(s: &Session, account: &AccountArg, number: &str) -> Result<ConversationView> {
    let account_id = s.account(account)?;
    let customer = Conversations::new(s.messaging.clone()).customer_of(number)?;
    s.store
        .conversation_with(&account_id, &customer)?
        .ok_or_else(|| Error::NotFound(format!("a conversation with +{customer}")))
}

/// Matches in [brackets] (a terminal has no highlight we can count on).
fn spans(s: &[TextSpan]) -> String {
    s.iter().map(|t| if t.hit { format!("[{}]", t.text) } else { t.text.clone() }).collect()
}

fn print_row(w: &mut dyn Write, c: &ConversationView) -> std::io::Result<()> {
    let window = if c.window.open { "open  " } else { "closed" };
    let unread = if c.unread > 0 { format!("{:>3} unread", c.unread) } else { " ".repeat(10) };
    let you = if c.last_direction == Some(Direction::Outbound) { "you: " } else { "" };
    writeln!(
        w,
        "{}  +{:<15} {:<20} {unread}  window {window}  {you}{}",
        utc(c.last_at),
        c.customer,
        c.name,
        c.last_preview
    )
}

fn print_conversation(w: &mut dyn Write, s: &Shown) -> std::io::Result<()> {
    let c = &s.conversation;
    writeln!(w, "+{}  {}", c.customer, c.name)?;
    match (c.window.open, c.window.closes_at) {
        (true, Some(at)) => writeln!(w, "window open until {} (free text allowed)", utc(at))?,
        (false, Some(at)) => writeln!(w, "window closed at {} (templates only)", utc(at))?,
        _ => writeln!(w, "window closed: the customer has not written (templates only)")?,
    }
    let shown = s.timeline.items.len() as u32;
    if shown < s.timeline.total {
        writeln!(w, "… {} older message(s)", s.timeline.total - shown)?;
    }
    for item in &s.timeline.items {
        print_item(w, item)?;
    }
    Ok(())
}

fn print_item(w: &mut dyn Write, item: &TimelineItem) -> std::io::Result<()> {
    if let Some(m) = &item.outbound {
        let reason = m.failure.as_ref().map(|f| format!("  ({})", f.reason)).unwrap_or_default();
        return writeln!(w, "{}  you   [{}] {}{reason}", utc(item.at), m.status.as_str(), one_line(&m.text));
    }
    let Some(m) = &item.inbound else { return Ok(()) };
    let text = match &m.content {
        InboundContent::Text { text } => one_line(text),
        InboundContent::Unknown { note } => format!("<{}> {note}: {}", m.message_type, m.raw_json),
        other => format!("<{}> {}", m.message_type, describe(other)),
    };
    writeln!(w, "{}  them  {text}", utc(item.at))
}

fn describe(c: &InboundContent) -> String {
    match c {
        InboundContent::Media { caption, file_name, content_type, .. } => {
            [caption.as_deref(), file_name.as_deref(), content_type.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        }
        InboundContent::Location { latitude, longitude, name, .. } => {
            format!("{latitude}, {longitude}{}", name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default())
        }
        InboundContent::Contacts { cards } => {
            cards.iter().map(|c| format!("{} {}", c.name, c.phones.join(", "))).collect::<Vec<_>>().join("; ")
        }
        InboundContent::Reply { title, .. } => format!("tapped {title:?}"),
        InboundContent::Text { text } => one_line(text),
        InboundContent::Unknown { note } => note.clone(),
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ⏎ ")
}
