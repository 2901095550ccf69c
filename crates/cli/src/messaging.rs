//! `wadesk templates|send|history|webhook …`: messaging from the command line, on the same core
//! as the app.
//!
//! Every command streams the relay while it runs, so statuses and inbound messages waiting there
//! are applied before anything is read. A send is written to the store before it goes out; its
//! exit status says what happened (0 accepted, 10 not accepted, 12 uncertain — never resent).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wadesk_core::messaging::{
    status, HistoryFilter, MessageDetail, MessageStatus, MessageView, Messaging, MessagingHealth, SendTemplate,
    SendText, VariableValue,
};
use wadesk_core::providers::chatarchitect::Registrations;
use wadesk_core::relay_client::RelayService;
use wadesk_core::templates::{syntax, TemplateView};
use wadesk_core::{Error, Install, Result, Store};

use crate::args::{AccountArg, HistoryArgs, HistoryCommand, SendCommand, TemplatesCommand, WebhookCommand};
use crate::commands::Output;

/// What a messaging command runs on: the store, messaging, and the relay stream.
pub(crate) struct Session {
    pub(crate) store: Arc<Store>,
    pub(crate) messaging: Arc<Messaging>,
    pub(crate) relay: RelayService,
}

impl Session {
    pub(crate) async fn open(install: &Install, store: Store) -> Result<Session> {
        let store = Arc::new(store);
        let relay = RelayService::start(store.clone(), &install.dir().join("relay")).await?;
        // Apply what is waiting (statuses of earlier sends) before reading or sending.
        relay.wait_caught_up(Duration::from_secs(5)).await;
        let registrations = Registrations::new(store.clone());
        let messaging = Arc::new(Messaging::new(store.clone(), registrations.sandbox_host())?);
        Ok(Session { store, messaging, relay })
    }

    /// With `--account`, message `id` must be that account's (else it is not found there).
    fn check_owner(&self, id: &str, arg: &AccountArg) -> Result<()> {
        if arg.account.is_none() {
            return Ok(());
        }
        let account = self.account(arg)?;
        if self.store.message(id)?.account_id != account {
            return Err(Error::NotFound(format!("message {id} in account {account}")));
        }
        Ok(())
    }

    pub(crate) fn account(&self, arg: &AccountArg) -> Result<String> {
        match &arg.account {
            Some(a) => Ok(self.store.find_account(a)?.id),
            None => self
                .store
                .list_accounts()?
                .into_iter()
                .next()
                .map(|a| a.id)
                .ok_or_else(|| Error::NotFound("any account; add one with `wadesk account add`".into())),
        }
    }
}

pub(crate) fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    crate::relay::runtime()?.block_on(f)
}

pub fn templates(install: &Install, store: Store, cmd: TemplatesCommand, out: Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        match cmd {
            TemplatesCommand::Sync(account) => {
                let id = s.account(&account)?;
                let sync = s.messaging.sync_templates(&id).await?;
                out.print(&sync, |w| writeln!(w, "Synced {} templates ({} unusable).", sync.total, sync.unusable))
            }
            TemplatesCommand::List { account, category } => {
                let id = s.account(&account)?;
                let mut list = s.store.templates(&id)?;
                if let Some(c) = category {
                    list.retain(|t| t.category.eq_ignore_ascii_case(&c));
                }
                out.print(&list, |w| print_templates(w, &list))
            }
            TemplatesCommand::Show { id, account } => {
                let account_id = s.account(&account)?;
                let t = s
                    .store
                    .templates(&account_id)?
                    .into_iter()
                    .find(|t| t.id == id)
                    .ok_or_else(|| Error::NotFound(format!("template {id}; run `wadesk templates sync`")))?;
                out.print(&t, |w| print_template(w, &t))
            }
        }
    })
}

fn print_templates(w: &mut dyn Write, list: &[TemplateView]) -> std::io::Result<()> {
    if list.is_empty() {
        return writeln!(w, "No templates cached; run `wadesk templates sync`.");
    }
    for t in list {
        let first = t.body.lines().next().unwrap_or("");
        let first: String = first.chars().take(60).collect();
        let state = match &t.problem {
            Some(p) => format!("UNUSABLE: {p}"),
            None => format!("{} variable(s)", t.placeholders.len()),
        };
        writeln!(w, "{}  {:<9} {:<5} {first}  [{state}]", t.id, t.category, t.media)?;
    }
    Ok(())
}

fn print_template(w: &mut dyn Write, t: &TemplateView) -> std::io::Result<()> {
    writeln!(w, "id:        {}", t.id)?;
    writeln!(w, "category:  {} ({})", t.category, t.media)?;
    writeln!(w, "variables: {:?}", t.placeholders)?;
    if let Some(p) = &t.problem {
        writeln!(w, "UNUSABLE:  {p}")?;
    }
    writeln!(w, "body:")?;
    for seg in syntax::segments(&t.body) {
        match seg {
            syntax::Segment::Text(text) => write!(w, "{text}")?,
            syntax::Segment::Placeholder(n) => write!(w, "[{{{{{n}}}}}]")?,
        }
    }
    writeln!(w)
}

