-- The demo "legacy" user database that ./run.sh creates beside LazyMigrate's own: the kind of users table an older
-- application keeps, with a mix of password hash formats collected over the years. Loaded once, by psql.
--
-- Every user's password is 'legacy-' followed by the user's id padded to four digits (user 42: legacy-0042), except
-- the three sample users printed by ./run.sh.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE users (
    id             integer PRIMARY KEY,
    email          text NOT NULL UNIQUE,
    username       text NOT NULL UNIQUE,
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    phone          text,
    email_verified boolean NOT NULL DEFAULT false,
    -- 'bcrypt': password_hash is a $2a$ crypt string; 'sha256': hex(sha256(salt || password)); 'md5': hex(md5(password)).
    hash_algorithm text NOT NULL,
    password_hash  text NOT NULL,
    password_salt  text,
    created_at     timestamptz NOT NULL
);

-- Three sample users, one per hash format, with memorable passwords.
INSERT INTO users VALUES
    (1, 'ada.lovelace@legacy.example', 'ada', 'Ada', 'Lovelace', '+44 20 7946 0001', true,
        'bcrypt', crypt('analytical-engine-1843', gen_salt('bf', 10)), NULL, '2009-03-14 09:12:00+00'),
    (2, 'grace.hopper@legacy.example', 'grace', 'Grace', 'Hopper', '+1 202 555 0102', true,
        'sha256', encode(sha256(convert_to('c0b0l' || 'compiler-a0-1952', 'UTF8')), 'hex'), 'c0b0l', '2011-07-01 15:30:00+00'),
    (3, 'alan.turing@legacy.example', 'alan', 'Alan', 'Turing', NULL, false,
        'md5', md5('bombe-at-bletchley'), NULL, '2013-11-30 20:45:00+00');

-- 997 more with realistic names; mostly bcrypt, some salted SHA-256, a few unsalted MD5 from the oldest days.
WITH first_names(n, name) AS (
    SELECT row_number() OVER (), name FROM unnest(ARRAY[
        'Olivia','Liam','Emma','Noah','Amelia','Oliver','Sophia','Elijah','Mia','Lucas','Isabella','Mateo','Ava','Leo',
        'Chloé','Jonas','Ingrid','Mohammed','Aisha','Yuki','Haruto','Priya','Arjun','Zoë','Björn','Søren','Ana','João',
        'María','José','Fatima','Omar','Wei','Mei','Dmitri','Olga','Kwame','Amara','Siobhan','Declan']) AS name),
last_names(n, name) AS (
    SELECT row_number() OVER (), name FROM unnest(ARRAY[
        'Smith','Johnson','Williams','Brown','Jones','García','Miller','Davis','Rodríguez','Martínez','Müller','Schmidt',
        'Dubois','Lefèvre','Rossi','Bianchi','Nakamura','Tanaka','Kim','Park','Nguyen','Singh','Patel','Okafor',
        'Mensah','Andersson','Nilsson','Kowalski','Nowak','Ivanova','O''Brien','Murphy','Silva','Santos','Cohen']) AS name),
generated AS (
    SELECT i,
           (SELECT name FROM first_names WHERE n = 1 + (i * 7) % 40) AS first_name,
           (SELECT name FROM last_names WHERE n = 1 + (i * 13) % 35) AS last_name,
           CASE WHEN i % 10 < 7 THEN 'bcrypt' WHEN i % 10 < 9 THEN 'sha256' ELSE 'md5' END AS hash_algorithm,
           substr(md5('salt' || i), 1, 12) AS salt,
           'legacy-' || lpad(i::text, 4, '0') AS password
    FROM generate_series(4, 1000) AS i)
INSERT INTO users
SELECT i,
       lower(translate(first_name || '.' || last_name, 'éèüöøäáíóúëçñ''', 'eeuooaaiouecn')) || i || '@legacy.example',
       lower(translate(first_name, 'éèüöøäáíóúëçñ', 'eeuooaaiouecn')) || i,
       first_name,
       last_name,
       CASE WHEN i % 3 = 0 THEN '+1 555 01' || lpad((i % 100)::text, 2, '0') END,
       i % 4 <> 0,
       hash_algorithm,
       -- bcrypt cost 8 keeps the first ./run.sh under ten seconds; the sample user above uses a realistic cost 10.
       CASE hash_algorithm
           WHEN 'bcrypt' THEN crypt(password, gen_salt('bf', 8))
           WHEN 'sha256' THEN encode(sha256(convert_to(salt || password, 'UTF8')), 'hex')
           ELSE md5(password)
       END,
       CASE WHEN hash_algorithm = 'sha256' THEN salt END,
       timestamptz '2008-01-01' + make_interval(days => (i * 37) % 5800)
FROM generated;
