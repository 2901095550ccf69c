//! One function per command: open what it needs, call the core, print the result.

use std::io::Write;

use serde::Serialize;
use wadesk_core::providers::crisp::options::CrispMessageType;
use wadesk_core::{
    AccountView, CredentialInput, Error, Install, KeyChoice, KeySource, NewAccount, ProviderKind, Result, Secret,
    Store, StoreState,
};

use crate::args::{AccountCommand, AddArgs, Cli, Command};
use crate::prompt;

pub fn run(cli: Cli) -> Result<()> {
    let dir = match cli.data_dir {
        Some(d) => d,
        None => Install::default_dir()?,
    };
    let install = Install::for_dir(dir)?;
    let out = Output { json: cli.json };
    match cli.command {
        Command::Status => status(&install, &out),
        Command::Init { passphrase } => init(&install, passphrase, &out),
        Command::Account(cmd) => account(&install, cmd, &out),
        Command::Relay(cmd) => crate::relay::run(&install, unlock(&install)?, cmd, out.json),
        Command::Register(cmd) => crate::register::run(&install, unlock(&install)?, cmd, out.json),
        Command::Templates(cmd) => crate::messaging::templates(&install, unlock(&install)?, cmd, out),
        Command::Send(cmd) => crate::messaging::send(&install, unlock(&install)?, cmd, out),
        Command::History(args) => crate::messaging::history(&install, unlock(&install)?, args, out),
        Command::Webhook(cmd) => crate::messaging::webhook(&install, unlock(&install)?, cmd, out),
        Command::Bulk(cmd) => crate::bulk::run(&install, unlock(&install)?, cmd, out),
        Command::Contacts(cmd) => crate::contacts::run(unlock(&install)?, cmd, out),
        Command::Inbox(cmd) => crate::inbox::run(&install, unlock(&install)?, cmd, out),
    }
}

pub(crate) struct Output {
    pub(crate) json: bool,
}

impl Output {
    pub(crate) fn print<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            let text = serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
            writeln!(stdout, "{text}")?;
        } else {
            human(&mut stdout)?;
        }
        Ok(())
    }
}

/// Unlocks with the keychain, or with `$WADESK_PASSPHRASE` / a prompt for passphrase stores.
fn unlock(install: &Install) -> Result<Store> {
    let status = install.status()?;
    match status.key_source {
        None => Err(Error::StoreUninitialized(status.data_dir)),
        Some(KeySource::Keychain) => install.unlock(None),
        Some(KeySource::Passphrase) => {
            let p = prompt::passphrase("Passphrase: ", Error::StoreLocked).map_err(|e| match e {
                Error::StoreLocked => Error::InvalidInput(format!(
                    "the store is locked by a passphrase and there is no terminal to ask; set {}",
                    prompt::PASSPHRASE_ENV
                )),
                e => e,
            })?;
            install.unlock(Some(&p))
        }
    }
}

#[derive(Serialize)]
struct StatusReport {
    data_dir: String,
    state: StoreState,
    key_source: Option<KeySource>,
    keychain_available: bool,
    schema_version: Option<i64>,
    accounts: Option<Vec<AccountView>>,
}

fn status(install: &Install, out: &Output) -> Result<()> {
    let s = install.status()?;
    let store = match s.state {
        StoreState::Uninitialized => None,
        _ => Some(unlock(install)?),
    };
    let report = StatusReport {
        data_dir: s.data_dir.clone(),
        state: if store.is_some() { StoreState::Unlocked } else { s.state },
        key_source: s.key_source,
        keychain_available: s.keychain_available,
        schema_version: store.as_ref().map(Store::schema_version).transpose()?,
        accounts: store.as_ref().map(Store::list_accounts).transpose()?,
    };
    out.print(&report, |w| {
        writeln!(w, "data dir:  {}", report.data_dir)?;
        let store_line = match (report.state, report.key_source) {
            (StoreState::Uninitialized, _) => "none yet (run `wadesk init`)".to_owned(),
            (state, source) => format!("{state:?} (key in {})", source.map(source_label).unwrap_or("?")).to_lowercase(),
        };
        writeln!(w, "store:     {store_line}")?;
        writeln!(w, "keychain:  {}", if report.keychain_available { "available" } else { "not available" })?;
        if let Some(accounts) = &report.accounts {
            writeln!(w, "accounts:  {}", accounts.len())?;
            print_accounts(w, accounts)?;
        }
        Ok(())
    })
}

