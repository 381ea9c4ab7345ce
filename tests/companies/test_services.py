"""Grants and designations: who may, what is refused, what is kept, what is told."""

import datetime as dt
import threading

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

import pytest

from companies.exceptions import Conflict
from companies.models import AccessManager, AccessManagerKind, EndReason, Grant
from companies.services import (
    access_manager_designate,
    access_manager_end,
    grant_create,
    grant_revoke,
    grants_expire,
)
from csam.audit.models import AuditEvent, OutboxMessage
from csam.authz.actions import Action
from csam.authz.engine import decide
from identity.assurance import StepUpRequired
from tests.companies.conftest import acting
from tests.factories.companies import GrantFactory

pytestmark = pytest.mark.django_db
NEWCOMER = "85071412429"


# --- The permission matrix, against the engine ----------------------------------------------------

ACTORS = [
    "legal_rep",
    "main",
    "finance_manager",
    "social_manager",
    "collaborator",
    "other_manager",
    "anonymous",
]

# (action, target name) -> actors allowed
ALLOWED = {
    ("grant_vat", "companies.grant_role"): {"main", "finance_manager"},
    ("grant_dmfa", "companies.grant_role"): {"main", "social_manager"},
    ("designate_main", "companies.designate_main_manager"): {"legal_rep"},
    ("designate_domain", "companies.designate_manager"): {"main"},
    ("co_manager_finance", "companies.designate_domain_co_manager"): {"main", "finance_manager"},
    ("view", "companies.view"): {"legal_rep", "main", "finance_manager", "social_manager"},
}


def _target(tenant, name):
    return {
        "grant_vat": tenant.vat,
        "grant_dmfa": tenant.dmfa,
        "designate_main": ("main", None),
        "designate_domain": ("domain", tenant.finance),
        "co_manager_finance": ("co_domain", tenant.finance),
        "view": None,
    }[name]


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize(("target_name", "action"), list(ALLOWED))
def test_engine_company_actions_matrix(tenant, actor_name, target_name, action):
    user = None if actor_name == "anonymous" else getattr(tenant, actor_name)
    # The other company's manager acts for their own company: our company is not theirs.
    company = tenant.other_company if actor_name == "other_manager" else tenant.company
    decision = decide(
        actor=acting(user, company),
        action=Action(action),
        target=_target(tenant, target_name),
        tenant=tenant.company,
    )
    assert decision.allowed is (actor_name in ALLOWED[(target_name, action)]), decision.reasons


def test_engine_denies_manager_not_acting_for_company(tenant):
    decision = decide(
        actor=acting(tenant.main, None),
        action=Action.COMPANIES_GRANT_ROLE,
        target=tenant.vat,
        tenant=tenant.company,
    )
    assert decision.codes == ("not_acting_for_company",)


def test_engine_names_high_level_when_manager_at_substantial(tenant):
    decision = decide(
        actor=acting(tenant.main, tenant.company, "substantial"),
        action=Action.COMPANIES_GRANT_ROLE,
        target=tenant.vat,
        tenant=tenant.company,
    )
    assert not decision.allowed
    assert decision.codes == ("assurance_too_low",)
    assert decision.required_assurance == "high"


def test_engine_denies_when_designation_ended_even_if_permission_left(tenant):
    designation = AccessManager.objects.get(person=tenant.main.person)
    AccessManager.objects.filter(pk=designation.pk).update(ended_at=timezone.now())
    decision = decide(
        actor=acting(tenant.main, tenant.company),
        action=Action.COMPANIES_GRANT_ROLE,
        target=tenant.vat,
        tenant=tenant.company,
    )
    assert not decision.allowed


def test_engine_denies_when_permission_missing_even_if_designated(tenant):
    from guardian.shortcuts import remove_perm  # noqa: TID251 - the test breaks the sync on purpose

    remove_perm("companies.manage_all_access", tenant.main, tenant.company)
    decision = decide(
        actor=acting(tenant.main, tenant.company),
        action=Action.COMPANIES_GRANT_ROLE,
        target=tenant.vat,
        tenant=tenant.company,
    )
    assert not decision.allowed


def test_engine_denies_when_company_stopped(tenant):
    tenant.company.status = "stopped"
    tenant.company.save()
    decision = decide(
        actor=acting(tenant.main, tenant.company),
        action=Action.COMPANIES_GRANT_ROLE,
        target=tenant.vat,
        tenant=tenant.company,
    )
    assert "company_stopped" in decision.codes


# --- Granting ------------------------------------------------------------------------------------


