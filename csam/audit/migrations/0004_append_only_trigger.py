"""On PostgreSQL, the audit table refuses UPDATE and DELETE, whoever asks.

A row-level trigger raises before any change or removal of an audit record, so neither the portal
nor someone with the portal's database account can rewrite history through SQL; the hash chain
(``manage.py audit_verify``) remains the check for whoever could drop the trigger (the table
owner). TRUNCATE is not a row change and does not fire it: the test suite empties tables with it
between live-server tests. Production should run the portal under a role that is not the table's
owner and holds no TRUNCATE privilege (see the README, "Security").

SQLite has no such triggers with a clean error; there the migration does nothing.
"""

from django.db import migrations

FUNCTION = "audit_auditevent_refuse_change"
TRIGGER = "audit_auditevent_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % of record % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditevent;
CREATE TRIGGER {TRIGGER}
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditevent;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the "%" in the function body is PL/pgSQL, not a placeholder.
            schema_editor.execute(sql, params=None)

    return run


create_trigger = _on_postgresql(CREATE)
drop_trigger = _on_postgresql(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_prev_hash_unique"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
