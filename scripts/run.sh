#!/usr/bin/env bash
# Installs what is missing, builds, and launches Wadesk on the sandbox account.
# With a display it opens the window on your own data. Without one (a server, CI) it runs a demo:
# a private HOME under artifacts/demo, the OS keychain (gnome-keyring on a private D-Bus session),
# a store created by the CLI, the window under Xvfb, and a screenshot saved to artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  step "launch Wadesk"
  exec "$BIN/wadesk-desktop"
fi

DEMO="${WADESK_DEMO_DIR:-$ROOT/artifacts/demo}"
mkdir -p "$DEMO/home"
export HOME="$DEMO/home" XDG_DATA_HOME="$DEMO/home/share" XDG_CONFIG_HOME="$DEMO/home/config" \
  XDG_CACHE_HOME="$DEMO/home/cache" WADESK_DATA_DIR="$DEMO/data" BIN ROOT
export WADESK_SCREENSHOT="${WADESK_SCREENSHOT:-$ROOT/artifacts/wadesk-accounts.png}"
step "no display: running the window under Xvfb with a private keychain (data in $DEMO)"
exec dbus-run-session -- bash "$ROOT/scripts/lib/headless-demo.sh"
