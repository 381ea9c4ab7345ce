-- The portal's database and its two roles (README, "Deploy", step 2). Run as PostgreSQL's
-- superuser, once:
--
--   psql -v database=csam -v owner=csam_owner -v portal=csam \
--        -v owner_password=... -v portal_password=... -f deploy/postgresql/setup.sql
--
-- The owner role owns the tables and runs the migrations (manage.py migrate). The portal role,
-- which the app servers and the Celery worker and beat use, reads and writes rows only; after
-- restrict.sql, it may add audit events but never change or remove them.
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"portal" LOGIN PASSWORD :'portal_password';
CREATE DATABASE :"database" OWNER :"owner";

\connect :"database"
GRANT USAGE ON SCHEMA public TO :"portal";
-- Every table and sequence the owner's migrations create, now and later.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"portal";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"portal";
