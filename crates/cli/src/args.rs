//! Command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Longest `register start --wait`. Seconds become a deadline on the clock, which a number near
/// `u64::MAX` would overflow; a registration session expires long before a day anyway.
pub const MAX_WAIT_SECS: u64 = 24 * 60 * 60;
/// Longest `relay self-test --timeout`.
pub const MAX_SELF_TEST_SECS: u64 = 60 * 60;

/// Wadesk: WhatsApp Business through partner APIs, from the command line.
#[derive(Debug, Parser)]
#[command(name = "wadesk", version, about)]
pub struct Cli {
    /// Data directory (default: the app's, e.g. ~/.local/share/wadesk; or $WADESK_DATA_DIR).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Print results as JSON (errors as {"code","message"} on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the data directory, the store's state and the accounts.
    Status,
    /// Create the encrypted store (first run). Uses the system keychain when one answers, else a
    /// passphrase from $WADESK_PASSPHRASE or a prompt.
    Init {
        /// Protect the store with a passphrase even if a keychain is available.
        #[arg(long)]
        passphrase: bool,
    },
    /// Manage provider accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The webhook relay tunnel.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Connect a WhatsApp number through ChatArchitect's embedded registration (or the sandbox).
    #[command(subcommand)]
    Register(RegisterCommand),
    /// An account's approved templates.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Send a text or a template (written to the store before it is sent).
    #[command(subcommand)]
    Send(SendCommand),
    /// The send history with statuses and failure reasons; `history show ID` for one message.
    History(HistoryArgs),
    /// The account's messaging webhook (statuses and inbound messages through the relay).
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Bulk sends: create, dry-run, start, pause, resume, cancel, retry the failed.
    #[command(subcommand)]
    Bulk(BulkCommand),
    /// Contacts: CSV import, list, export, tags, opt-out and settings.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Conversations: list, show, reply (free text only inside the 24-hour window), search.
    #[command(subcommand)]
    Inbox(InboxCommand),
}

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Conversations, newest first.
    List {
        /// Only conversations with unread messages.
        #[arg(long)]
        unread: bool,
        /// Only conversations whose 24-hour window is open.
        #[arg(long)]
        window_open: bool,
        /// Only conversations whose contact has this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Skip this many conversations.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// At most this many conversations.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        #[command(flatten)]
        account: AccountArg,
    },
    /// One conversation's newest messages, oldest first.
    Show {
        /// The customer's number (any format the contacts accept).
        number: String,
        /// At most this many messages (the newest).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// Also mark the conversation read.
        #[arg(long)]
        mark_read: bool,
        #[command(flatten)]
        account: AccountArg,
    },
    /// Reply with free text (only inside the window: exit 15 otherwise) or a template.
    Reply {
        /// The customer's number.
        number: String,
        /// Free text.
        #[arg(long, conflicts_with = "template", required_unless_present = "template")]
        text: Option<String>,
        /// A template id (allowed whether or not the window is open).
        #[arg(long)]
        template: Option<String>,
        /// A template variable's value, N=VALUE; repeat for each placeholder.
        #[arg(long = "var", value_name = "N=VALUE", requires = "template")]
        vars: Vec<String>,
        /// Wait up to this many seconds for a final status (read, failed) before printing.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
        wait: Option<u64>,
        #[command(flatten)]
        account: AccountArg,
    },
    /// Search every message, conversation and contact (any part of a word or number).
    Search {
        /// What to find.
        query: String,
        /// At most this many messages.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: u32,
        #[command(flatten)]
        account: AccountArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Create a draft campaign (nothing is sent; dry-run it next).
    Create {
        #[command(flatten)]
        account: AccountArg,
        /// Template id (see `wadesk templates list`).
        #[arg(long)]
        template: String,
        /// Who gets it: `all`, `tag:T`, `-tag:T`, `FIELD=VALUE`, `FIELD!=VALUE`, `FIELD?`, `!FIELD?`, space-separated (all must hold).
        #[arg(long, default_value = "all")]
        audience: String,
        /// A placeholder's source: `N=FIELD`, `N='TEXT'` or `N=FIELD|'FALLBACK'` (repeat; default: the saved mapping).
        #[arg(long)]
        map: Vec<String>,
        /// Messages per second (default 80).
        #[arg(long)]
        rate: Option<f64>,
        /// Start no earlier than this: RFC 3339, or +30m / +2h / +1d.
        #[arg(long)]
        at: Option<String>,
        /// A name for the lists.
        #[arg(long)]
        name: Option<String>,
    },
    /// Render every recipient and report the problems; exits 2 while errors remain.
    DryRun {
        id: String,
        /// Rows shown per problem (all with --json).
        #[arg(long, default_value_t = 10)]
        rows: usize,
    },
    /// Start a draft (after a clean dry run) and send it in the foreground; Ctrl-C pauses.
    Start {
        id: String,
        /// Refuse to start unless exactly this many messages would go out.
        #[arg(long)]
        expect: Option<u64>,
    },
    /// Resume a paused or interrupted campaign in the foreground.
    Resume { id: String },
    /// Pause a campaign (its sender stops after the calls in flight).
    Pause { id: String },
    /// Cancel a campaign: recipients not sent to yet will not be.
    Cancel { id: String },
    /// The campaign's funnel, failure reasons and uncertain recipients.
    Status { id: String },
    /// Send the failed recipients again (new attempts linked to the failed ones), in the foreground.
    RetryFailed {
        id: String,
        /// Only those that failed with this code.
        #[arg(long)]
        code: Option<i64>,
    },
    /// Resend or drop uncertain recipients (all, or --position P …).
    Resolve {
        id: String,
        /// Send them again: they may receive it twice.
        #[arg(long, conflicts_with = "drop", required_unless_present = "drop")]
        resend: bool,
        /// Leave them out.
        #[arg(long)]
        drop: bool,
        /// Only these recipients (positions from `bulk status`).
        #[arg(long)]
        position: Vec<i64>,
    },
    /// Campaigns, newest first.
    List {
        #[command(flatten)]
        account: AccountArg,
    },
    /// Every recipient with its status and failure, as CSV.
    Export {
        id: String,
        /// File to write (default: a new file in Downloads).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// Which account a messaging command acts on.
#[derive(Debug, Args, Clone, Default)]
pub struct AccountArg {
    /// Account id or name (default: the first account, the SANDBOX one on a new install).
    #[arg(long)]
    pub account: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Fetch the templates from the provider and replace the cached list.
    Sync(AccountArg),
    /// The cached templates (unusable ones with their reason).
    List {
        #[command(flatten)]
        account: AccountArg,
        /// Only this category (MARKETING, UTILITY, OTP, …).
        #[arg(long)]
        category: Option<String>,
    },
    /// One template: its body, placeholders and send syntax.
    Show {
        /// Template id.
        id: String,
        #[command(flatten)]
        account: AccountArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum SendCommand {
    /// Send free text (inside the customer service window).
    Text {
        /// Destination, international format (e.g. 421233221242).
        #[arg(long)]
        to: String,
        /// The text.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        account: AccountArg,
        /// Wait up to this many seconds for a final status (read, failed) before printing.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
        wait: Option<u64>,
    },
    /// Send an approved template with a value for each variable.
    Template {
        /// Template id.
        id: String,
        /// Destination, international format.
        #[arg(long)]
        to: String,
        /// A variable's value, N=VALUE (e.g. --var 1=John); repeat for each placeholder.
        #[arg(long = "var", value_name = "N=VALUE")]
        vars: Vec<String>,
        #[command(flatten)]
        account: AccountArg,
        /// Wait up to this many seconds for a final status (read, failed) before printing.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
        wait: Option<u64>,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// Only messages with this status (repeatable): pending, submitted, sent, delivered, read,
    /// failed, not_submitted, uncertain.
    #[arg(long = "status")]
    pub statuses: Vec<String>,
    /// Only messages to numbers containing these digits.
    #[arg(long)]
    pub number: Option<String>,
    /// Only sends of this template id.
    #[arg(long)]
    pub template: Option<String>,
    /// Write CSV to standard output instead of a table.
    #[arg(long)]
    pub csv: bool,
    /// At most this many rows (newest first; not for --csv, which writes all).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    #[command(flatten)]
    pub account: AccountArg,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One message with its whole status timeline.
    Show {
        /// Message id.
        id: String,
        /// Only if the message belongs to this account (id or name).
        #[command(flatten)]
        account: AccountArg,
    },
    /// Send a failed or not-submitted message again, as a new message.
    Retry {
        /// Message id.
        id: String,
        /// Only if the message belongs to this account (id or name).
        #[command(flatten)]
        account: AccountArg,
        /// Also resend an uncertain message (the provider may already have it: it may arrive twice).
        #[arg(long)]
        uncertain: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register this install's hook URL with the provider for the account.
    Register(AccountArg),
    /// Whether the account's webhook is registered, and when the last event arrived.
    Status(AccountArg),
    /// Set the WhatsApp number connected to the account (the provider's `destination`).
    SetNumber {
        /// The connected number, international format.
        number: String,
        #[command(flatten)]
        account: AccountArg,
    },
}

/// Which provider's onboarding a `register` command is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum RegisterProvider {
    /// ChatArchitect's embedded registration (seed 000).
    #[default]
    Chatarchitect,
    /// SendZen's onboarding iframe (seed 001).
    Sendzen,
    /// 360dialog's Embedded Signup (seed 003).
    D360,
    /// Gupshup Tech Partner app linking (seed 002).
    Gupshup,
}

/// `--provider`, shared by every `register` command.
#[derive(Debug, Clone, Copy, Args)]
pub struct ProviderArg {
    /// Whose onboarding: chatarchitect (default), sendzen, d360 or gupshup.
    #[arg(long, value_enum, default_value_t = RegisterProvider::Chatarchitect)]
    pub provider: RegisterProvider,
}

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// Create a registration session and print the page to open. Waits for the outcome when the
    /// embedded sandbox is served by this process (it stops with it) or with --wait.
    Start {
        #[command(flatten)]
        provider: ProviderArg,
        /// Page language: de, en, es, pt or ru.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Integration name shown in the registration.
        #[arg(long)]
        integration: Option<String>,
        /// Replace the credentials of this existing account (id or name) instead of adding one.
        #[arg(long)]
        account: Option<String>,
        /// Wait up to this many seconds (at most a day) for the registration to end.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT_SECS))]
        wait: Option<u64>,
        #[command(flatten)]
        client: D360ClientArgs,
        #[command(flatten)]
        gupshup: GupshupLinkArgs,
    },
    /// 360dialog: submit the WABA Meta's Embedded Signup created (from the app's signup page or
    /// the partner's own) for an onboarding, then follow it like `result`.
    Submit {
        #[command(flatten)]
        provider: ProviderArg,
        /// The onboarding id.
        registration_id: String,
        /// The WABA id the signup reported.
        #[arg(long)]
        waba_id: String,
        /// The phone number id, when the signup reported one.
        #[arg(long)]
        phone_number_id: Option<String>,
        /// The client's Business Manager id, when known.
        #[arg(long)]
        business_id: Option<String>,
        /// Wait up to this many seconds (at most a day) for the number to be connected.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT_SECS))]
        wait: Option<u64>,
    },
    /// 360dialog: set the secret partner webhooks are signed with (x-360dialog-signature), read
    /// from $WADESK_D360_SIGNING_SECRET or a prompt; --clear removes it.
    SigningSecret {
        #[command(flatten)]
        provider: ProviderArg,
        /// Remove the secret (partner events are then taken unsigned).
        #[arg(long)]
        clear: bool,
    },
    /// Ask the provider for a session's result; stores the credentials if it is completed.
    Result {
        #[command(flatten)]
        provider: ProviderArg,
        /// The registration id (SendZen: the onboarding's client identifier).
        registration_id: String,
    },
    /// Ask the provider to send the completion webhook again (only after completion).
    RetryWebhook {
        /// The registration id.
        registration_id: String,
    },
    /// List this install's registration sessions.
    List {
        #[command(flatten)]
        provider: ProviderArg,
    },
    /// Show where registrations go (sandbox or partner API; the token is masked).
    Settings {
        #[command(flatten)]
        provider: ProviderArg,
    },
    /// Use the real registration domain. The partner token is read from $WADESK_PARTNER_TOKEN
    /// (SendZen: $WADESK_SENDZEN_PARTNER_KEY) or a prompt, and stored encrypted.
    UsePartner {
        #[command(flatten)]
        provider: ProviderArg,
        /// The registration domain, e.g. https://registration.example (SendZen: its API,
        /// https://api.sendzen.io; 360dialog: the Partner Hub, https://hub.360dialog.io/api/v2).
        url: String,
        #[command(flatten)]
        d360: D360PartnerArgs,
    },
    /// Use the embedded sandbox again.
    UseSandbox {
        #[command(flatten)]
        provider: ProviderArg,
    },
}

/// Gupshup's link fields for `register start --provider gupshup` (seed 002 step 1).
#[derive(Debug, Clone, Default, Args)]
pub struct GupshupLinkArgs {
    /// Gupshup: the new app's name (6–150 letters and digits, unique across Gupshup).
    #[arg(long)]
    pub app_name: Option<String>,
    /// Gupshup: the live WABA id the customer's Embedded Signup created.
    #[arg(long)]
    pub waba_id: Option<String>,
    /// Gupshup: the number to link with it.
    #[arg(long)]
    pub phone: Option<String>,
}

/// 360dialog's client fields for `register start --provider d360` (seed 003 step 1).
#[derive(Debug, Clone, Default, Args)]
pub struct D360ClientArgs {
    /// 360dialog: the business's name.
    #[arg(long)]
    pub name: Option<String>,
    /// 360dialog: the client user's email (a client is created once per email and reused).
    #[arg(long)]
    pub email: Option<String>,
    /// 360dialog: the client user's name.
    #[arg(long)]
    pub user_name: Option<String>,
    /// 360dialog: the pricing tier (basic, regular, premium); the settings' default otherwise.
    #[arg(long)]
    pub tier: Option<String>,
}

/// 360dialog's partner settings for `register use-partner --provider d360`. The partner API key
/// comes from $WADESK_D360_PARTNER_KEY or a prompt.
#[derive(Debug, Clone, Default, Args)]
pub struct D360PartnerArgs {
    /// 360dialog: the messaging API.
    #[arg(long, default_value = "https://waba-v2.360dialog.io")]
    pub messaging_url: String,
    /// 360dialog: the partner ID.
    #[arg(long)]
    pub partner_id: Option<String>,
    /// 360dialog: the approved Solution's ID.
    #[arg(long)]
    pub solution_id: Option<String>,
    /// 360dialog: the Meta app ID the Embedded Signup runs with.
    #[arg(long)]
    pub meta_app_id: Option<String>,
    /// 360dialog: the Embedded Signup configuration ID.
    #[arg(long)]
    pub meta_config_id: Option<String>,
    /// 360dialog: the default pricing tier.
    #[arg(long, default_value = "regular")]
    pub tier: String,
    /// 360dialog: leave the partner webhook URL alone (stages then come from the channel list).
    #[arg(long)]
    pub no_partner_events: bool,
}

#[derive(Debug, Subcommand)]
pub enum RelayCommand {
    /// Connect, apply waiting webhooks, and show mode, relay URL, masked hook URL, cursor and counts.
    Status,
    /// Post a synthetic event to this install's own hook URL and wait until it is applied here.
    SelfTest {
        /// Seconds to wait for the event (at most an hour).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=MAX_SELF_TEST_SECS))]
        timeout: u64,
    },
    /// Apply every waiting webhook, then exit; with --follow keep streaming until Ctrl-C.
    Sync {
        /// Keep streaming.
        #[arg(long)]
        follow: bool,
    },
    /// Switch to a remote relay: creates a channel there with the operator's admin token, read from
    /// $WADESK_RELAY_ADMIN_TOKEN or a prompt (used once, never stored).
    UseRemote {
        /// The relay's base URL (https://…).
        url: String,
    },
    /// Switch back to the embedded relay: fetch what still waits at the remote relay, then give
    /// this install a channel (and a new hook URL) on the relay inside Wadesk. Refused, with
    /// nothing changed, when the remote relay cannot be emptied first (exit 17) or when the install
    /// already uses the embedded relay (exit 16).
    UseEmbedded {
        /// Switch even if the remote relay is unreachable or its backlog does not come through in
        /// time: webhooks left there are never fetched.
        #[arg(long)]
        leave_waiting: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// List accounts (credentials masked).
    List,
    /// Add an account. Credentials are never taken as arguments (they would land in shell history):
    /// each is read from --secret-env NAME=VAR, from stdin lines NAME=VALUE (--secrets-stdin), or a prompt.
    Add(AddArgs),
    /// Rename an account, by id or current name.
    Rename {
        /// Account id or display name.
        account: String,
        /// New display name.
        name: String,
    },
    /// Check an account's credentials with its provider (its cheapest authenticated call) and
    /// record the outcome: connected, refused, or not verified with the reason.
    Check {
        /// Account id or display name.
        account: String,
    },
    /// Set the secret a SendZen or 360dialog account's webhooks are signed with (SendZen:
    /// X-Hub-Signature-256, from its dashboard; 360dialog: x-360dialog-signature), read from $WADESK_WEBHOOK_SECRET or a prompt; once set, unsigned
    /// webhooks for the account are refused. --clear removes it.
    WebhookSecret {
        /// Account id or display name.
        account: String,
        /// Remove the secret instead.
        #[arg(long)]
        clear: bool,
    },
    /// A Crisp account's callback URL, to paste into the WhatsApp plugin's API Settings (Crisp has
    /// no API for it). It carries the account's own secret: keep it private.
    CallbackUrl {
        /// Account id or display name.
        account: String,
    },
    /// How a Crisp account's templates appear in the Crisp conversation: `note` (a private note,
    /// Crisp's default) or `text` (a business message with the filled text). Without a value,
    /// shows the current choice.
    CrispMessageType {
        /// Account id or display name.
        account: String,
        /// `note` or `text`.
        message_type: Option<String>,
    },
    /// Add the Crisp account on the built-in simulator (or show it, when it exists): its token pair
    /// and website come from the simulator, its callback URL is set there, its templates synced.
    CrispSimulator,
    /// Remove an account and its credentials, by id or name.
    Remove {
        /// Account id or display name.
        account: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Provider: chatarchitect, sendzen, gupshup, d360, crisp or sandbox.
    #[arg(long)]
    pub provider: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Provider endpoint (default: the provider's documented one).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Take credential NAME from environment variable VAR (NAME=VAR); repeatable.
    #[arg(long = "secret-env", value_name = "NAME=VAR")]
    pub secret_env: Vec<String>,
    /// Read credentials as NAME=VALUE lines from standard input.
    #[arg(long)]
    pub secrets_stdin: bool,
}

/// Which contacts `contacts list|export` show.
#[derive(Debug, Args, Clone, Default)]
pub struct ContactFilter {
    /// Only contacts whose number, name or a field contains this (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
    /// Only contacts with this tag (repeatable: all of them).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Only opted-out contacts.
    #[arg(long, conflicts_with = "reachable")]
    pub opted_out: bool,
    /// Only contacts that are not opted out.
    #[arg(long)]
    pub reachable: bool,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Import a CSV file (UTF-8 or Latin-1; `,` `;` or tab). Exit 2 when some rows had errors.
    Import {
        /// The file.
        file: PathBuf,
        /// Map a column (header name or 1-based number) to phone, name, first_name, tags, opt_out,
        /// ignore, or a custom field (`field:NAME` or `NAME`). Unmapped columns keep the preview's
        /// mapping (the saved one for this header, else a guess).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// Add this tag to every imported contact (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Country (ISO 3166, e.g. DE) for numbers without a country code; default: the setting.
        #[arg(long, value_name = "CC")]
        default_country: Option<String>,
    },
    /// List contacts (name, then number).
    List {
        #[command(flatten)]
        filter: ContactFilter,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// At most this many.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: u32,
    },
    /// Write contacts as CSV (to standard output, or a file).
    Export {
        #[command(flatten)]
        filter: ContactFilter,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Opt a number out by hand (a number that is not a contact yet becomes one, opted out).
    OptOut {
        /// The number (a default country applies without a country code).
        phone: String,
    },
    /// Opt a contact back in.
    OptIn {
        /// The number.
        phone: String,
    },
    /// Add a tag to contacts.
    Tag {
        /// The tag.
        tag: String,
        /// Their numbers.
        #[arg(required = true)]
        phones: Vec<String>,
    },
    /// Remove a tag from contacts.
    Untag {
        /// The tag.
        tag: String,
        /// Their numbers.
        #[arg(required = true)]
        phones: Vec<String>,
    },
    /// Delete contacts (asks first; without a terminal needs --yes).
    Delete {
        /// Their numbers.
        #[arg(required = true)]
        phones: Vec<String>,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Show or change the contact settings.
    Settings {
        /// Country for numbers without a country code (`none` to clear).
        #[arg(long, value_name = "CC")]
        default_country: Option<String>,
        /// Replies that opt a contact out, comma-separated (replaces the list).
        #[arg(long, value_name = "K,K…")]
        opt_out_keywords: Option<String>,
    },
}
