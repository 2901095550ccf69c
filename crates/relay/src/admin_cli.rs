//! `wadesk-relay channels list|create|revoke|rotate-client-key`: the operator's commands, run
//! against a running relay through its admin routes ([`crate::admin_client`]).
//!
//! Output: a readable table or lines by default, the routes' JSON with `--json`. Errors go to
//! stderr (`{"code","message"}` with `--json`) with the exit codes of [`AdminError::exit_code`].
//! `revoke` asks first on a terminal; without one it needs `--yes`.

use std::io::{BufRead, IsTerminal, Write};

use clap::Subcommand;
use serde::Serialize;

use crate::admin_client::{AdminClient, AdminError};
use crate::store::ChannelInfo;

/// What `wadesk-relay channels` can do.
#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// Every channel with its head, acked seq, backlog and stored events.
    List,
    /// Creates a channel for a desktop's X25519 public key; prints the hook path and client key
    /// (shown once: the relay keeps only their hashes).
    Create {
        /// The desktop's channel public key, 32 bytes in base64.
        #[arg(long)]
        public_key: String,
        /// A label for this list.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revokes a channel: its hook URL and client key stop working, its open streams end, and
    /// its stored events are deleted.
    Revoke {
        /// The channel id (`ch_…`).
        channel_id: String,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Gives a channel a new client key (shown once); the old key stops working. The hook URL
    /// does not change.
    RotateClientKey {
        /// The channel id (`ch_…`).
        channel_id: String,
    },
}

/// Runs one command; returns the process exit code.
pub async fn run(client: &AdminClient, command: ChannelsCommand, json: bool) -> i32 {
    match execute(client, command, json).await {
        Ok(()) => 0,
        Err(e) => {
            if json {
                eprintln!("{}", serde_json::json!({ "code": e.code(), "message": e.to_string() }));
            } else {
                eprintln!("error: {e}");
            }
            e.exit_code()
        }
    }
}

async fn execute(client: &AdminClient, command: ChannelsCommand, json: bool) -> Result<(), AdminError> {
    match command {
        ChannelsCommand::List => {
            let list = client.list().await?;
            if json {
                print_json(&list);
            } else {
                print!("{}", table(&list.channels));
            }
        }
        ChannelsCommand::Create { public_key, label } => {
            let created = client.create(&public_key, &label).await?;
            if json {
                print_json(&created);
            } else {
                println!("channel    {}", created.channel_id);
                println!("hook path  {}", created.hook_path);
                println!("client key {}", created.client_key);
                println!("(shown once: the relay keeps only hashes of the hook token and the client key)");
            }
        }
        ChannelsCommand::Revoke { channel_id, yes } => {
            if !yes {
                confirm_revoke(&channel_id)?;
            }
            let revoked = client.revoke(&channel_id).await?;
            if json {
                print_json(&revoked);
            } else {
                println!("revoked {}: its hook URL and client key no longer work", revoked.channel_id);
            }
        }
        ChannelsCommand::RotateClientKey { channel_id } => {
            let rotated = client.rotate_client_key(&channel_id).await?;
            if json {
                print_json(&rotated);
            } else {
                println!("channel    {}", rotated.channel_id);
                println!("client key {}", rotated.client_key);
                println!("(shown once; the old key no longer works, the hook URL is unchanged)");
            }
        }
    }
    Ok(())
}

fn confirm_revoke(channel_id: &str) -> Result<(), AdminError> {
    if !std::io::stdin().is_terminal() {
        return Err(AdminError::Invalid("revoke deletes the channel and its events: add --yes to confirm".into()));
    }
    eprint!(
        "Revoke {channel_id}? Its hook URL and client key stop working at once and its stored events are deleted. [y/N] "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| AdminError::Failed(e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(AdminError::Invalid("not revoked".into()))
    }
}

fn print_json(value: &impl Serialize) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// The channel list as aligned columns.
fn table(channels: &[ChannelInfo]) -> String {
    if channels.is_empty() {
        return "no channels\n".into();
    }
    let mut out = format!("{:<20} {:>20} {:>20} {:>9} {:>9}  label\n", "channel", "head", "acked", "backlog", "stored");
    for c in channels {
        out.push_str(&format!(
            "{:<20} {:>20} {:>20} {:>9} {:>9}  {}\n",
            c.id, c.head, c.acked, c.backlog, c.stored, c.label
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up_and_says_when_there_is_nothing() {
        assert_eq!(table(&[]), "no channels\n");
        let row = ChannelInfo {
            id: "ch_abc".into(),
            label: "Shop".into(),
            created_at_ms: 1,
            head: 12,
            acked: 10,
            backlog: 2,
            stored: 12,
        };
        let text = table(&[row.clone(), ChannelInfo { id: "ch_second".into(), ..row }]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("ch_abc ") && lines[1].ends_with("  Shop"), "{text}");
        assert_eq!(lines[1].find("Shop"), lines[2].find("Shop"), "columns line up:\n{text}");
    }
}
