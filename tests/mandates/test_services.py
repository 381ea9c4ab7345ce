"""Mandates: every transition from the right state by the right actor, scope, dates, depth,
cycles, cascade, expiry, notices after commit, isolation between parties."""

import datetime as dt

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

import pytest

from csam.audit.models import AuditEvent, OutboxMessage
from csam.authz.actions import Action
from csam.authz.engine import decide
from identity.assurance import StepUpRequired
from mandates.exceptions import MandateConflict
from mandates.models import Mandate, MandateEvent, MandateState
from mandates.selectors import mandate_get, mandate_list_awaiting, mandate_list_given
from mandates.services import (
    mandate_accept,
    mandate_propose,
    mandate_refuse,
    mandate_request,
    mandate_revoke,
    mandate_subdelegate,
    mandates_expire,
    party_from_number,
)
from tests.companies.conftest import acting

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _citizen_mandate(world, accepted=True, **kwargs):
    mandate = mandate_propose(
        actor=acting(world.alice, None),
        mandatary=world.bob.person,
        scope=world.vat_scope(),
        **kwargs,
    )
    if accepted:
        mandate = mandate_accept(actor=acting(world.bob, None), mandate=mandate)
    return mandate


def _company_mandate(world, accepted=True, **kwargs):
    mandate = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.finance_scope(),
        **kwargs,
    )
    if accepted:
        mandate = mandate_accept(
            actor=acting(world.provider_manager, world.provider), mandate=mandate
        )
    return mandate


# --- Proposing ----------------------------------------------------------------------------------


def test_mandate_propose_citizen_to_citizen_is_proposed(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mandate = _citizen_mandate(world, accepted=False)
    assert mandate.state == MandateState.PROPOSED
    assert mandate.mandator_person == world.alice.person
    assert list(mandate.events.values_list("kind", flat=True)) == ["proposed"]
    # The notice is written to the outbox with the mandate and waits for the commit.
    message = OutboxMessage.objects.get(task="mandates.tasks.mandate_notify")
    assert message.kwargs == {"mandate_id": mandate.pk, "event": "proposed"}
    assert message.delivered_at is None
    assert callbacks  # the hand-over waits for the commit
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="mandates.proposed").exists()


def test_mandate_notice_emails_both_parties(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _citizen_mandate(world, accepted=False)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.alice.email, world.bob.email])


@pytest.mark.parametrize(
    ("kind", "number", "field"),
    [
        ("person", "85071412428", "number"),
        ("company", "0403019262", "number"),
        ("company", "0403019261", "number"),  # valid but not registered here
        ("alien", "1", "kind"),
    ],
)
def test_party_from_number_refuses_bad_number(world, kind, number, field):
    with pytest.raises(ValidationError) as excinfo:
        party_from_number(kind=kind, number=number)
    assert field in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"valid_from": dt.date(2020, 1, 1)}, "valid_from"),
        ({"valid_until": dt.date(2000, 1, 1)}, "valid_until"),
        ({"scope": []}, "scope"),
        ({"max_depth": 9, "allows_subdelegation": True}, "max_depth"),
    ],
)
def test_mandate_propose_refuses_bad_input(world, kwargs, field):
    data = {"mandatary": world.bob.person, "scope": world.vat_scope()} | kwargs
    with pytest.raises(ValidationError) as excinfo:
        mandate_propose(actor=acting(world.alice, None), **data)
    assert field in excinfo.value.message_dict
    assert not Mandate.objects.exists()


def test_mandate_propose_refuses_mandate_to_oneself(world):
    with pytest.raises(ValidationError) as excinfo:
        mandate_propose(
            actor=acting(world.alice, None), mandatary=world.alice.person, scope=world.vat_scope()
        )
    assert "oneself" in str(excinfo.value)


def test_mandate_propose_refuses_role_not_for_clients_to_company(world):
    world.vat.for_clients_allowed = False
    world.vat.save()
    with pytest.raises(ValidationError) as excinfo:
        mandate_propose(
            actor=acting(world.alice, None), mandatary=world.provider, scope=world.vat_scope()
        )
    assert "scope" in excinfo.value.message_dict


