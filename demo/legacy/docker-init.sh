#!/bin/sh
# Run once by the postgres image on its first start (docker-entrypoint-initdb.d): creates the demo legacy database
# beside LazyMigrate's own, as ./run.sh does for its private cluster.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE legacy_demo"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname legacy_demo -f /demo/legacy/legacy-database.sql
# The legacy connection's own read-only role (see reader-role.sql); its password is docker-compose.yml's.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname legacy_demo -v password="${LEGACY_READER_PASSWORD:-legacy-reader-compose}" \
  -f /demo/legacy/reader-role.sql