/// `N=VALUE` pairs.
pub(crate) fn parse_vars(vars: &[String]) -> Result<Vec<VariableValue>> {
    vars.iter()
        .enumerate()
        .map(|(i, v)| {
            let (n, value) = v.split_once('=').ok_or_else(|| {
                Error::InvalidInput(format!("--var #{}: write it as N=VALUE, e.g. --var 1=John", i + 1))
            })?;
            let number = n.trim().parse::<u32>().map_err(|_| {
                Error::InvalidInput(format!("--var #{}: {:?} is not a placeholder number", i + 1, n.trim()))
            })?;
            Ok(VariableValue { number, value: value.to_owned() })
        })
        .collect()
}

pub fn send(install: &Install, store: Store, cmd: SendCommand, out: Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        let (view, wait) = match cmd {
            SendCommand::Text { to, text, account, wait } => {
                let account_id = s.account(&account)?;
                (s.messaging.send_text(SendText { account_id, to, text }).await?, wait)
            }
            SendCommand::Template { id, to, vars, account, wait } => {
                let account_id = s.account(&account)?;
                let values = parse_vars(&vars)?;
                (s.messaging.send_template(SendTemplate { account_id, to, template_id: id, values }).await?, wait)
            }
        };
        let view = match wait {
            Some(secs) => wait_final(&s, &view.id, Duration::from_secs(secs)).await?,
            None => view,
        };
        out.print(&view, |w| print_message(w, &view))?;
        s.relay.stop();
        outcome_of(&view)
    })
}

/// Waits for message `id` to reach a final status (read, failed, not submitted) or `limit`.
pub(crate) async fn wait_final(s: &Session, id: &str, limit: Duration) -> Result<MessageView> {
    let mut changes = s.store.subscribe_changes();
    let started = Instant::now();
    loop {
        let view = s.store.message(id)?;
        if status::is_final(view.status) || view.status == MessageStatus::Failed || started.elapsed() >= limit {
            return Ok(view);
        }
        let left = limit.saturating_sub(started.elapsed());
        let _ = tokio::time::timeout(left, changes.recv()).await;
    }
}

