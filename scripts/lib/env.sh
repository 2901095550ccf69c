# Shared by the scripts: paths, and the target dir kept outside the clone so CI and fresh clones on
# the same machine reuse compiled dependencies (a cold build still works, only slower).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wadesk/target}"
# Pinned before any script changes HOME (private keychains, demo homes).
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
BIN="$CARGO_TARGET_DIR/debug"
step() { printf '\n==> %s\n' "$*"; }
