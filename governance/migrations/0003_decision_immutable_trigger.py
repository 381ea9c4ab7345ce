"""A recorded decision is immutable in the database too: on PostgreSQL a trigger refuses every
UPDATE and DELETE of a row of the decision table, whoever sends it (the application, the admin,
a shell, a script). A correction is a new row whose ``supersedes`` points to the decision it
corrects, so the application never needs either statement.

The trigger is row-level: TRUNCATE (used to empty a test database between tests, never by the
application) does not fire it, and neither do schema changes (ALTER TABLE). A future data
migration that really must rewrite decisions has to drop the trigger and create it again in
the same migration, in plain sight.

Other databases (SQLite, the local default) get nothing here; the services and the read-only
admin keep decisions unchanged there.
"""

from typing import Any

from django.db import migrations

FUNCTION = "governance_decision_refuse_change"
TRIGGER = "governance_decision_immutable"

CREATE = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION
        'A recorded decision cannot be changed or deleted (decision %, refused %).', OLD.id, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'To correct a decision, record a new decision that supersedes it.';
END;
$$;

CREATE TRIGGER {TRIGGER}
    BEFORE UPDATE OR DELETE ON governance_decision
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON governance_decision;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


class PostgreSQLOnlyRunSQL(migrations.RunSQL):
    """`RunSQL` that runs on PostgreSQL only (the SQL is PL/pgSQL) and does nothing elsewhere."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_bodies_meetings_decisions"),
    ]

    operations = [
        PostgreSQLOnlyRunSQL(sql=CREATE, reverse_sql=DROP),
    ]
