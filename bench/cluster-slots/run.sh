#!/usr/bin/env bash
# Cost of the cluster-wide legacy bulkhead per call: pgbench runs take-and-free.sql (the two statements a legacy call
# adds) against a scratch database, with 1 client and with 16 clients sharing the 32 slots.
#   PGHOST=… PGPORT=… PGUSER=… PGPASSWORD=… bench/cluster-slots/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-10}
pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
database=lazymigrate_slots_bench_$$
psql -d postgres -qc "CREATE DATABASE $database"
trap 'psql -d postgres -qc "DROP DATABASE IF EXISTS $database"' EXIT
psql -d "$database" -q -f schema.sql
for clients in 1 16; do
  echo "== $clients client(s), $seconds s"
  "$pgbench" -n -M prepared -f take-and-free.sql -c "$clients" -j "$([ "$clients" -gt 1 ] && echo 2 || echo 1)" -T "$seconds" "$database" \
    | grep -E "latency average|tps"
done