def test_grant_create_names_collaborator_before_first_login(
    tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        grant = grant_create(
            actor=acting(tenant.finance_manager, tenant.company),
            tenant=tenant.company,
            national_number="85.07.14-124.29",
            role=tenant.vat,
        )
    assert grant.person.national_number == NEWCOMER
    assert grant.granted_by == tenant.finance_manager.person
    # The notice is written to the outbox with the grant and handed over after commit.
    assert OutboxMessage.objects.get(task="companies.tasks.grant_notify").delivered_at is not None
    assert callbacks  # the hand-over waits for the commit
    event = AuditEvent.objects.get(action="companies.grant_created")
    assert event.tenant_id == tenant.company.pk
    assert event.data["after"]["role"] == "declarant"
    assert NEWCOMER not in str(event.data)


def test_grant_create_emails_collaborator_with_account(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grant_create(
            actor=acting(tenant.main, tenant.company),
            tenant=tenant.company,
            national_number=tenant.collaborator.person.national_number,
            role=tenant.vat,
        )
    assert len(mail.outbox) == 1
    assert tenant.company.name in mail.outbox[0].subject
    assert mail.outbox[0].to == [tenant.collaborator.email]


def test_grant_notify_is_idempotent(tenant):
    from companies.tasks import grant_notify

    grant = Grant.objects.get(person=tenant.collaborator.person)
    assert grant_notify(grant_id=grant.pk, tenant_id=tenant.company.pk, event="granted") is True
    assert grant_notify(grant_id=grant.pk, tenant_id=tenant.company.pk, event="granted") is False
    assert len(mail.outbox) == 1
    assert grant_notify(grant_id=999999, tenant_id=tenant.company.pk, event="granted") is False


def test_grant_create_refused_when_role_outside_managers_domain(tenant):
    with pytest.raises(PermissionDenied):
        grant_create(
            actor=acting(tenant.finance_manager, tenant.company),
            tenant=tenant.company,
            national_number=NEWCOMER,
            role=tenant.dmfa,
        )
    assert not Grant.objects.filter(person__national_number=NEWCOMER).exists()


def test_grant_create_asks_step_up_when_substantial(tenant):
    with pytest.raises(StepUpRequired):
        grant_create(
            actor=acting(tenant.main, tenant.company, "substantial"),
            tenant=tenant.company,
            national_number=NEWCOMER,
            role=tenant.vat,
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"national_number": "85071412428"}, None),
        ({"valid_from": dt.date(2020, 1, 1)}, "valid_from"),
        ({"valid_until": dt.date(2000, 1, 1)}, "valid_until"),
    ],
)
def test_grant_create_refused_when_input_bad(tenant, kwargs, field):
    data = {"national_number": NEWCOMER, "role": tenant.vat} | kwargs
    with pytest.raises(ValidationError) as excinfo:
        grant_create(actor=acting(tenant.main, tenant.company), tenant=tenant.company, **data)
    if field:
        assert field in excinfo.value.message_dict
    assert Grant.objects.filter(company=tenant.company).count() == 1


def test_grant_create_refused_when_duplicate_active(tenant):
    actor = acting(tenant.main, tenant.company)
    with pytest.raises(ValidationError) as excinfo:
        grant_create(
            actor=actor,
            tenant=tenant.company,
            national_number=tenant.collaborator.person.national_number,
            role=tenant.dmfa,
        )
    assert "already holds" in str(excinfo.value)


def test_grant_create_refused_when_for_clients_not_allowed(tenant):
    with pytest.raises(ValidationError) as excinfo:
        grant_create(
            actor=acting(tenant.main, tenant.company),
            tenant=tenant.company,
            national_number=NEWCOMER,
            role=tenant.dmfa,
            for_clients=True,
        )
    assert "for_clients" in excinfo.value.message_dict


def test_grant_create_allowed_again_after_expiry(tenant):
    old = Grant.objects.get(person=tenant.collaborator.person)
    Grant.objects.filter(pk=old.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=2))
    grant = grant_create(
        actor=acting(tenant.main, tenant.company),
        tenant=tenant.company,
        national_number=tenant.collaborator.person.national_number,
        role=tenant.dmfa,
    )
    old.refresh_from_db()
    assert old.end_reason == EndReason.EXPIRED
    assert grant.pk != old.pk


# --- Revoking and expiring -----------------------------------------------------------------------


def test_grant_revoke_keeps_row_and_records_who(tenant):
    grant = Grant.objects.get(person=tenant.collaborator.person)
    grant_revoke(
        actor=acting(tenant.social_manager, tenant.company), tenant=tenant.company, grant=grant
    )
    grant.refresh_from_db()
    assert grant.end_reason == EndReason.REVOKED
    assert grant.ended_by == tenant.social_manager.person
    event = AuditEvent.objects.get(action="companies.grant_revoked")
    assert event.data["before"]["ended_at"] is None
    assert event.data["after"]["end_reason"] == "revoked"


def test_grant_revoke_conflict_when_ended_already(tenant):
    grant = Grant.objects.get(person=tenant.collaborator.person)
    actor = acting(tenant.main, tenant.company)
    grant_revoke(actor=actor, tenant=tenant.company, grant=grant)
    with pytest.raises(Conflict):
        grant_revoke(actor=actor, tenant=tenant.company, grant=grant)


def test_grant_revoke_not_found_when_other_tenant(tenant):
    grant = Grant.objects.get(person=tenant.collaborator.person)
    with pytest.raises(Grant.DoesNotExist):
        grant_revoke(
            actor=acting(tenant.other_manager, tenant.other_company),
            tenant=tenant.other_company,
            grant=grant,
        )