fn source_label(s: KeySource) -> &'static str {
    match s {
        KeySource::Keychain => "system keychain",
        KeySource::Passphrase => "passphrase",
    }
}

fn init(install: &Install, force_passphrase: bool, out: &Output) -> Result<()> {
    // Asked first so nobody types a passphrase for nothing; `create` checks again under its lock.
    let status = install.status()?;
    if status.state != StoreState::Uninitialized {
        return Err(Error::StoreAlreadyExists(status.data_dir));
    }
    let use_keychain = !force_passphrase && status.keychain_available;
    let choice = if use_keychain { KeyChoice::Keychain } else { KeyChoice::Passphrase(prompt::new_passphrase()?) };
    let store = install.create(choice)?;
    let accounts = store.list_accounts()?;
    let source = if use_keychain { KeySource::Keychain } else { KeySource::Passphrase };
    // The directory as text (`for_dir` refused a path that is not): serialising a `Path` can fail.
    let data_dir = install.dir().display().to_string();
    out.print(&serde_json::json!({ "data_dir": data_dir, "key_source": source, "accounts": accounts }), |w| {
        writeln!(w, "Created an encrypted store in {} (key in {}).", install.dir().display(), source_label(source))?;
        print_accounts(w, &accounts)
    })
}

fn account(install: &Install, cmd: AccountCommand, out: &Output) -> Result<()> {
    let store = unlock(install)?;
    match cmd {
        AccountCommand::Check { account } => crate::messaging::account_check(install, store, &account, out),
        AccountCommand::List => {
            let accounts = store.list_accounts()?;
            out.print(&accounts, |w| print_accounts(w, &accounts))
        }
        AccountCommand::Add(args) => {
            let account = store.add_account(new_account(args)?)?;
            out.print(&account, |w| {
                writeln!(w, "Added account {}.", account.id)?;
                print_accounts(w, std::slice::from_ref(&account))
            })
        }
        AccountCommand::Rename { account, name } => {
            let id = store.find_account(&account)?.id;
            let renamed = store.rename_account(&id, &name)?;
            out.print(&renamed, |w| writeln!(w, "Renamed {} to {:?}.", renamed.id, renamed.display_name))
        }
        AccountCommand::WebhookSecret { account, clear } => {
            let id = store.find_account(&account)?.id;
            let secret = if clear {
                None
            } else {
                Some(match std::env::var("WADESK_WEBHOOK_SECRET") {
                    Ok(s) => Secret::new(s),
                    Err(_) => prompt::passphrase(
                        "Webhook secret: ",
                        Error::InvalidInput("set WADESK_WEBHOOK_SECRET (no terminal to ask)".into()),
                    )?,
                })
            };
            store.set_webhook_secret(&id, secret.as_ref())?;
            let account = store.account(&id)?;
            out.print(&account, |w| {
                writeln!(w, "Webhook secret {} for {}.", if clear { "removed" } else { "set" }, account.id)
            })
        }
        AccountCommand::CallbackUrl { account } => {
            let id = store.find_account(&account)?.id;
            let url = store.crisp_callback_url(&id)?;
            out.print(&serde_json::json!({ "account_id": id, "callback_url": url.expose() }), |w| {
                writeln!(w, "Paste into Crisp → Plugins → WhatsApp → API Settings → Callback URL:")?;
                writeln!(w, "  {}", url.expose())
            })
        }
        AccountCommand::CrispMessageType { account, message_type } => {
            let id = store.find_account(&account)?.id;
            let current = match message_type {
                Some(given) => {
                    let chosen = CrispMessageType::parse(&given)?;
                    store.set_crisp_message_type(&id, chosen)?;
                    chosen
                }
                None => store.crisp_message_type(&id)?,
            };
            out.print(&serde_json::json!({ "account_id": id, "message_type": current }), |w| match current {
                CrispMessageType::Note => writeln!(w, "{id}: templates appear in Crisp as a private note."),
                CrispMessageType::Text => {
                    writeln!(w, "{id}: templates appear in Crisp as a business message with their text.")
                }
            })
        }
        AccountCommand::CrispSimulator => crate::messaging::crisp_simulator(install, store, out),
        AccountCommand::Remove { account, yes } => {
            let found = store.find_account(&account)?;
            if !yes && !prompt::confirm(&format!("Remove account {:?} and its credentials?", found.display_name))? {
                return Err(Error::InvalidInput("not removed: confirm at the prompt or pass --yes".into()));
            }
            store.remove_account(&found.id)?;
            out.print(&serde_json::json!({ "removed": found.id }), |w| {
                writeln!(w, "Removed account {:?} ({}).", found.display_name, found.id)
            })
        }
    }
}

