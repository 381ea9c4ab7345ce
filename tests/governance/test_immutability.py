"""A recorded decision never changes: the application only inserts decisions (a correction is a
new row pointing to the one it supersedes), nothing cascades into them, and on PostgreSQL a
trigger refuses any UPDATE or DELETE of a decision row, whoever sends it."""

import importlib

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

import pytest

from governance.models import Decision
from governance.services import decision_record
from tests.factories.governance import ApplicationFactory
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger is PL/pgSQL; the suite runs on PostgreSQL in CI",
)
REFUSED = "A recorded decision cannot be changed or deleted"


@pytest.fixture
def decision(gov, meeting):
    return decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="member_approval",
        outcome="approved",
        votes_for=3,
        rationale="Meets the conditions.",
        application=ApplicationFactory(reported=True),
    )


def _writes_to_decisions(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "DELETE"))
        and "governance_decision" in q["sql"]
    ]


# --- On every database ----------------------------------------------------------------------------


def test_correction_only_inserts_when_superseding(gov, meeting, decision):
    with CaptureQueriesContext(connection) as queries:
        correction = decision_record(
            actor=actor(gov.mc_secretary),
            meeting=meeting,
            type="member_approval",
            outcome="rejected",
            votes_for=0,
            votes_against=3,
            rationale="The earlier record was wrong.",
            application=decision.application,
            supersedes=decision,
        )
    assert _writes_to_decisions(queries.captured_queries) == []
    assert correction.supersedes_id == decision.pk
    assert Decision.objects.get(pk=decision.pk).outcome == "approved"


def test_meeting_delete_refused_when_it_has_decisions(meeting, decision):
    # Nothing cascades into decisions: their meeting, body and links are protected.
    with pytest.raises(ProtectedError):
        meeting.delete()
    assert Decision.objects.filter(pk=decision.pk).exists()


# --- PostgreSQL trigger ---------------------------------------------------------------------------


@postgresql_only
def test_decision_update_refused_by_database_when_raw_sql(decision):
    with (
        pytest.raises(IntegrityError, match=REFUSED) as exc,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE governance_decision SET outcome = %s WHERE id = %s", ["rejected", decision.pk]
        )
    assert "refused UPDATE" in str(exc.value)
    assert Decision.objects.get(pk=decision.pk).outcome == "approved"


@postgresql_only
def test_decision_delete_refused_by_database_when_raw_sql(decision):
    with (
        pytest.raises(IntegrityError, match=REFUSED) as exc,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM governance_decision WHERE id = %s", [decision.pk])
    assert "refused DELETE" in str(exc.value)
    assert Decision.objects.filter(pk=decision.pk).exists()


@postgresql_only
def test_decision_changes_refused_by_database_when_through_orm(decision):
    decision.rationale = "Rewritten."
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        decision.save()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(votes_for=0)
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).delete()
    assert Decision.objects.get(pk=decision.pk).rationale == "Meets the conditions."


@postgresql_only
def test_decision_trigger_removed_by_reverse_migration_and_restored(decision):
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("governance.migrations.0003_decision_immutable_trigger")
    executor = MigrationExecutor(connection)
    executor.migrate([("governance", "0002_bodies_meetings_decisions")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [migration.TRIGGER])
        assert cursor.fetchone() == (0,)
        cursor.execute("UPDATE governance_decision SET votes_for = 2 WHERE id = %s", [decision.pk])
    executor = MigrationExecutor(connection)
    executor.migrate([("governance", "0003_decision_immutable_trigger")])
    with (
        pytest.raises(IntegrityError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE governance_decision SET votes_for = 3 WHERE id = %s", [decision.pk])
    assert Decision.objects.get(pk=decision.pk).votes_for == 2
