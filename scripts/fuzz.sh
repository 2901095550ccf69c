#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets: the relay's wire tap, the sealed envelope, stream
# frames, the relay config, store-key.json, channel public keys, the template send syntax, Meta
# webhooks and template objects, …) under libFuzzer for a bounded time.
#   bash scripts/fuzz.sh                      # each target FUZZ_SECONDS (default 10) seconds
#   FUZZ_SECONDS=3600 bash scripts/fuzz.sh    # longer
#   bash scripts/fuzz.sh wire_tap             # only the named targets
# The committed seeds (fuzz/seeds/<target>) start each run; what a run learns stays in the
# untracked fuzz/corpus/<target>, so longer local runs build on earlier ones. A crash exits non-zero
# and leaves the input in fuzz/artifacts/<target>/ (`cargo fuzz run -s none <target> <file>`
# replays it). Stable Rust: coverage-guided, without a sanitizer (Rust code is memory-safe here:
# unsafe_code is forbidden), with overflow checks and debug assertions on.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
# Other compiler flags than the normal build: its own target dir, so neither rebuilds the other.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/wadesk/fuzz-target}"
cd "$ROOT/fuzz"
secs="${FUZZ_SECONDS:-10}"
targets=("$@")
((${#targets[@]})) || mapfile -t targets < <(cargo fuzz list)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  step "fuzz $t for ${secs}s"
  mkdir -p "corpus/$t" "seeds/$t"
  if ! cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 80 "$log" >&2
    echo "fuzz target $t failed (a crash leaves its input in fuzz/artifacts/$t/)" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done ' "$log" | tr '\n' ' '
  echo
done