fn new_account(args: AddArgs) -> Result<NewAccount> {
    let provider = ProviderKind::parse(&args.provider).ok_or_else(|| {
        let names: Vec<_> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
        Error::InvalidInput(format!("provider {:?}: expected one of {}", args.provider, names.join(", ")))
    })?;
    let mut given = secrets_from_env(provider, &args.secret_env)?;
    if args.secrets_stdin {
        given.extend(prompt::credentials_from_stdin()?);
    }
    for field in provider.credential_fields() {
        if !given.iter().any(|(n, _)| n == field) {
            given.push(((*field).to_owned(), prompt::credential(field)?));
        }
    }
    Ok(NewAccount {
        provider,
        display_name: args.name,
        base_url: args.base_url.unwrap_or_else(|| provider.default_base_url().to_owned()),
        credentials: given
            .into_iter()
            .map(|(name, value)| CredentialInput { name, value: value.expose().to_owned() })
            .collect(),
    })
}

/// The credentials named by `--secret-env NAME=VAR` arguments.
///
/// An argument may hold a value given by mistake (`app_secret=<the secret>`, or the secret alone),
/// so errors never repeat it: they name the credential when it is one of the provider's fields,
/// else the argument's position.
fn secrets_from_env(provider: ProviderKind, pairs: &[String]) -> Result<Vec<(String, wadesk_core::Secret)>> {
    let fields = provider.credential_fields();
    let mut given = Vec::with_capacity(pairs.len());
    for (i, pair) in pairs.iter().enumerate() {
        let Some((name, var)) = pair.split_once('=') else {
            return Err(Error::InvalidInput(format!(
                "--secret-env #{}: expected NAME=VAR, a credential's name and the environment variable that \
                 holds it (the argument is not shown in case it holds a secret)",
                i + 1
            )));
        };
        let label = if fields.contains(&name) { name.to_owned() } else { format!("#{}", i + 1) };
        let value = std::env::var(var).map_err(|_| {
            Error::InvalidInput(format!(
                "--secret-env {label}: the environment variable it names is not set or not UTF-8 (its name is \
                 not shown in case a value was given instead of a name)"
            ))
        })?;
        given.push((name.to_owned(), wadesk_core::Secret::new(value)));
    }
    Ok(given)
}

fn print_accounts(w: &mut dyn Write, accounts: &[AccountView]) -> std::io::Result<()> {
    for a in accounts {
        let badge = if a.is_sandbox { " [SANDBOX]" } else { "" };
        let creds: Vec<String> = a.credentials.iter().map(|c| format!("{}={}", c.name, c.masked)).collect();
        let state = match a.state {
            wadesk_core::AccountState::Sandbox => "",
            wadesk_core::AccountState::Connected => "  connected",
            wadesk_core::AccountState::NotVerified => "  not verified",
            wadesk_core::AccountState::Refused => "  REFUSED",
        };
        writeln!(
            w,
            "  {}  {}{}  {}  {}  {}{state}",
            a.id,
            a.display_name,
            badge,
            a.provider.as_str(),
            a.base_url,
            creds.join(" ")
        )?;
    }
    Ok(())
}
