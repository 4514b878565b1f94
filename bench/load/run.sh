#!/usr/bin/env bash
# The load bench in one command: builds the server and the driver in Release, makes sure wrk and the peer's packages
# are there, and runs bench/LazyMigrate.LoadBench (a scratch PostgreSQL database, our server in its own process, the
# peer from ../shared/peer), which prints one table. Arguments go to the driver:
#
#   bench/load/run.sh [--duration 15] [--warmup 5] [--no-peer] [--first-sign-ins-only] [--hash pbkdf2|argon2id]
#
# PostgreSQL: LAZYMIGRATE_BENCH_POSTGRES, else LAZYMIGRATE_TEST_POSTGRES (the tests' private cluster), else a private
# cluster of its own started with scripts/postgres.sh (port 54332, disposable data).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v wrk >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
  else
    echo "load bench: wrk is required (apt-get install wrk)" >&2
    exit 1
  fi
fi

peer="$root/../shared/peer"
if [[ " $* " != *" --no-peer "* ]]; then
  if [ ! -d "$peer" ]; then
    echo "load bench: the peer is expected in $peer (or pass --no-peer)" >&2
    exit 1
  fi
  [ -d "$peer/node_modules" ] || (cd "$peer" && npm ci --no-audit --no-fund >&2)
fi

export LAZYMIGRATE_BENCH_POSTGRES=${LAZYMIGRATE_BENCH_POSTGRES:-${LAZYMIGRATE_TEST_POSTGRES:-$("$root/scripts/postgres.sh" pg-bench 54332 --fast)}}

dotnet build "$root/bench/LazyMigrate.LoadBench" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
exec dotnet "$root/bench/LazyMigrate.LoadBench/bin/Release/net10.0/LazyMigrate.LoadBench.dll" "$@"
