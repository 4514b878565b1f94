#!/usr/bin/env bash
# The whole migration campaign in one command: builds the server and the driver in Release and runs
# bench/LazyMigrate.CampaignBench (a seeded legacy database, our server in its own process, 30 simulated days of
# sign-ins through the login page, the pull import, the disconnect and the audit). Arguments go to the driver:
#
#   bench/campaign/run.sh [--users 100000] [--days 30] [--peak 100] [--concurrency 6] [--sample 2000] [--no-file-import]
#
# PostgreSQL: LAZYMIGRATE_BENCH_POSTGRES, else LAZYMIGRATE_TEST_POSTGRES (the tests' private cluster), else a private
# cluster of its own started with scripts/postgres.sh (port 54332, disposable data). Chromium: LAZYMIGRATE_CHROMIUM,
# else /usr/bin/chromium. Screenshots land in TestResults/campaign.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

export LAZYMIGRATE_BENCH_POSTGRES=${LAZYMIGRATE_BENCH_POSTGRES:-${LAZYMIGRATE_TEST_POSTGRES:-$("$root/scripts/postgres.sh" pg-bench 54332 --fast)}}

dotnet build "$root/src/LazyMigrate.Server" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
dotnet build "$root/bench/LazyMigrate.CampaignBench" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
exec dotnet "$root/bench/LazyMigrate.CampaignBench/bin/Release/net10.0/LazyMigrate.CampaignBench.dll" "$@"