def test_grants_expire_marks_past_grants_once(tenant):
    grant = GrantFactory(
        company=tenant.company,
        role=tenant.vat,
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    assert grants_expire(tenant=tenant.company) == 1
    assert grants_expire(tenant=tenant.company) == 0
    grant.refresh_from_db()
    assert grant.end_reason == EndReason.EXPIRED
    assert timezone.localtime(grant.ended_at).date() == timezone.localdate()


def test_grants_expire_sweep_enqueues_per_tenant(tenant):
    from companies.tasks import grants_expire_sweep

    GrantFactory(
        company=tenant.company,
        role=tenant.vat,
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    GrantFactory(
        company=tenant.other_company,
        role=tenant.vat,
        valid_until=timezone.localdate() - dt.timedelta(days=3),
    )
    assert grants_expire_sweep.apply().get() == 2
    assert not Grant.objects.filter(
        ended_at__isnull=True, valid_until__lt=timezone.localdate()
    ).exists()


# --- Designations ---------------------------------------------------------------------------------


def test_legal_rep_designates_main_manager_replacing_previous(tenant):
    new = access_manager_designate(
        actor=acting(tenant.legal_rep, tenant.company),
        tenant=tenant.company,
        national_number=NEWCOMER,
        kind="main",
    )
    previous = AccessManager.objects.get(person=tenant.main.person)
    assert previous.end_reason == EndReason.REPLACED
    assert new.kind == AccessManagerKind.MAIN


def test_main_manager_designates_domain_manager_who_then_grants(
    tenant, django_capture_on_commit_callbacks
):
    from tests.factories.identity import UserFactory

    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        access_manager_designate(
            actor=acting(tenant.main, tenant.company),
            tenant=tenant.company,
            national_number=newcomer.person.national_number,
            kind="domain",
            domain=tenant.social,
        )
    grant = grant_create(
        actor=acting(newcomer, tenant.company),
        tenant=tenant.company,
        national_number=NEWCOMER,
        role=tenant.dmfa,
    )
    assert grant.pk


def test_designation_refused_when_domain_missing_for_domain_kind(tenant):
    with pytest.raises(ValidationError):
        access_manager_designate(
            actor=acting(tenant.main, tenant.company),
            tenant=tenant.company,
            national_number=NEWCOMER,
            kind="domain",
        )


def test_designation_refused_when_kind_unknown(tenant):
    with pytest.raises(ValidationError):
        access_manager_designate(
            actor=acting(tenant.main, tenant.company),
            tenant=tenant.company,
            national_number=NEWCOMER,
            kind="emperor",
        )


def test_domain_manager_cannot_designate_domain_managers(tenant):
    with pytest.raises(PermissionDenied):
        access_manager_designate(
            actor=acting(tenant.finance_manager, tenant.company),
            tenant=tenant.company,
            national_number=NEWCOMER,
            kind="domain",
            domain=tenant.finance,
        )


def test_ending_designation_takes_permission_away(tenant, django_capture_on_commit_callbacks):
    designation = AccessManager.objects.get(person=tenant.finance_manager.person)
    with django_capture_on_commit_callbacks(execute=True):
        access_manager_end(
            actor=acting(tenant.main, tenant.company),
            tenant=tenant.company,
            designation=designation,
        )
    with pytest.raises(PermissionDenied):
        grant_create(
            actor=acting(tenant.finance_manager, tenant.company),
            tenant=tenant.company,
            national_number=NEWCOMER,
            role=tenant.vat,
        )


# --- Two managers at the same moment (PostgreSQL) -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_granting_same_right_at_once_leave_one_grant(tenant):
    if connection.vendor != "postgresql":
        pytest.skip("row locking and concurrent transactions are exercised on PostgreSQL (CI)")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def grant(user):
        try:
            barrier.wait()
            grant_create(
                actor=acting(user, tenant.company),
                tenant=tenant.company,
                national_number=NEWCOMER,
                role=tenant.vat,
            )
            outcomes.append("granted")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=grant, args=(u,)) for u in (tenant.main, tenant.finance_manager)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["granted", "refused"]
    assert (
        Grant.objects.filter(person__national_number=NEWCOMER, ended_at__isnull=True).count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_managers_revoking_same_grant_at_once_revoke_it_once(tenant):
    if connection.vendor != "postgresql":
        pytest.skip("row locking and concurrent transactions are exercised on PostgreSQL (CI)")
    grant_row = Grant.objects.get(person=tenant.collaborator.person)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revoke(user):
        try:
            barrier.wait()
            grant_revoke(actor=acting(user, tenant.company), tenant=tenant.company, grant=grant_row)
            outcomes.append("revoked")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=revoke, args=(u,)) for u in (tenant.main, tenant.social_manager)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "revoked"]
    assert AuditEvent.objects.filter(action="companies.grant_revoked").count() == 1
