"""Exporting the audit log: a period, one company or all, CSV or JSON lines; staff only."""

import csv
import datetime as dt
import io
import json
import os
import stat

from django.core.management import CommandError, call_command
from django.utils import timezone

import pytest

from companies.services import grant_create
from csam.audit.models import AuditEvent
from csam.audit.services import audit_record
from identity.models import User
from mandates.models import MandateState
from tests.companies.conftest import acting

pytestmark = pytest.mark.django_db
NEWCOMER = "85071412429"


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("audit_export", *args, stdout=out)
    return out.getvalue()


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def today() -> str:
    return timezone.localdate().isoformat()


def company_records(enterprise_number: str) -> list[dict]:
    """Today's export for one company, as JSON Lines, read back."""
    return jsonl(
        export(
            "--since",
            today(),
            "--until",
            today(),
            "--company",
            enterprise_number,
            "--format",
            "jsonl",
        )
    )


# --- Which events, for which period ---------------------------------------------------------------


def test_audit_export_holds_only_the_company_events_when_company_given(company_a, company_b):
    ours = audit_record(action="test.ours", tenant_id=company_a.pk)
    audit_record(action="test.theirs", tenant_id=company_b.pk)
    audit_record(action="test.nobody")
    records = company_records(company_a.enterprise_number)
    assert [r["id"] for r in records] == [ours.pk]


def test_audit_export_holds_grant_made_while_acting_for_company(world):
    grant_create(
        actor=acting(world.provider_manager, world.provider),
        tenant=world.provider,
        national_number=NEWCOMER,
        role=world.vat,
    )
    records = company_records(world.provider.enterprise_number)
    actions = [r["action"] for r in records]
    assert "companies.grant_created" in actions
    assert all(r["tenant_id"] == world.provider.pk for r in records)
    # The national register number of the new collaborator is nowhere in the export.
    assert NEWCOMER not in json.dumps(records)


@pytest.mark.parametrize("side", ["mandator", "mandatary"])
def test_audit_export_holds_a_mandate_between_companies_for_both(world, side):
    from tests.mandates.helpers import company_mandate

    mandate = company_mandate(world, MandateState.ACCEPTED)
    company = world.client if side == "mandator" else world.provider
    records = company_records(company.enterprise_number)
    mine = [r for r in records if r["object_type"] == "mandate"]
    assert [r["action"] for r in mine] == ["mandates.proposed", "mandates.accepted"]
    assert all(r["object_id"] == str(mandate.pk) for r in mine)
    assert all(r["data"]["company_side"] == side for r in mine)


def test_audit_export_holds_every_company_when_no_company_given(company_a, company_b):
    audit_record(action="test.a", tenant_id=company_a.pk)
    audit_record(action="test.b", tenant_id=company_b.pk)
    audit_record(action="test.none")
    records = jsonl(export("--since", today(), "--until", today(), "--format", "jsonl"))
    assert [r["action"] for r in records] == ["test.a", "test.b", "test.none"]


def test_audit_export_leaves_out_events_outside_period_when_period_given():
    audit_record(action="test.before")
    cut = timezone.now()
    audit_record(action="test.after")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    later = jsonl(export("--since", cut.isoformat(), "--until", today(), "--format", "jsonl"))
    earlier = jsonl(export("--since", yesterday, "--until", cut.isoformat(), "--format", "jsonl"))
    past = export("--since", yesterday, "--until", yesterday, "--format", "jsonl")
    assert [r["action"] for r in later] == ["test.after"]
    assert [r["action"] for r in earlier] == ["test.before"]
    assert past == ""


# --- The formats ---------------------------------------------------------------------------------


def test_audit_export_jsonl_carries_each_record_with_its_stored_hash():
    event = audit_record(action="test.one", actor_label="alice", data={"rows": 3})
    (record,) = jsonl(export("--since", today(), "--until", today(), "--format", "jsonl"))
    assert record["hash"] == event.hash
    assert record["prev_hash"] == event.prev_hash
    assert record["data"] == {"rows": 3}
    assert record["at"] == event.at.astimezone(dt.UTC).isoformat()


def test_audit_export_csv_neutralises_cells_a_spreadsheet_would_run():
    audit_record(action="test.one", actor_label="=HYPERLINK(1)", data={"k": "v"})
    rows = list(
        csv.DictReader(
            io.StringIO(export("--since", today(), "--until", today(), "--format", "csv"))
        )
    )
    assert len(rows) == 1
    assert rows[0]["actor_label"] == "'=HYPERLINK(1)"
    assert json.loads(rows[0]["data"]) == {"k": "v"}


def test_audit_export_writes_file_only_its_owner_reads(tmp_path):
    audit_record(action="test.one")
    target = tmp_path / "audit.csv"
    call_command(
        "audit_export",
        "--since",
        today(),
        "--until",
        today(),
        "--format",
        "csv",
        "--output",
        str(target),
        stderr=io.StringIO(),
    )
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_text().splitlines()[0].startswith("id,at,action")


# --- The export is itself audited; wrong input is refused ---------------------------------------


def test_audit_export_is_recorded_in_the_log(company_a):
    audit_record(action="test.one", tenant_id=company_a.pk)
    export(
        "--since",
        today(),
        "--until",
        today(),
        "--company",
        company_a.enterprise_number,
        "--format",
        "csv",
    )
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.tenant_id == company_a.pk
    assert event.data["records"] == 1
    assert event.data["format"] == "csv"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--company", "0403019262"], "Wrong enterprise number"),
        (["--company", "0403019261"], "No company"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "Wrong period"),
    ],
)
def test_audit_export_refused_when_input_wrong(args, message):
    base = {"--since": "2026-01-01", "--until": "2026-01-31", "--format": "jsonl"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    with pytest.raises(CommandError, match=message):
        export(*[part for pair in base.items() for part in pair])
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_audit_export_refused_when_date_not_a_date():
    with pytest.raises(CommandError, match="not a date"):
        export("--since", "yesterday", "--until", "2026-01-31", "--format", "jsonl")


# --- The staff page ------------------------------------------------------------------------------

ADMIN_URL = "/admin/audit/auditevent/export/"


def _form(**overrides: str) -> dict[str, str]:
    return {"since": today(), "until": today(), "company": "", "format": "jsonl", **overrides}


@pytest.fixture
def superuser():
    return User.objects.create_superuser("staff", "staff@example.org", "a long staff password")


def test_admin_export_downloads_company_events_when_superuser(client, superuser, company_a):
    ours = audit_record(action="test.ours", tenant_id=company_a.pk)
    audit_record(action="test.theirs")
    client.force_login(superuser)
    response = client.post(ADMIN_URL, _form(company=company_a.enterprise_number))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    records = jsonl(b"".join(response.streaming_content).decode())
    assert [r["id"] for r in records] == [ours.pk]
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor_user_id == superuser.pk
    assert exported.data["channel"] == "admin"


def test_admin_export_form_refuses_unknown_company(client, superuser):
    client.force_login(superuser)
    response = client.post(ADMIN_URL, _form(company="0403019261"))
    assert response.status_code == 200
    assert "No company has this enterprise number." in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_admin_export_forbidden_when_staff_without_audit_permission(client):
    staff = User.objects.create_user("clerk", "clerk@example.org", "a long clerk password")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    response = client.post(ADMIN_URL, _form())
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_admin_export_sends_to_login_when_not_staff(client, user):
    client.force_login(user)
    response = client.post(ADMIN_URL, _form())
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_changelist_links_to_export(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/audit/auditevent/")
    assert ADMIN_URL in response.content.decode()
