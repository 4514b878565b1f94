#!/usr/bin/env bash
# Runs LazyMigrate locally with everything a newcomer needs to see it work:
#
#   ./run.sh
#
# PostgreSQL: ConnectionStrings__Default when set; otherwise a private cluster under .data/pg (installed with apt-get
# when missing). Seeds an administrator, the client behind /demo and a machine client, then starts the server.
# Every LazyMigrate__* / ConnectionStrings__* variable already set in the environment wins over the defaults below.
set -euo pipefail
cd "$(dirname "$0")"

port=${LAZYMIGRATE_PORT:-5000}
issuer=${LazyMigrate__Issuer:-http://localhost:$port}
issuer=${issuer%/}

if [ -z "${ConnectionStrings__Default:-}" ]; then
  pg_port=${LAZYMIGRATE_PG_PORT:-54329}
  server=$(scripts/postgres.sh pg "$pg_port")
  # The server migrates the database on start; it only has to exist.
  export PGPASSWORD; PGPASSWORD=$(cat .data/pg.password)
  psql -h 127.0.0.1 -p "$pg_port" -U lazymigrate -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'lazymigrate'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$pg_port" -U lazymigrate -d postgres -qc "CREATE DATABASE lazymigrate"
  # The demo legacy user database (1,000 users with bcrypt, salted SHA-256 and MD5 hashes), created once.
  if ! psql -h 127.0.0.1 -p "$pg_port" -U lazymigrate -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'legacy_demo'" | grep -q 1; then
    echo "run.sh: creating the demo legacy database legacy_demo (about ten seconds, once)" >&2
    psql -h 127.0.0.1 -p "$pg_port" -U lazymigrate -d postgres -qc "CREATE DATABASE legacy_demo"
    psql -h 127.0.0.1 -p "$pg_port" -U lazymigrate -d legacy_demo -q -v ON_ERROR_STOP=1 -f demo/legacy/legacy-database.sql >/dev/null
  fi
  # The demo legacy connection reads the legacy users as a role that can do nothing else (demo/legacy/reader-role.sql).
  [ -s .data/legacy-reader.password ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > .data/legacy-reader.password)
  psql -h 127.0.0.1 -p "$pg_port" -U lazymigrate -d legacy_demo -q -v ON_ERROR_STOP=1 \
    -v password="$(cat .data/legacy-reader.password)" -f demo/legacy/reader-role.sql >/dev/null
  unset PGPASSWORD
  ConnectionStrings__Default="$server;Database=lazymigrate"
  legacy_demo="Host=127.0.0.1;Port=$pg_port;Username=legacy_reader;Password=$(cat .data/legacy-reader.password);Database=legacy_demo"
fi
export ConnectionStrings__Default

# Connection 0: the demo legacy database, migrated lazily by the demo's own scripts (demo/legacy/*.js).
if [ -n "${legacy_demo:-}" ] && [ -z "${LazyMigrate__Connections__0__Name:-}" ]; then
  export LazyMigrate__Connections__0__Name=legacy
  export LazyMigrate__Connections__0__State=Importing
  export LazyMigrate__Connections__0__Database__Provider=postgres
  export LazyMigrate__Connections__0__Database__ConnectionString="$legacy_demo"
  export LazyMigrate__Connections__0__Scripts__Login="$PWD/demo/legacy/login.js"
  export LazyMigrate__Connections__0__Scripts__GetUser="$PWD/demo/legacy/getUser.js"
  export LazyMigrate__Connections__0__Scripts__CountUsers="$PWD/demo/legacy/countUsers.js"
  export LazyMigrate__Connections__0__Scripts__ListUsers="$PWD/demo/legacy/listUsers.js"
fi

# Local runs speak plain HTTP; a real deployment puts TLS in front (or uses an https issuer).
export LazyMigrate__Issuer="$issuer"
export LazyMigrate__AllowHttp=${LazyMigrate__AllowHttp:-true}
export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://localhost:$port}
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}

# Bootstrap administrator (created when missing; an existing one is never changed).
export LazyMigrate__Admin__Email=${LazyMigrate__Admin__Email:-admin@example.com}
export LazyMigrate__Admin__Password=${LazyMigrate__Admin__Password:-change-me-please}

# Client 0: the public client behind /demo (code flow + PKCE, no secret).
export LazyMigrate__Clients__0__ClientId=demo
export LazyMigrate__Clients__0__DisplayName="LazyMigrate demo"
export LazyMigrate__Clients__0__RedirectUris__0="$issuer/demo/callback"
export LazyMigrate__Clients__0__PostLogoutRedirectUris__0="$issuer/demo"

# Client 1: a machine client (client credentials only) allowed every management API scope.
export LazyMigrate__Clients__1__ClientId=machine
export LazyMigrate__Clients__1__ClientSecret=${LAZYMIGRATE_MACHINE_SECRET:-machine-secret-change-me}
export LazyMigrate__Clients__1__DisplayName="Machine client"
export LazyMigrate__Clients__1__Scopes__0=read:users
export LazyMigrate__Clients__1__Scopes__1=create:users
export LazyMigrate__Clients__1__Scopes__2=update:users
export LazyMigrate__Clients__1__Scopes__3=delete:users
export LazyMigrate__Clients__1__Scopes__4=read:connections
export LazyMigrate__Clients__1__Scopes__5=update:connections
export LazyMigrate__Clients__1__Scopes__6=read:stats
export LazyMigrate__Clients__1__Scopes__7=read:clients
export LazyMigrate__Clients__1__Scopes__8=update:clients
export LazyMigrate__Clients__1__Scopes__9=read:logs
export LazyMigrate__Clients__1__Scopes__10=import:users
export LazyMigrate__Clients__1__Scopes__11=export:users

# Node.js and npm bundle the console's script editor (CodeMirror, pinned by package-lock.json) during the build;
# without them the editor is a plain textarea.
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "run.sh: installing nodejs and npm with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

cat <<INFO
LazyMigrate is starting on $issuer
  Admin console:     $issuer/console   (sign in as $LazyMigrate__Admin__Email / $LazyMigrate__Admin__Password)
  Demo application:  $issuer/demo   (sign in with any account, e.g. a legacy user below)
  Legacy users (not migrated yet; sign in on /demo and watch them move over):
                     ada.lovelace@legacy.example / analytical-engine-1843   (bcrypt)
                     grace.hopper@legacy.example / compiler-a0-1952         (salted SHA-256)
                     alan.turing@legacy.example  / bombe-at-bletchley       (MD5)
                     and user N of 1,000 with password legacy-NNNN, e.g. maria.tanaka4@legacy.example / legacy-0004
  Discovery:         $issuer/.well-known/openid-configuration
  Health:            $issuer/health/ready    Metrics: $issuer/metrics
  Machine client:    machine / $LazyMigrate__Clients__1__ClientSecret
                     curl -s -u machine:$LazyMigrate__Clients__1__ClientSecret -d grant_type=client_credentials -d scope=read:users $issuer/connect/token
  Management API:    $issuer/api/v1   OpenAPI: $issuer/openapi/v1.json   (README: "Management API")
INFO

exec dotnet run -c Release --project src/LazyMigrate.Server --no-launch-profile
