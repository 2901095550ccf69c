#!/usr/bin/env bash
# Installs what is missing on a Debian/Ubuntu machine with Rust and Node: system libraries for
# Tauri/WebKitGTK, Xvfb and the WebDriver for headless runs, gnome-keyring for the OS keychain,
# the cargo tools the tests use, and the UI's npm packages. Safe to run again: it skips what is there.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

APT_PACKAGES=(build-essential pkg-config libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver
  gnome-keyring dbus dbus-x11 imagemagick)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
node_minor=$(node -p 'process.versions.node.split(".")[1]')
if ((node_major < 20 || (node_major == 20 && node_minor < 19))); then
  echo "Node $(node --version) is too old: Vite 8 needs Node 20.19 or newer." >&2
  exit 1
fi

command -v cargo-nextest >/dev/null || { step "cargo install cargo-nextest"; cargo install cargo-nextest --locked; }
command -v tauri-driver >/dev/null || { step "cargo install tauri-driver"; cargo install tauri-driver --locked; }
# The fuzz targets (scripts/fuzz.sh) run under libFuzzer through cargo fuzz, on stable Rust (no sanitizer).
command -v cargo-fuzz >/dev/null || { step "cargo install cargo-fuzz"; cargo install cargo-fuzz --locked; }

if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
  step "npm ci (ui)"
  npm ci --prefix "$ROOT/ui" --no-audit --no-fund --loglevel=error
fi