/// The exit status of a send: accepted is success; refused and uncertain are errors by kind.
pub(crate) fn outcome_of(view: &MessageView) -> Result<()> {
    let reason = view.failure.as_ref().map(|f| f.reason.clone()).unwrap_or_default();
    match view.status {
        MessageStatus::NotSubmitted | MessageStatus::Failed => Err(Error::Provider(
            wadesk_core::error::ProviderFailure::Rejected,
            format!("message {} was not delivered: {reason}", view.id),
        )),
        MessageStatus::Uncertain | MessageStatus::Pending => Err(Error::Provider(
            wadesk_core::error::ProviderFailure::Unavailable,
            format!(
                "message {} is uncertain: the provider did not answer ({reason}). It was not resent; check \
                 `wadesk history show {}` later, or retry it with --uncertain",
                view.id, view.id
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn print_message(w: &mut dyn Write, m: &MessageView) -> std::io::Result<()> {
    writeln!(w, "message:  {}", m.id)?;
    writeln!(w, "to:       {}", m.to)?;
    writeln!(w, "status:   {}", m.status.as_str())?;
    if let Some(id) = &m.provider_message_id {
        writeln!(w, "provider: {id}")?;
    }
    if let Some(f) = &m.failure {
        writeln!(w, "reason:   {}{}", f.code.map(|c| format!("{c}: ")).unwrap_or_default(), f.reason)?;
        writeln!(w, "meaning:  {}", f.explanation)?;
    }
    Ok(())
}

pub fn history(install: &Install, store: Store, args: HistoryArgs, out: Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        match args.command {
            Some(HistoryCommand::Show { id, account }) => {
                s.check_owner(&id, &account)?;
                let d = s.store.message_detail(&id)?;
                out.print(&d, |w| print_detail(w, &d))
            }
            Some(HistoryCommand::Retry { id, uncertain, account }) => {
                s.check_owner(&id, &account)?;
                let view = s.messaging.retry(&id, uncertain).await?;
                out.print(&view, |w| print_message(w, &view))?;
                outcome_of(&view)
            }
            None => {
                let statuses = args
                    .statuses
                    .iter()
                    .map(|st| {
                        MessageStatus::parse(st).ok_or_else(|| {
                            Error::InvalidInput(format!(
                                "--status {st:?}: one of {}",
                                MessageStatus::ALL.map(MessageStatus::as_str).join(", ")
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let account_id = match &args.account.account {
                    Some(_) => Some(s.account(&args.account)?),
                    None => None,
                };
                let filter = HistoryFilter {
                    account_id,
                    statuses: (!statuses.is_empty()).then_some(statuses),
                    template_id: args.template,
                    number: args.number,
                    ..HistoryFilter::default()
                };
                if args.csv {
                    s.store.export_history_csv(&filter, std::io::stdout().lock())?;
                    return Ok(());
                }
                let page = s.store.history_page(&filter, 0, args.limit)?;
                out.print(&page, |w| {
                    for m in &page.rows {
                        let what = m.template_id.as_deref().map_or("text".to_owned(), |t| format!("template {t}"));
                        let reason = m.failure.as_ref().map(|f| format!("  {}", f.reason)).unwrap_or_default();
                        writeln!(
                            w,
                            "{}  {}  {:<13} {:<15} {what}{reason}",
                            wadesk_core::messaging::history::utc(m.created_at),
                            m.id,
                            m.status.as_str(),
                            m.to
                        )?;
                    }
                    writeln!(w, "{} of {} message(s)", page.rows.len(), page.total)
                })
            }
        }
    })
}

fn print_detail(w: &mut dyn Write, d: &MessageDetail) -> std::io::Result<()> {
    print_message(w, &d.message)?;
    writeln!(w, "text:     {}", d.message.text.replace('\n', "\n          "))?;
    writeln!(w, "timeline:")?;
    for e in &d.events {
        let mark = if e.advanced { " " } else { "·" };
        let extra = match (&e.code, &e.reason) {
            (Some(c), Some(r)) => format!("  {c}: {r}"),
            (None, Some(r)) => format!("  {r}"),
            _ => String::new(),
        };
        let kept = if e.advanced { "" } else { "  (kept; did not move the status)" };
        writeln!(w, "  {mark} {}  {:<13}{extra}{kept}", wadesk_core::messaging::history::utc(e.at), e.status)?;
    }
    Ok(())
}

pub fn account_check(install: &Install, store: Store, account: &str, out: &Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        let id = s.store.find_account(account)?.id;
        let view = s.messaging.check_credentials(&id).await?;
        out.print(&view, |w| {
            writeln!(w, "{}: {:?}", view.display_name, view.state)?;
            if let Some(detail) = &view.state_detail {
                writeln!(w, "{detail}")?;
            }
            Ok(())
        })?;
        match view.state {
            wadesk_core::AccountState::Refused => Err(Error::Provider(
                wadesk_core::error::ProviderFailure::Unauthorized,
                format!("the provider refused the credentials of {}", view.display_name),
            )),
            _ => Ok(()),
        }
    })
}

/// `account crisp-simulator`: the Crisp account on the built-in simulator, made on first use.
pub fn crisp_simulator(install: &Install, store: Store, out: &Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        let view = s.messaging.crisp_sandbox_account().await?;
        out.print(&view, |w| {
            writeln!(w, "Crisp account on the simulator: {} ({}).", view.display_name, view.id)?;
            writeln!(
                w,
                "Its callback URL is set there; send a template with `wadesk send template --account {}`.",
                view.id
            )
        })
    })
}

pub fn webhook(install: &Install, store: Store, cmd: WebhookCommand, out: Output) -> Result<()> {
    block_on(async move {
        let s = Session::open(install, store).await?;
        let health = match cmd {
            WebhookCommand::Register(account) => s.messaging.register_webhook(&s.account(&account)?).await?,
            WebhookCommand::Status(account) => s.messaging.health(&s.account(&account)?).await?,
            WebhookCommand::SetNumber { number, account } => {
                let id = s.account(&account)?;
                s.store.set_business_number(&id, &number)?;
                s.messaging.health(&id).await?
            }
        };
        out.print(&health, |w| print_health(w, &health))
    })
}

fn print_health(w: &mut dyn Write, h: &MessagingHealth) -> std::io::Result<()> {
    let at = |ms: Option<i64>| ms.map_or("never".to_owned(), wadesk_core::messaging::history::utc);
    writeln!(w, "API:             {}", h.api_base_url)?;
    writeln!(w, "business number: {}", h.business_number.as_deref().unwrap_or("not set"))?;
    writeln!(
        w,
        "webhook:         registered {}{}",
        at(h.webhook_registered_at),
        if h.webhook_current || h.webhook_registered_at.is_none() {
            ""
        } else {
            " (an older hook URL: register again)"
        }
    )?;
    if let Some(e) = &h.webhook_error {
        writeln!(w, "webhook error:   {e}")?;
    }
    writeln!(w, "last event:      {}", at(h.last_event_at))?;
    writeln!(w, "templates:       synced {}", at(h.templates_synced_at))
}