def test_mandate_propose_by_company_needs_manager_of_scope_domain(world):
    from tests.companies.conftest import designate

    social_manager = __import__("tests.factories.identity", fromlist=["UserFactory"]).UserFactory()
    designate(social_manager, world.client, "domain", world.social)
    with pytest.raises(PermissionDenied):
        mandate_propose(
            actor=acting(social_manager, world.client),
            mandatary=world.provider,
            scope=world.finance_scope(),
        )


def test_mandate_propose_refused_when_person_acts_for_a_company(world):
    with pytest.raises(PermissionDenied):
        mandate_propose(
            actor=acting(world.client_manager, world.other_provider),
            mandatary=world.bob.person,
            scope=world.vat_scope(),
        )


# --- Accepting, refusing, revoking ----------------------------------------------------------------


def test_mandate_accept_by_mandatary_at_high(world):
    mandate = _citizen_mandate(world)
    assert mandate.state == MandateState.ACCEPTED
    assert mandate.decided_by == world.bob.person


def test_mandate_accept_asks_step_up_when_substantial(world):
    mandate = _citizen_mandate(world, accepted=False)
    with pytest.raises(StepUpRequired):
        mandate_accept(actor=acting(world.bob, None, "substantial"), mandate=mandate)


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_mandate_accept_refused_when_not_the_mandatary(world, who):
    mandate = _citizen_mandate(world, accepted=False)
    with pytest.raises(PermissionDenied):
        mandate_accept(actor=acting(getattr(world, who), None), mandate=mandate)
    mandate.refresh_from_db()
    assert mandate.state == MandateState.PROPOSED


@pytest.mark.parametrize("step", ["accept", "refuse"])
def test_mandate_decision_conflict_when_not_proposed(world, step):
    mandate = _citizen_mandate(world)
    service = {"accept": mandate_accept, "refuse": mandate_refuse}[step]
    with pytest.raises(MandateConflict):
        service(actor=acting(world.bob, None), mandate=mandate)


def test_mandate_refuse_by_mandatary(world):
    mandate = _citizen_mandate(world, accepted=False)
    mandate = mandate_refuse(actor=acting(world.bob, None), mandate=mandate)
    assert mandate.state == MandateState.REFUSED
    with pytest.raises(MandateConflict):
        mandate_revoke(actor=acting(world.alice, None), mandate=mandate)


def test_mandate_revoke_by_mandator_any_time(world):
    mandate = _citizen_mandate(world)
    mandate = mandate_revoke(actor=acting(world.alice, None), mandate=mandate)
    assert mandate.state == MandateState.REVOKED
    assert mandate.ended_by == world.alice.person


def test_mandate_revoke_refused_for_mandatary(world):
    mandate = _citizen_mandate(world)
    with pytest.raises(PermissionDenied):
        mandate_revoke(actor=acting(world.bob, None), mandate=mandate)


def test_mandate_revoke_conflict_when_ended(world):
    mandate = _citizen_mandate(world)
    mandate_revoke(actor=acting(world.alice, None), mandate=mandate)
    with pytest.raises(MandateConflict):
        mandate_revoke(actor=acting(world.alice, None), mandate=mandate)


def test_mandate_request_approved_by_mandator(world):
    mandate = mandate_request(
        actor=acting(world.bob, None), mandator=world.alice.person, scope=world.vat_scope()
    )
    assert mandate.initiated_by == "mandatary"
    assert list(mandate_list_awaiting(party=world.alice.person)) == [mandate]
    with pytest.raises(PermissionDenied):
        mandate_accept(actor=acting(world.bob, None), mandate=mandate)
    mandate = mandate_accept(actor=acting(world.alice, None), mandate=mandate)
    assert mandate.state == MandateState.ACCEPTED


def test_company_mandate_accepted_by_provider_manager(world):
    mandate = _company_mandate(world)
    assert mandate.state == MandateState.ACCEPTED
    assert mandate.mandatary_company == world.provider


# --- Acting under a mandate -----------------------------------------------------------------------


