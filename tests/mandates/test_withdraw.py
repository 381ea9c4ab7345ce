"""The mandatary withdraws from an accepted mandate: only the mandatary (or the mandatary
company's managers), only while it is in force; it ends at once with its sub-delegations, the
mandator is told, every decision after it denies with its own reason, and "as of" before it
still allows."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

import pytest

from csam.audit.models import AuditEvent, OutboxMessage
from csam.authz.decisions import decide_cached, decide_question
from mandates.exceptions import MandateConflict
from mandates.models import MandateEvent, MandateState
from mandates.services import mandate_subdelegate, mandate_withdraw
from mandates.tasks import mandate_notify
from tests.authz.test_decisions import ask
from tests.companies.conftest import acting
from tests.factories.identity import UserFactory
from tests.mandates.helpers import act_for, citizen_mandate, company_mandate

pytestmark = pytest.mark.django_db


def state_of(mandate):
    mandate.refresh_from_db()
    return mandate.state


def person_q(world, **kw):
    return ask(world, world.bob, "person", world.alice.person.national_number, **kw)


# --- The service ----------------------------------------------------------------------------------


def test_mandatary_withdraws_and_the_mandate_ends_at_once(world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    mandate = mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    assert mandate.state == MandateState.WITHDRAWN
    assert mandate.ended_by == world.bob.person
    assert mandate.ended_at is not None
    assert list(MandateEvent.objects.filter(mandate=mandate).values_list("kind", flat=True)) == [
        "proposed",
        "accepted",
        "withdrawn",
    ]
    event = AuditEvent.objects.get(action="mandates.withdrawn")
    assert event.data["after"]["state"] == "withdrawn"
    assert OutboxMessage.objects.filter(
        task="mandates.tasks.mandate_notify", kwargs__event="withdrawn"
    ).exists()


@pytest.mark.parametrize("who", ["mandator", "stranger"])
def test_only_the_mandatary_may_withdraw(world, who):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    user = world.alice if who == "mandator" else UserFactory()
    with pytest.raises(PermissionDenied):
        mandate_withdraw(actor=acting(user, None), mandate=mandate)
    assert state_of(mandate) == MandateState.ACCEPTED


@pytest.mark.parametrize(
    "state", [MandateState.PROPOSED, MandateState.REFUSED, MandateState.REVOKED]
)
def test_withdraw_conflicts_unless_accepted_and_in_force(world, state):
    mandate = citizen_mandate(world, state)
    with pytest.raises(MandateConflict):
        mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    assert state_of(mandate) == state


def test_withdraw_twice_conflicts(world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    with pytest.raises(MandateConflict):
        mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)


def test_withdraw_ends_what_was_subdelegated(world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    child = mandate_subdelegate(
        actor=acting(world.bob, None),
        parent=mandate,
        mandatary=world.carol.person,
        scope=world.vat_scope(),
    )
    mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    assert state_of(child) == MandateState.REVOKED
    assert child.events.filter(kind="ended_with_parent").exists()


def test_mandatary_company_managers_withdraw_for_the_company(world):
    mandate = company_mandate(world, MandateState.ACCEPTED)
    with pytest.raises(PermissionDenied):
        mandate_withdraw(actor=acting(world.client_manager, world.client), mandate=mandate)
    mandate_withdraw(actor=acting(world.provider_manager, world.provider), mandate=mandate)
    assert state_of(mandate) == MandateState.WITHDRAWN
    # Both companies see it in their own history.
    tenants = set(
        AuditEvent.objects.filter(action="mandates.withdrawn").values_list("tenant_id", flat=True)
    )
    assert tenants == {world.client.pk, world.provider.pk}


def test_mandator_is_told_in_their_language(world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    world.alice.email = "alice@example.test"
    world.alice.save()
    world.alice.person.preferred_language = "fr"
    world.alice.person.save()
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    from django.core import mail

    mail.outbox.clear()
    assert mandate_notify(mandate_id=mandate.pk, event="withdrawn") >= 1
    [to_alice] = [m for m in mail.outbox if m.to == ["alice@example.test"]]
    with override("fr"):
        from django.utils.translation import gettext

        assert to_alice.subject == gettext("A mandatary has withdrawn from a mandate")
    assert to_alice.subject != "A mandatary has withdrawn from a mandate"


# --- Decisions ------------------------------------------------------------------------------------


def test_decisions_deny_at_once_after_withdrawal_and_allow_as_of_before(
    world, django_capture_on_commit_callbacks
):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    assert decide_cached(person_q(world)).allowed
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    # The very next decision, cached a moment ago, sees the withdrawal.
    answer = decide_cached(person_q(world))
    assert not answer.allowed
    assert [r.code for r in answer.reasons] == ["mandate_withdrawn"]
    assert decide_question(person_q(world, at=before)).allowed


def test_withdrawal_reason_is_in_the_askers_language(world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    mandate_withdraw(actor=acting(world.bob, None), mandate=mandate)
    with override("nl"):
        [reason] = decide_question(person_q(world)).reasons
    assert reason.code == "mandate_withdrawn"
    assert reason.message != "The mandatary has withdrawn from the mandate."


# --- The API --------------------------------------------------------------------------------------


def test_api_withdraw_by_the_mandatary(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    url = reverse("api:mandate_withdraw", args=[mandate.pk])
    response = client_at(world.bob, "substantial").post(url)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "withdrawn"
    assert [e["kind"] for e in response.json()["events"]][-1] == "withdrawn"
    # Again: it has ended.
    assert client_at(world.bob, "substantial").post(url).status_code == 409


@pytest.mark.parametrize(
    ("who", "status"),
    [("mandator", 403), ("stranger", 404), ("anonymous", 403)],
)
def test_api_withdraw_refused_for_anyone_else(client, client_at, world, who, status):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    url = reverse("api:mandate_withdraw", args=[mandate.pk])
    if who == "anonymous":
        caller = client
    else:
        caller = client_at(world.alice if who == "mandator" else UserFactory(), "substantial")
    response = caller.post(url)
    assert response.status_code in ({status, 401} if who == "anonymous" else {status})
    assert state_of(mandate) == MandateState.ACCEPTED


def test_api_withdraw_asks_step_up_at_level_low(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    response = client_at(world.bob, "low").post(reverse("api:mandate_withdraw", args=[mandate.pk]))
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert state_of(mandate) == MandateState.ACCEPTED


def test_api_withdraw_for_the_mandatary_company(client_at, world):
    mandate = company_mandate(world, MandateState.ACCEPTED)
    url = reverse("api:mandate_withdraw", args=[mandate.pk])
    client_side = act_for(client_at(world.client_manager, "high"), world.client)
    assert client_side.post(url).status_code == 403
    provider_side = act_for(client_at(world.provider_manager, "high"), world.provider)
    assert provider_side.post(url).status_code == 200
    assert state_of(mandate) == MandateState.WITHDRAWN


# --- The pages ------------------------------------------------------------------------------------


def test_page_offers_withdraw_to_the_mandatary_only(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    detail = reverse("mandates:detail", args=[mandate.pk])
    withdraw = reverse("mandates:withdraw", args=[mandate.pk])
    assert withdraw in client_at(world.bob, "substantial").get(detail).content.decode()
    assert withdraw not in client_at(world.alice, "substantial").get(detail).content.decode()


def test_page_withdraw_confirms_first_then_ends_the_mandate(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    url = reverse("mandates:withdraw", args=[mandate.pk])
    client = client_at(world.bob, "substantial")
    page = client.get(url)
    assert page.status_code == 200
    assert "Withdraw from this mandate" in page.content.decode()
    assert state_of(mandate) == MandateState.ACCEPTED
    # Without the confirmation box ticked, nothing happens.
    assert client.post(url, {}).status_code == 400
    assert state_of(mandate) == MandateState.ACCEPTED
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert state_of(mandate) == MandateState.WITHDRAWN


def test_page_withdraw_refused_for_the_mandator(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    url = reverse("mandates:withdraw", args=[mandate.pk])
    response = client_at(world.alice, "substantial").post(url, {"confirm": "yes"})
    assert response.status_code == 403
    assert state_of(mandate) == MandateState.ACCEPTED
