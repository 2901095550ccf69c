//! Reading secrets and confirmations from a person, never echoing them.

use std::io::{BufRead, IsTerminal, Write};

use wadesk_core::{Error, Result, Secret};

/// Where the CLI takes a passphrase from when it needs one.
pub const PASSPHRASE_ENV: &str = "WADESK_PASSPHRASE";

/// `$WADESK_PASSPHRASE`, else a hidden prompt on the terminal, else an error that says what to do.
pub fn passphrase(prompt: &str, missing: Error) -> Result<Secret> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(Secret::new(p));
    }
    if !std::io::stdin().is_terminal() {
        return Err(missing);
    }
    Ok(Secret::new(rpassword::prompt_password(prompt)?))
}

/// A new passphrase: from the environment, or typed twice.
pub fn new_passphrase() -> Result<Secret> {
    let missing = Error::InvalidInput(format!("no terminal to ask for a passphrase; set {PASSPHRASE_ENV}"));
    if std::env::var(PASSPHRASE_ENV).is_ok() {
        return passphrase("", missing);
    }
    let first = passphrase("New passphrase: ", missing)?;
    let again = Secret::new(rpassword::prompt_password("Repeat passphrase: ")?);
    if first != again {
        return Err(Error::InvalidInput("the two passphrases differ; nothing was created".into()));
    }
    Ok(first)
}

/// A hidden prompt for one credential value.
pub fn credential(name: &str) -> Result<Secret> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::InvalidInput(format!(
            "credential {name}: required; give it with --secret-env {name}=VAR or --secrets-stdin"
        )));
    }
    Ok(Secret::new(rpassword::prompt_password(format!("{name}: "))?))
}

/// `NAME=VALUE` lines from standard input.
pub fn credentials_from_stdin() -> Result<Vec<(String, Secret)>> {
    let mut out = Vec::new();
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = Secret::new(line?);
        if line.expose().trim().is_empty() {
            continue;
        }
        let (name, value) = line
            .expose()
            .split_once('=')
            .ok_or_else(|| Error::InvalidInput(format!("stdin line {}: expected NAME=VALUE", i + 1)))?;
        out.push((name.trim().to_owned(), Secret::new(value)));
    }
    Ok(out)
}

/// Asks yes/no on the terminal; without a terminal the answer is no.
pub fn confirm(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
