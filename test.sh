#!/usr/bin/env bash
# Runs every test of LazyMigrate against real PostgreSQL, real MariaDB and a real browser.
#
#   ./test.sh [extra dotnet test options, e.g. --filter-class "*LoginTests"]
#
# PostgreSQL: ConnectionStrings__Default when set (a role that may CREATE DATABASE); else Testcontainers when a
# Docker engine answers; else a private cluster under .data/pg-test, installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")"

if [ -n "${ConnectionStrings__Default:-}" ]; then
  export LAZYMIGRATE_TEST_POSTGRES="$ConnectionStrings__Default"
elif [ -z "${LAZYMIGRATE_TEST_POSTGRES:-}" ] && ! docker info >/dev/null 2>&1; then
  LAZYMIGRATE_TEST_POSTGRES=$(scripts/postgres.sh pg-test "${LAZYMIGRATE_TEST_PG_PORT:-54330}" --fast)
  export LAZYMIGRATE_TEST_POSTGRES
fi

# Legacy databases of the MySQL/MariaDB kind are tested against a real private MariaDB server.
if [ -z "${LAZYMIGRATE_TEST_MARIADB:-}" ]; then
  LAZYMIGRATE_TEST_MARIADB=$(scripts/mariadb.sh mariadb-test "${LAZYMIGRATE_TEST_MARIADB_PORT:-33070}")
  export LAZYMIGRATE_TEST_MARIADB
fi

# Browser tests drive the system Chromium through Playwright (Playwright's own browser download is not used).
if [ -z "${LAZYMIGRATE_CHROMIUM:-}" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      echo "test.sh: installing chromium with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "test.sh: Chromium is required for the browser tests: install it, or set LAZYMIGRATE_CHROMIUM to its path." >&2
      exit 1
    fi
  fi
  LAZYMIGRATE_CHROMIUM=$(command -v chromium)
  export LAZYMIGRATE_CHROMIUM
fi

# The cluster tests put two server processes behind Debian's nginx, with the configuration in deploy/nginx/.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing nginx with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  else
    echo "test.sh: nginx is required for the cluster tests: install it, or set LAZYMIGRATE_NGINX to its path." >&2
    exit 1
  fi
fi

# The build bundles the console's script editor with npm; the browser tests use it. (Without Node.js the build still
# succeeds, with a plain textarea instead of the editor.)
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "test.sh: installing nodejs and npm with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

# The management API's OpenAPI document is linted by Redocly and Spectral (Management/OpenApiLintTests), from their
# lockfile; installed again only when the lockfile changed. No telemetry from either.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false
if command -v npm >/dev/null 2>&1 && ! cmp -s tools/openapi-lint/package-lock.json tools/openapi-lint/node_modules/.installed-lock.json; then
  (cd tools/openapi-lint && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi

# The metrics tests check /metrics with Prometheus' own promtool (Debian's prometheus package, unpacked, not installed).
if [ -z "${LAZYMIGRATE_PROMTOOL:-}" ]; then
  LAZYMIGRATE_PROMTOOL=$(scripts/debian-tool.sh promtool prometheus)
  export LAZYMIGRATE_PROMTOOL
fi

# The Kubernetes manifests: rendered with Kustomize and validated against Kubernetes' and CloudNativePG's schemas,
# and a deliberately broken copy must be rejected (deploy/kubernetes/validate.sh; README, "Kubernetes").
deploy/kubernetes/validate.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build LazyMigrate.sln -c Release -warnaserror -nologo -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution LazyMigrate.sln -c Release --no-build --no-progress --results-directory "$PWD/TestResults" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line for whoever reads the log.
passed=$(awk '/^ *succeeded: /{n=$2} END{print n+0}' "$log")
failed=$(awk '/^ *failed: /{n=$2} END{print n+0}' "$log")
skipped=$(awk '/^ *skipped: /{n=$2} END{print n+0}' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
# The failures again, name and first lines of the message, so they are in the log's tail however long it is.
if [ "$failed" != 0 ]; then
  awk '/^ *failed [^:]/ {n=8} n>0 {print; n--}' "$log"
fi
exit "$status"
