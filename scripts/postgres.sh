#!/usr/bin/env bash
# A throwaway PostgreSQL for tests (Debian's PostgreSQL 15 binaries, or any on PATH).
#
#   bash scripts/postgres.sh start [DIR]   # initdb into DIR (default: a new temp folder), start it on
#                                          # 127.0.0.1 at a free port, print its SQLAlchemy URL on stdout
#   bash scripts/postgres.sh stop DIR      # stop it and delete DIR
#
# Nothing is kept: fsync is off and the folder is deleted on stop. PostgreSQL refuses to run
# as root, so as root the server runs as the `postgres` user (runuser).
set -euo pipefail

usage() { echo "usage: bash scripts/postgres.sh start [DIR] | stop DIR" >&2; exit 2; }

bindir=""
for candidate in /usr/lib/postgresql/15/bin "$(command -v pg_config >/dev/null 2>&1 && pg_config --bindir || true)" /usr/lib/postgresql/*/bin; do
    if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
        bindir="$candidate"
        break
    fi
done
if [[ -z "$bindir" ]]; then
    echo "postgres.sh: no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and pg_config)." \
         "Install them with: apt-get install postgresql-15" >&2
    exit 1
fi

as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cmd="${1:-}"
case "$cmd" in
    start)
        dir="${2:-$(mktemp -d /tmp/simulator-pg.XXXXXX)}"
        mkdir -p "$dir"
        if [[ "$(id -u)" -eq 0 ]]; then
            if ! id postgres >/dev/null 2>&1; then
                echo "postgres.sh: running as root but there is no 'postgres' user to run the server as." >&2
                exit 1
            fi
            chown postgres: "$dir"
        fi
        port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
        as_owner "$bindir/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
            --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { echo "postgres.sh: initdb failed; see $dir/initdb.log" >&2; cat "$dir/initdb.log" >&2; exit 1; }
        as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 start \
            -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >/dev/null \
            || { echo "postgres.sh: the server did not start; see $dir/server.log" >&2; cat "$dir/server.log" >&2; exit 1; }
        echo "postgres.sh: started in $dir; stop it with: bash scripts/postgres.sh stop $dir" >&2
        echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
        ;;
    stop)
        dir="${2:-}"
        [[ -n "$dir" ]] || usage
        if [[ -f "$dir/data/postmaster.pid" ]]; then
            as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait stop >/dev/null || true
        fi
        rm -rf "$dir"
        ;;
    *)
        usage
        ;;
esac
