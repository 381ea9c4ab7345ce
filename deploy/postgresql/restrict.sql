-- After every `manage.py migrate` (README, "Deploy", steps 6 and "Upgrading"), as the superuser
-- or the owner role, in the portal's database:
--
--   psql -d csam -v portal=csam -f deploy/postgresql/restrict.sql
--
-- The portal role may add audit events, never change or remove them (besides the trigger of
-- migration audit.0004, which the table's owner could disable, and which TRUNCATE skips).
\set ON_ERROR_STOP on

REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM :"portal";
