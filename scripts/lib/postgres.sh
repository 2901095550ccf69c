# Sourced by scripts/test.sh (or by hand: `source scripts/lib/postgres.sh`): a private PostgreSQL
# server for the relay's PostgreSQL tests, and WADESK_TEST_DATABASE_URL pointing at it.
#
# - Installs PostgreSQL from Debian's packages when no server binaries are found.
# - Initialises a throwaway cluster in a temp dir owned by the `postgres` user (initdb refuses
#   root), trust auth, listening on 127.0.0.1 only, on a free port; creates database wadesk_test.
# - `wadesk_pg_stop` stops it and removes the dir (test.sh calls it on exit).
# Tests create a database each under this server, so they run in parallel.

wadesk_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

wadesk_pg_start() {
  local bin port dir
  bin=$(wadesk_pg_bin || true)
  if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed: installing it from Debian's packages" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "need root to apt-get install postgresql (or set WADESK_TEST_DATABASE_URL)" >&2
      return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(wadesk_pg_bin) || { echo "no PostgreSQL binaries after installing postgresql" >&2; return 1; }
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  dir=$(mktemp -d /tmp/wadesk-pg.XXXXXX)
  chown postgres: "$dir"
  # A free loopback port: the first of a range nobody answers on.
  for port in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  done
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=400 -c fsync=on" \
    >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt -c "CREATE DATABASE wadesk_test" >/dev/null
  WADESK_PG_DIR="$dir"
  WADESK_PG_CTL="$bin/pg_ctl"
  export WADESK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/wadesk_test"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests: $WADESK_TEST_DATABASE_URL"
}

wadesk_pg_stop() {
  if [ -n "${WADESK_PG_DIR:-}" ] && [ -d "$WADESK_PG_DIR/data" ]; then
    runuser -u postgres -- "$WADESK_PG_CTL" -D "$WADESK_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$WADESK_PG_DIR"
  fi
  WADESK_PG_DIR=""
}

if [ -z "${WADESK_TEST_DATABASE_URL:-}" ]; then
  wadesk_pg_start
fi
