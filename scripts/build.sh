#!/usr/bin/env bash
# Builds the UI, then the desktop app (which embeds ui/dist) and the CLI.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
step "build the UI"
npm run --prefix "$ROOT/ui" --silent build
step "build the app, the CLI and the relay"
cargo build --manifest-path "$ROOT/Cargo.toml" -p wadesk-desktop -p wadesk -p wadesk-relay
