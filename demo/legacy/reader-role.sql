-- The demo legacy connection's own role (run by psql with -v password=... in the legacy_demo database, idempotent):
-- it may read the legacy users table and nothing else. Never give a legacy connection a superuser: a script could
-- then run COPY ... TO PROGRAM as the database's operating-system user, or read LazyMigrate's own tables.
SELECT format('CREATE ROLE legacy_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'legacy_reader') \gexec
ALTER ROLE legacy_reader PASSWORD :'password';

-- Only the legacy database, not LazyMigrate's own (PUBLIC may connect to every database by default).
REVOKE CONNECT ON DATABASE lazymigrate FROM PUBLIC;
GRANT CONNECT ON DATABASE legacy_demo TO legacy_reader;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO legacy_reader;
GRANT SELECT ON users TO legacy_reader;
