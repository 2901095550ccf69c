//! `wadesk`: the command line over wadesk-core. Same data directory, same database, same rules as
//! the desktop app.
//!
//! Exit status: 0 on success, else [`wadesk_core::ErrorCode::exit_status`] (2 bad input, 3 not found,
//! 4 no store, 5 locked/wrong passphrase, 6 keychain, 7 store exists/corrupt, 8 relay unavailable,
//! 9 provider refused the token, 10 provider refused the request, 11 provider conflict (e.g. retry before
//! completion), 12 provider unavailable, 13 another process is creating or opening the store (or sending the campaign), 14 a bulk send was
//! paused or cancelled before it finished, 15 free text outside the 24-hour window, 16 nothing to do
//! (e.g. `relay use-embedded` on an embedded install), 17 webhooks may still wait at the relay being
//! left and could not be fetched, 1 other). With `--json`
//! results go to stdout as JSON and errors to stderr as `{"code", "message"}` (plus `"field"` when an input field is wrong).

mod args;
mod bulk;
mod commands;
mod contacts;
mod inbox;
mod messaging;
mod prompt;
mod register;
mod register_d360;
mod register_gupshup;
mod register_sendzen;
mod relay;

use clap::Parser;
use wadesk_core::ApiError;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WADESK_LOG").unwrap_or_else(|_| "warn".into()))
        .init();
    let cli = args::Cli::parse();
    let json = cli.json;
    if let Err(e) = commands::run(cli) {
        let code = e.code();
        let api = ApiError::from(e);
        if json {
            eprintln!("{}", serde_json::to_string(&api).unwrap_or_else(|_| r#"{"code":"internal"}"#.to_owned()));
        } else {
            eprintln!("wadesk: {}", api.message);
        }
        std::process::exit(i32::from(code.exit_status()));
    }
}
