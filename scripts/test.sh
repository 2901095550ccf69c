#!/usr/bin/env bash
# Runs every test: UI type check and unit tests, formatting, clippy, the dependency boundary, Rust
# unit + integration tests (including the IPC bindings drift check), a bounded fuzz run of every
# parser of untrusted bytes, the OS keychain path under a private D-Bus session, and the end-to-end
# tests that drive the real window under Xvfb.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

step "UI: svelte-check, vitest"
npm run --prefix ui --silent check
npm run --prefix ui --silent test

step "rustfmt"
cargo fmt --all --check

step "dependency boundary: no tauri/wry/gtk/webkit outside src-tauri"
for pkg in wadesk-core wadesk-relay wadesk-sandbox wadesk; do
  if cargo tree -p "$pkg" -e normal,build --prefix none | grep -Ei '^(tauri|wry|gtk|gdk|webkit|javascriptcore|soup)'; then
    echo "$pkg pulls in a desktop crate (above); only src-tauri may." >&2
    exit 1
  fi
done

"$ROOT/scripts/build.sh"

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "PostgreSQL for the relay's PostgreSQL tests (scripts/lib/postgres.sh)"
# A private server on a loopback port, stopped on exit; the tests fail without it under CI.
source "$ROOT/scripts/lib/postgres.sh"
trap 'wadesk_pg_stop' EXIT

step "Rust unit and integration tests"
cargo nextest run --workspace --exclude wadesk-e2e --no-fail-fast

step "fuzz: every parser of untrusted bytes, ${FUZZ_SECONDS:-10} s per target (scripts/fuzz.sh)"
"$ROOT/scripts/fuzz.sh"

step "OS keychain (Secret Service via gnome-keyring on a private D-Bus session)"
keyhome=$(mktemp -d)
trap 'rm -rf "$keyhome"; wadesk_pg_stop' EXIT
HOME="$keyhome" XDG_DATA_HOME="$keyhome/share" dbus-run-session -- bash -c '
  printf "wadesk-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo nextest run -p wadesk-core --run-ignored only -E "test(keychain)" --no-fail-fast'

step "end-to-end: the real window under Xvfb over WebDriver"
# --retries: the two registration walk-throughs fail about one run in four on this 2-core machine,
# on the code before issue 8 as well (measured: 2 of 6 runs); nextest still lists each retry as
# FLAKY. A test that fails three times in a row fails the run.
timeout 600 xvfb-run -a -s "-screen 0 1280x800x24" cargo nextest run -p wadesk-e2e --no-fail-fast --retries 2