def test_mandatary_person_may_act_for_mandator(world):
    mandate = _citizen_mandate(world)
    decision = decide(
        actor=acting(world.bob, None, "low"), action=Action.ACTING_CHOOSE_MANDATE, target=mandate
    )
    assert decision.allowed
    assert decision.via[0] == {"kind": "mandate", "id": mandate.pk}


def test_provider_collaborator_with_client_role_may_act_for_client(world):
    mandate = _company_mandate(world)
    decision = decide(
        actor=acting(world.accountant, None, "low"),
        action=Action.ACTING_CHOOSE_MANDATE,
        target=mandate,
    )
    assert decision.allowed
    assert any(step["kind"] == "grant" for step in decision.via)


def test_provider_collaborator_without_client_role_may_not_act_for_client(world):
    mandate = _company_mandate(world)
    decision = decide(
        actor=acting(world.carol, None, "low"), action=Action.ACTING_CHOOSE_MANDATE, target=mandate
    )
    assert decision.codes == ("no_client_grant",)


def test_nobody_acts_under_a_revoked_mandate(world):
    mandate = _citizen_mandate(world)
    mandate_revoke(actor=acting(world.alice, None), mandate=mandate)
    decision = decide(
        actor=acting(world.bob, None, "low"), action=Action.ACTING_CHOOSE_MANDATE, target=mandate
    )
    assert decision.codes == ("mandate_not_in_force",)


def test_nobody_acts_under_a_future_mandate(world):
    mandate = _citizen_mandate(world, valid_from=TODAY() + dt.timedelta(days=3))
    decision = decide(
        actor=acting(world.bob, None, "low"), action=Action.ACTING_CHOOSE_MANDATE, target=mandate
    )
    assert not decision.allowed


# --- Sub-delegation -------------------------------------------------------------------------------


def _subdelegable(world):
    return _company_mandate(world, allows_subdelegation=True, max_depth=1)


def test_subdelegation_within_scope_lets_second_provider_act(world):
    from tests.companies.conftest import designate
    from tests.factories.companies import GrantFactory
    from tests.factories.identity import UserFactory

    parent = _subdelegable(world)
    other_manager = UserFactory()
    designate(other_manager, world.other_provider, "main")
    child = mandate_subdelegate(
        actor=acting(world.provider_manager, world.provider),
        parent=parent,
        mandatary=world.other_provider,
        scope=world.vat_scope(),
    )
    child = mandate_accept(actor=acting(other_manager, world.other_provider), mandate=child)
    assert child.depth == 1
    clerk = UserFactory()
    GrantFactory(
        company=world.other_provider, person=clerk.person, role=world.vat, for_clients=True
    )
    decision = decide(
        actor=acting(clerk, None, "low"), action=Action.ACTING_CHOOSE_MANDATE, target=child
    )
    assert decision.allowed
    assert [step["id"] for step in decision.via if step["kind"] == "mandate"] == [
        child.pk,
        parent.pk,
    ]


def test_subdelegation_refused_when_scope_wider_than_parent(world):
    parent = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.vat_scope(),
        allows_subdelegation=True,
        max_depth=1,
    )
    parent = mandate_accept(actor=acting(world.provider_manager, world.provider), mandate=parent)
    with pytest.raises(ValidationError) as excinfo:
        mandate_subdelegate(
            actor=acting(world.provider_manager, world.provider),
            parent=parent,
            mandatary=world.other_provider,
            scope=world.finance_scope(),
        )
    assert "scope" in excinfo.value.message_dict


def test_subdelegation_refused_when_longer_than_parent(world):
    parent = _company_mandate(
        world, allows_subdelegation=True, max_depth=1, valid_until=TODAY() + dt.timedelta(days=30)
    )
    with pytest.raises(ValidationError) as excinfo:
        mandate_subdelegate(
            actor=acting(world.provider_manager, world.provider),
            parent=parent,
            mandatary=world.other_provider,
            scope=world.vat_scope(),
            valid_until=TODAY() + dt.timedelta(days=60),
        )
    assert "valid_until" in excinfo.value.message_dict


