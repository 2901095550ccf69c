#!/usr/bin/env bash
# The relay's durable ingest measured from outside with wrk (the method of the relay-at-scale
# issue): the release `wadesk-relay` on a fresh data dir, wrk -t2 for 10 s at 16, 64 and 256
# connections posting a ~1 KiB ChatArchitect status webhook (benches/wrk/chatarchitect_status.lua),
# three alternating rounds, medians printed. Checks that the relay stored exactly the webhooks it
# answered 2xx, and prints the relay's CPU per webhook and relay.db bytes per event.
#
#   bash scripts/bench-relay-wrk.sh            # knobs: ROUNDS=3 DURATION=10s CONNECTIONS="16 64 256"
#                                              # RELAY=path/to/wadesk-relay measures that binary
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
cd "$ROOT"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-16 64 256}"
PORT="${PORT:-18787}"
LUA="$ROOT/crates/relay/benches/wrk/chatarchitect_status.lua"

if ! command -v wrk >/dev/null; then
  step "apt-get install wrk"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
if [ -z "${RELAY:-}" ]; then
  step "building wadesk-relay (release)"
  cargo build --release -p wadesk-relay --quiet
  RELAY="$CARGO_TARGET_DIR/release/wadesk-relay"
fi

work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
head -c 32 /dev/urandom | base64 > "$work/admin-token"
export WADESK_RELAY_ADMIN_TOKEN_FILE="$work/admin-token"
"$RELAY" --listen "127.0.0.1:$PORT" --data-dir "$work/data" --rate-per-sec 10000000 --burst 10000000 \
  > "$work/relay.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

public_key="$(openssl genpkey -algorithm X25519 2>/dev/null | openssl pkey -pubout -outform DER | tail -c 32 | base64)"
created="$("$RELAY" channels create --public-key "$public_key" --label wrk --json --url "http://127.0.0.1:$PORT")"
hook="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hook_path"])')"
url="http://127.0.0.1:$PORT$hook"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks_per_s="$(getconf CLK_TCK)"
echo "machine: $(nproc) cores, $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t2 -c16 -d3s -s "$LUA" "$url" >/dev/null # warm-up (not reported)
ok_total=0
declare -A rates p99s cpus
for round in $(seq "$ROUNDS"); do
  for c in $CONNECTIONS; do
    before="$(cpu_ticks)"
    line="$(wrk -t2 -c"$c" -d"$DURATION" -s "$LUA" "$url" | grep WRKRESULT)"
    after="$(cpu_ticks)"
    eval "$(echo "$line" | sed 's/WRKRESULT //; s/\([a-z0-9_]*\)=/local_\1=/g')"
    ok=$((local_requests - local_non2xx))
    ok_total=$((ok_total + ok))
    rate="$(python3 -c "print(round($ok / ($local_duration_us / 1e6)))")"
    cpu_us="$(python3 -c "print(round(($after - $before) / $ticks_per_s * 1e6 / max($ok, 1)))")"
    printf 'round %s  %3s connections: %6s webhooks/s  p50 %5.1f ms  p99 %6.1f ms  non-2xx %s  relay CPU %s µs/webhook\n' \
      "$round" "$c" "$rate" "$(python3 -c "print($local_p50_us/1000)")" "$(python3 -c "print($local_p99_us/1000)")" \
      "$local_non2xx" "$cpu_us"
    rates[$c]+="$rate "; p99s[$c]+="$local_p99_us "; cpus[$c]+="$cpu_us "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "medians of $ROUNDS rounds (wrk -t2, $DURATION):"
for c in $CONNECTIONS; do
  printf '  %3s connections: %6s webhooks/s, p99 %5.1f ms, relay CPU %s µs/webhook\n' "$c" \
    "$(echo "${rates[$c]}" | median)" "$(python3 -c "print($(echo "${p99s[$c]}" | median)/1000)")" \
    "$(echo "${cpus[$c]}" | median)"
done
stored="$("$RELAY" channels list --json --url "http://127.0.0.1:$PORT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["channels"][0]["stored"])')"
warm="$((stored - ok_total))"
echo "stored: $stored events = $ok_total 2xx answers in the measured runs + $warm in the warm-up"
kill "$pid"; wait "$pid" 2>/dev/null || true
db_bytes="$(stat -c %s "$work/data/relay.db")"
wal_bytes="$(stat -c %s "$work/data/relay.db-wal" 2>/dev/null || echo 0)"
echo "relay.db after shutdown: $db_bytes B (+ $wal_bytes B WAL) = $((db_bytes / stored)) B per stored event"
