#!/usr/bin/env bash
# Starts (creating it on first use) a private PostgreSQL cluster under .data/, listening on loopback only,
# and prints its superuser connection string on stdout. Everything else goes to stderr.
#
#   scripts/postgres.sh NAME PORT [--fast]
#
# NAME   folder under .data/ (e.g. pg for ./run.sh, pg-test for ./test.sh)
# --fast disposable data: fsync and synchronous commit off (tests only)
set -euo pipefail

name=${1:?usage: postgres.sh NAME PORT [--fast]}
port=${2:?usage: postgres.sh NAME PORT [--fast]}
fast=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data/$name"
log="$root/.data/$name.log"
pwfile="$root/.data/$name.password"

say() { echo "postgres: $*" >&2; }

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin /opt/homebrew/bin /usr/local/bin /usr/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

if ! bin=$(find_bin); then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "PostgreSQL is not installed; installing it with apt-get"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >&2
    bin=$(find_bin)
  else
    say "PostgreSQL 15 or later is required. On Debian/Ubuntu run this script as root (it uses apt-get);"
    say "on macOS 'brew install postgresql@16'; elsewhere install it with your package manager,"
    say "or set ConnectionStrings__Default to a server you already have."
    exit 1
  fi
fi

# initdb and postgres refuse to run as root: run them as the postgres system user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$root/.data"
if [ ! -s "$data/PG_VERSION" ]; then
  say "creating cluster $data"
  rm -rf "$data"
  mkdir -p "$data"
  # A random superuser password, kept beside the cluster: the cluster listens on loopback but is still password-protected.
  [ -s "$pwfile" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwfile")
  tmp_pw=$(mktemp)
  cp "$pwfile" "$tmp_pw"
  if [ "$(id -u)" = 0 ]; then chown postgres "$data" "$tmp_pw"; fi
  as_owner "$bin/initdb" -D "$data" -U lazymigrate --pwfile="$tmp_pw" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
  rm -f "$tmp_pw"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = ''"
    echo "max_connections = 400"
    echo "shared_buffers = 256MB"
    if [ "$fast" = "--fast" ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >> "$data/postgresql.conf"
fi

if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  touch "$log"
  [ "$(id -u)" = 0 ] && chown postgres "$log"
  as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >&2
fi

echo "Host=127.0.0.1;Port=$port;Username=lazymigrate;Password=$(cat "$pwfile")"