def test_subdelegation_refused_beyond_depth_limit(world):
    parent = _company_mandate(world, allows_subdelegation=True, max_depth=1)
    with pytest.raises(ValidationError) as excinfo:
        mandate_subdelegate(
            actor=acting(world.provider_manager, world.provider),
            parent=parent,
            mandatary=world.other_provider,
            scope=world.vat_scope(),
            allows_subdelegation=True,
            max_depth=1,
        )
    assert "max_depth" in excinfo.value.message_dict


def test_subdelegation_refused_when_parent_does_not_allow(world):
    parent = _company_mandate(world)
    with pytest.raises(ValidationError) as excinfo:
        mandate_subdelegate(
            actor=acting(world.provider_manager, world.provider),
            parent=parent,
            mandatary=world.other_provider,
            scope=world.vat_scope(),
        )
    assert "parent" in excinfo.value.message_dict


def test_subdelegation_refused_when_cycle(world):
    parent = _subdelegable(world)
    with pytest.raises(ValidationError) as excinfo:
        mandate_subdelegate(
            actor=acting(world.provider_manager, world.provider),
            parent=parent,
            mandatary=world.client,
            scope=world.vat_scope(),
        )
    assert "chain" in str(excinfo.value)


def test_subdelegation_refused_for_someone_not_acting_for_the_mandatary(world):
    parent = _subdelegable(world)
    with pytest.raises(PermissionDenied):
        mandate_subdelegate(
            actor=acting(world.client_manager, world.client),
            parent=parent,
            mandatary=world.other_provider,
            scope=world.vat_scope(),
        )


def test_revoking_ends_subdelegations(world):
    parent = _subdelegable(world)
    child = mandate_subdelegate(
        actor=acting(world.provider_manager, world.provider),
        parent=parent,
        mandatary=world.other_provider,
        scope=world.vat_scope(),
    )
    mandate_revoke(actor=acting(world.client_manager, world.client), mandate=parent)
    child.refresh_from_db()
    assert child.state == MandateState.REVOKED
    assert MandateEvent.objects.filter(mandate=child, kind="ended_with_parent").exists()


# --- Expiry and reminders -------------------------------------------------------------------------


def test_mandates_expire_marks_and_cascades_once(world):
    parent = _subdelegable(world)
    child = mandate_subdelegate(
        actor=acting(world.provider_manager, world.provider),
        parent=parent,
        mandatary=world.other_provider,
        scope=world.vat_scope(),
    )
    Mandate.objects.filter(pk=parent.pk).update(
        valid_from=TODAY() - dt.timedelta(days=10), valid_until=TODAY() - dt.timedelta(days=1)
    )
    assert mandates_expire() == 1
    assert mandates_expire() == 0
    parent.refresh_from_db()
    child.refresh_from_db()
    assert parent.state == MandateState.EXPIRED
    assert child.state == MandateState.REVOKED


def test_expiry_task_runs(world):
    from mandates.tasks import mandates_expire_daily

    mandate = _citizen_mandate(world)
    Mandate.objects.filter(pk=mandate.pk).update(
        valid_from=TODAY() - dt.timedelta(days=10), valid_until=TODAY() - dt.timedelta(days=2)
    )
    assert mandates_expire_daily.apply().get() == 1


def test_reminder_sent_once_before_expiry(world, django_capture_on_commit_callbacks):
    from mandates.tasks import mandates_remind_expiring

    mandate = _citizen_mandate(world, valid_until=TODAY() + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert mandates_remind_expiring.apply().get() == 1
    assert mandates_remind_expiring.apply().get() == 0
    assert MandateEvent.objects.filter(mandate=mandate, kind="reminded").count() == 1


# --- Isolation ------------------------------------------------------------------------------------


def test_parties_see_only_their_mandates(world):
    mandate = _citizen_mandate(world)
    assert mandate_get(party=world.alice.person, mandate_id=mandate.pk) == mandate
    assert mandate_get(party=world.bob.person, mandate_id=mandate.pk) == mandate
    assert mandate_get(party=world.carol.person, mandate_id=mandate.pk) is None
    assert mandate_get(party=world.client, mandate_id=mandate.pk) is None
    assert list(mandate_list_given(party=world.carol.person)) == []
