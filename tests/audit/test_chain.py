"""The audit chain: written in order under concurrency, refused changes on PostgreSQL, and every
break found by `audit_verify` (on any database)."""

import threading

from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

import pytest

from csam.audit.models import AuditEvent
from csam.audit.services import ChainFault, _digest, audit_chain_verify, audit_record
from tests.audit.conftest import record_events, tamper

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger and concurrent transactions exist on PostgreSQL (CI)",
)


def verify(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


# --- Writing the chain ---------------------------------------------------------------------------


def test_audit_record_links_each_event_to_the_one_before():
    first, second, third = record_events(3)
    assert first.prev_hash == ""
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash


def test_audit_record_chain_cannot_fork_when_two_records_name_the_same_predecessor():
    first, second = record_events(2)
    fork = AuditEvent(
        at=second.at, action="test.fork", prev_hash=first.hash, hash="f" * 64, data={}
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_audit_record_waits_for_concurrent_writer_and_chains_after_it_when_postgresql():
    # Given a transaction that appended an event and has not committed yet,
    written = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                audit_record(action="test.slow")
                written.set()
                release.wait(timeout=10)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def second_writer() -> None:
        try:
            audit_record(action="test.second")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    audit_record(action="test.genesis")
    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert written.wait(timeout=10)
    # when a second transaction appends meanwhile,
    second = threading.Thread(target=second_writer)
    second.start()
    second.join(timeout=0.5)
    still_waiting = second.is_alive()
    release.set()
    slow.join(timeout=10)
    second.join(timeout=10)
    # then it waited for the first to commit and chained onto its event, not onto the same
    # predecessor.
    assert errors == []
    assert still_waiting
    slow_event = AuditEvent.objects.get(action="test.slow")
    second_event = AuditEvent.objects.get(action="test.second")
    assert second_event.prev_hash == slow_event.hash
    assert audit_chain_verify().intact


# --- Refused changes on PostgreSQL ---------------------------------------------------------------


@postgresql_only
def test_audit_row_update_refused_when_postgresql():
    event = audit_record(action="test.original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.original"


@postgresql_only
def test_audit_row_save_over_existing_refused_when_postgresql():
    event = audit_record(action="test.original", data={"amount": 1})
    event.data = {"amount": 1000}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).data == {"amount": 1}


@postgresql_only
def test_audit_row_delete_refused_when_postgresql():
    event = audit_record(action="test.original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET hash = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_audit_row_raw_sql_change_refused_when_postgresql(sql):
    event = audit_record(action="test.original")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


@postgresql_only
def test_audit_trigger_migration_reverses_and_applies_again_when_postgresql():
    from importlib import import_module

    migration = import_module("csam.audit.migrations.0004_append_only_trigger")
    event = audit_record(action="test.original")
    with connection.schema_editor() as editor:
        migration.drop_trigger(None, editor)
    with transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.allowed_without_trigger")
    with connection.schema_editor() as editor:
        migration.create_trigger(None, editor)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


# --- audit_verify finds every break ---------------------------------------------------------------


def test_audit_verify_reports_intact_chain_with_last_hash():
    events = record_events(3)
    output = verify()
    assert "intact: 3 records" in output
    assert events[-1].hash in output


def test_audit_verify_names_record_when_its_content_changed_by_hand():
    events = record_events(4)
    tamper("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["mallory", events[2].pk])
    with pytest.raises(CommandError, match=rf"record #{events[2].pk} .*was changed"):
        verify()
    report = audit_chain_verify()
    assert report.first_break == events[2]
    assert report.fault == ChainFault.CONTENT_CHANGED
    assert report.checked == 2


def test_audit_verify_names_next_record_when_one_deleted_by_hand():
    events = record_events(4)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=rf"record #{events[2].pk} .*does not link"):
        verify()
    assert audit_chain_verify().fault == ChainFault.LINK_BROKEN


def test_audit_verify_names_next_record_when_one_rewritten_with_fresh_hash():
    # An intruder who recomputes the edited record's own hash still breaks the next link.
    events = record_events(3)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.data = {"n": 99}
    tamper(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE id = %s",
        ['{"n": 99}', _digest(forged), events[1].pk],
    )
    report = audit_chain_verify()
    assert report.first_break == events[2]
    assert report.fault == ChainFault.LINK_BROKEN


def test_audit_verify_names_first_remaining_record_when_first_deleted_by_hand():
    events = record_events(3)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    report = audit_chain_verify()
    assert report.first_break == events[1]
    assert report.fault == ChainFault.LINK_BROKEN


def test_audit_verify_fails_when_expected_hash_gone_after_newest_records_deleted():
    events = record_events(3)
    kept_hash = events[-1].hash
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    # The shortened chain still holds on its own...
    assert audit_chain_first_break_is_none()
    # ...but the hash kept from an earlier run is gone.
    with pytest.raises(CommandError, match=kept_hash):
        verify("--expect", kept_hash)


def test_audit_verify_passes_when_expected_hash_still_in_chain():
    events = record_events(2)
    assert "intact" in verify("--expect", events[0].hash)


def audit_chain_first_break_is_none() -> bool:
    return audit_chain_verify().first_break is None


# --- The trail outlives what it describes ---------------------------------------------------------


def test_audit_event_has_no_relation_that_a_deletion_could_cascade_through():
    assert [f.name for f in AuditEvent._meta.get_fields() if f.is_relation] == []


def test_audit_events_survive_when_actor_and_company_deleted(user, company_a):
    event = audit_record(
        action="test.change",
        actor_user_id=user.pk,
        actor_label=user.username,
        acting_for=str(company_a),
        tenant_id=company_a.pk,
    )
    user.delete()
    company_a.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_user_id, kept.actor_label, kept.tenant_id) == (
        event.actor_user_id,
        event.actor_label,
        event.tenant_id,
    )
    assert audit_chain_verify().intact
