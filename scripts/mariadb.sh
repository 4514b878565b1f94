#!/usr/bin/env bash
# Starts (creating it on first use) a private MariaDB server under .data/, on loopback only, and prints a
# connection string for its root-equivalent user on stdout. Used by the sandbox tests for MySQL/MariaDB legacy databases.
#
#   scripts/mariadb.sh NAME PORT
set -euo pipefail

name=${1:?usage: mariadb.sh NAME PORT}
port=${2:?usage: mariadb.sh NAME PORT}
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data/$name"
sock="/tmp/lazymigrate-$name-$port.sock"
pwfile="$root/.data/$name.password"

say() { echo "mariadb: $*" >&2; }

if ! command -v mariadbd >/dev/null 2>&1 && ! [ -x /usr/sbin/mariadbd ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "MariaDB is not installed; installing it with apt-get"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >&2
  else
    say "MariaDB 10.6 or later is required: install mariadb-server with your package manager."
    exit 1
  fi
fi
PATH="$PATH:/usr/sbin"

owner=$(id -un)
[ "$(id -u)" = 0 ] && owner=mysql
mkdir -p "$root/.data"
[ -s "$pwfile" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwfile")
password=$(cat "$pwfile")

if [ ! -d "$data/mysql" ]; then
  say "creating server $data"
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown mysql "$data"
  mariadb-install-db --datadir="$data" --user="$owner" --auth-root-authentication-method=socket --skip-test-db >/dev/null 2>&1
  fresh=1
fi

if ! mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; then
  nohup mariadbd --no-defaults --datadir="$data" --user="$owner" --port="$port" --bind-address=127.0.0.1 \
    --socket="$sock" --pid-file="$data/mariadbd.pid" --log-error="$root/.data/$name.log" \
    --skip-name-resolve --innodb-flush-log-at-trx-commit=0 --max-connections=300 >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
fi

if [ "${fresh:-0}" = 1 ] || ! mariadb --socket="$sock" -uroot -e "SELECT 1 FROM mysql.user WHERE user='lazymigrate'" 2>/dev/null | grep -q 1; then
  mariadb --socket="$sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'lazymigrate'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS 'lazymigrate'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'lazymigrate'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'lazymigrate'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
fi

echo "Server=127.0.0.1;Port=$port;User ID=lazymigrate;Password=$password"
