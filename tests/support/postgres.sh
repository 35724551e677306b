#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the server's tests, from Debian's binaries (package `postgresql`; no cluster
# needs to run, and the system's clusters are left alone).
#   tests/support/postgres.sh start [DIR]   create (if needed) and start it; prints the URL. Idempotent.
#   tests/support/postgres.sh url [DIR]     prints the URL of the running cluster
#   tests/support/postgres.sh stop [DIR]    stops it and removes DIR
# DIR defaults to /tmp/fieldnotes-pg-<pid of start>; the last one started is remembered in /tmp/fieldnotes-pg.current.
# It listens on a unix socket in DIR/socket and on 127.0.0.1 at a free port, with `trust` auth, fsync off.
# Use:  export FIELDNOTES_TEST_PG_URL=$(tests/support/postgres.sh start)
set -euo pipefail

cmd=${1:-}
current=/tmp/fieldnotes-pg.current
db=fieldnotes_test

bindir=""
for candidate in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then bindir=$candidate; break; fi
done
[[ -n $bindir ]] || { echo "postgres.sh: PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }

as_pg() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pick_dir() {
    if [[ -n ${2:-} ]]; then echo "$2"
    elif [[ $1 != start && -f $current ]]; then cat "$current"
    else echo "/tmp/fieldnotes-pg-$$"; fi
}

url_of() {
    local dir=$1
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/$db"
}

running() {
    local dir=$1
    [[ -f $dir/data/PG_VERSION && -f $dir/port ]] && as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
    if [[ -z ${2:-} && -f $current ]] && running "$(cat "$current")"; then
        url_of "$(cat "$current")"; exit 0
    fi
    dir=$(pick_dir start "${2:-}")
    if running "$dir"; then url_of "$dir"; echo "$dir" >"$current"; exit 0; fi
    mkdir -p "$dir/socket"
    if [[ $(id -u) -eq 0 ]]; then chown -R postgres:postgres "$dir"; fi
    chmod 700 "$dir"
    if [[ ! -f $dir/data/PG_VERSION ]]; then
        as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
            >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=$(free_port)
    echo "$port" >"$dir/port"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir/port"; fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    if ! as_pg "$bindir/psql" -h "$dir/socket" -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        as_pg "$bindir/createdb" -h "$dir/socket" -p "$port" -U postgres "$db"
    fi
    echo "$dir" >"$current"
    url_of "$dir"
    ;;
url)
    dir=$(pick_dir url "${2:-}")
    running "$dir" || { echo "postgres.sh: no cluster runs in $dir" >&2; exit 1; }
    url_of "$dir"
    ;;
stop)
    dir=$(pick_dir stop "${2:-}")
    if [[ -f $dir/data/PG_VERSION ]]; then
        as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in /tmp/fieldnotes-pg-*) rm -rf "$dir" ;; esac
    if [[ -f $current && $(cat "$current") == "$dir" ]]; then rm -f "$current"; fi
    ;;
*)
    echo "usage: $0 start|stop|url [DIR]" >&2; exit 2 ;;
esac
