"""The mandate pages: the lists, one mandate, the confirmed acts on it, and the wizards.

Every transition is tried from every state by both sides (the services refuse; the page says
why); bad input leaves the database as it was; a matrix of actors proves that a party sees
only its own mandates (another party's answers 404, like a missing one)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from companies.models import AccessManagerKind
from csam.authz.services import MANDATE_SESSION_KEY
from identity.models import Person
from mandates.models import Initiator, Mandate, MandateScope, MandateState
from mandates.services import (
    mandate_request,
)
from mandates.views import WIZARD_SESSION_KEY
from tests.companies.conftest import acting, designate
from tests.factories.identity import UserFactory
from tests.mandates.helpers import act_for, citizen_mandate, company_mandate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
UNKNOWN_PERSON = "85071412429"  # valid, and nobody in the world fixture has it
UNKNOWN_COMPANY = "0403019261"  # valid, but not registered here


# --- Helpers -------------------------------------------------------------------------------------


def bulk_mandates(world, count):
    """``count`` pending mandates from Alice to new people, straight into the tables."""
    mandates = []
    for _ in range(count):
        mandate = Mandate.objects.create(
            mandator_person=world.alice.person,
            mandatary_person=UserFactory().person,
            valid_from=TODAY(),
            proposed_by=world.alice.person,
        )
        MandateScope.objects.create(mandate=mandate, role=world.vat)
        MandateScope.objects.create(mandate=mandate, domain=world.social)
        mandates.append(mandate)
    return mandates


def state_of(mandate):
    mandate.refresh_from_db()
    return mandate.state


@pytest.fixture
def other_manager(world):
    """The main access manager of another company (the other provider)."""
    user = UserFactory()
    designate(user, world.other_provider, AccessManagerKind.MAIN)
    return user


# --- My mandates ---------------------------------------------------------------------------------

LIST = reverse("mandates:list")


def test_mandate_list_shows_given_mandates_to_mandator(client_at, world):
    citizen_mandate(world)
    html = client_at(world.alice).get(LIST).content.decode()
    assert "1 mandate given" in html
    assert world.bob.person.full_name in html
    assert world.bob.person.masked_number in html
    assert world.bob.person.national_number not in html


def test_mandate_list_shows_received_mandates_to_mandatary(client_at, world):
    citizen_mandate(world)
    html = client_at(world.bob).get(LIST, {"tab": "received"}).content.decode()
    assert "1 mandate received" in html
    assert world.alice.person.full_name in html


def test_mandate_list_shows_proposals_and_requests_awaiting_decision(client_at, world):
    citizen_mandate(world)  # proposed to Bob
    mandate_request(
        actor=acting(world.bob, None), mandator=world.carol.person, scope=world.vat_scope()
    )
    html = client_at(world.bob).get(LIST, {"tab": "awaiting"}).content.decode()
    assert "1 mandate awaiting your decision" in html
    assert world.alice.person.full_name in html
    # Bob's own request waits for Carol, not for him.
    html = client_at(world.carol).get(LIST, {"tab": "awaiting"}).content.decode()
    assert "1 mandate awaiting your decision" in html
    assert "requested by the mandatary" in html


def test_mandate_list_filters_by_state(client_at, world):
    citizen_mandate(world, MandateState.ACCEPTED)
    citizen_mandate(world, MandateState.REFUSED)
    client = client_at(world.alice)
    assert (
        "1 mandate given" in client.get(LIST, {"tab": "given", "state": "refused"}).content.decode()
    )
    assert "2 mandates given" in client.get(LIST, {"tab": "given"}).content.decode()


def test_mandate_list_paginates(client_at, world):
    bulk_mandates(world, 25)
    client = client_at(world.alice)
    page_2 = client.get(LIST, {"tab": "given", "page": 2})
    assert page_2.context["page"].number == 2
    assert len(page_2.context["mandates"]) == 5
    assert "Page 2 of 2" in page_2.content.decode()


@pytest.mark.parametrize("tab", ["given", "received", "awaiting"])
def test_mandate_list_queries_bounded_when_many_mandates(
    client_at, world, tab, django_assert_max_num_queries
):
    bulk_mandates(world, 3)
    client = client_at(world.alice)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"tab": tab})
    bulk_mandates(world, 27)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get(LIST, {"tab": tab})
    assert response.status_code == 200
    assert len(many) == len(few)


def test_mandate_list_redirects_anonymous_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_mandate_list_shows_company_mandates_to_its_manager(client_at, world):
    company_mandate(world)
    client = act_for(client_at(world.client_manager, "substantial"), world.client)
    html = client.get(LIST).content.decode()
    assert "1 mandate given" in html
    assert world.provider.name in html
    assert f"Mandates of {world.client.name}" in html


def test_mandate_list_refused_for_company_collaborator_without_management(client_at, world):
    company_mandate(world)
    client = act_for(client_at(world.accountant, "substantial"), world.provider)
    response = client.get(LIST, {"tab": "received"})
    assert response.status_code == 403
    assert "access managers" in response.content.decode()


def test_mandate_list_asks_step_up_for_company_at_level_low(client_at, world):
    client = act_for(client_at(world.client_manager, "low"), world.client)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:step_up"))


def test_mandate_list_refused_while_acting_under_a_mandate(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    client = client_at(world.bob)
    session = client.session
    session[MANDATE_SESSION_KEY] = mandate.pk
    session.save()
    response = client.get(LIST)
    assert response.status_code == 403
    assert "under a mandate" in response.content.decode()


# --- One mandate: isolation matrix ---------------------------------------------------------------

CITIZEN_DETAIL = [
    # (actor, company acted for, expected)
    ("alice", None, 200),
    ("bob", None, 200),
    ("carol", None, 404),
    ("accountant", None, 404),
    ("accountant", "provider", 403),  # may not see the provider's mandates at all
    ("other_manager", "other_provider", 404),
    ("client_manager", "client", 404),
]


def _client_for(client_at, world, other_manager, actor, company, level="substantial"):
    user = other_manager if actor == "other_manager" else getattr(world, actor)
    client = client_at(user, level)
    if company is not None:
        act_for(client, getattr(world, company))
    return client


@pytest.mark.parametrize(("actor", "company", "expected"), CITIZEN_DETAIL)
def test_mandate_detail_of_citizen_mandate_by_actor(
    client_at, world, other_manager, actor, company, expected
):
    mandate = citizen_mandate(world)
    client = _client_for(client_at, world, other_manager, actor, company)
    assert client.get(reverse("mandates:detail", args=[mandate.pk])).status_code == expected


COMPANY_DETAIL = [
    ("client_manager", "client", 200),
    ("provider_manager", "provider", 200),
    ("provider_finance_manager", "provider", 200),
    ("accountant", "provider", 403),
    ("accountant", None, 404),
    ("client_manager", None, 404),  # in one's own name, the company's mandates are not one's own
    ("other_manager", "other_provider", 404),
    ("carol", None, 404),
]


@pytest.mark.parametrize(("actor", "company", "expected"), COMPANY_DETAIL)
def test_mandate_detail_of_company_mandate_by_actor(
    client_at, world, other_manager, actor, company, expected
):
    mandate = company_mandate(world)
    client = _client_for(client_at, world, other_manager, actor, company)
    assert client.get(reverse("mandates:detail", args=[mandate.pk])).status_code == expected


def test_mandate_detail_redirects_anonymous_to_login(client, world):
    mandate = citizen_mandate(world)
    response = client.get(reverse("mandates:detail", args=[mandate.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_mandate_detail_missing_mandate_is_404(client_at, world):
    assert client_at(world.alice).get(reverse("mandates:detail", args=[999999])).status_code == 404


# --- One mandate: what it shows ------------------------------------------------------------------


def test_mandate_detail_shows_parties_scope_period_state_and_history(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED, valid_until=TODAY() + dt.timedelta(30))
    response = client_at(world.alice).get(reverse("mandates:detail", args=[mandate.pk]))
    html = response.content.decode()
    assert world.alice.person.full_name in html
    assert world.bob.person.full_name in html
    assert world.vat.name in html
    assert "accepted" in html
    assert [e.kind for e in response.context["events"]] == ["proposed", "accepted"]
    assert "until" in html


def test_mandate_detail_offers_decision_to_mandatary_only(client_at, world):
    mandate = citizen_mandate(world)
    url = reverse("mandates:detail", args=[mandate.pk])
    bob = client_at(world.bob, "substantial").get(url).context
    assert (bob["may_accept"], bob["may_refuse"], bob["may_revoke"]) == (True, True, False)
    alice = client_at(world.alice, "substantial").get(url).context
    assert (alice["may_accept"], alice["may_refuse"], alice["may_revoke"]) == (False, False, True)
    assert alice["awaiting_other"] is True


def test_mandate_detail_offers_decision_to_mandator_of_a_request(client_at, world):
    mandate = mandate_request(
        actor=acting(world.bob, None), mandator=world.alice.person, scope=world.vat_scope()
    )
    context = client_at(world.alice).get(reverse("mandates:detail", args=[mandate.pk])).context
    assert (context["may_accept"], context["may_refuse"], context["may_revoke"]) == (
        True,
        True,
        True,
    )


def test_mandate_detail_offers_subdelegation_when_allowed(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    html = client_at(world.bob, "high").get(reverse("mandates:detail", args=[mandate.pk]))
    assert html.context["may_subdelegate"] is True
    assert reverse("mandates:subdelegate", args=[mandate.pk]) in html.content.decode()


def test_mandate_detail_offers_nothing_once_ended(client_at, world):
    mandate = citizen_mandate(world, MandateState.REVOKED)
    for user in (world.alice, world.bob):
        context = client_at(user).get(reverse("mandates:detail", args=[mandate.pk])).context
        assert not any(context[k] for k in ("may_accept", "may_refuse", "may_revoke"))


# --- Accept, refuse, revoke: every state, both sides ----------------------------------------------

OK, FORBIDDEN, CONFLICT = 302, 403, 409
TRANSITIONS = [
    # (state before, act, actor, status, state after)
    ("proposed", "accept", "bob", OK, "accepted"),
    ("proposed", "accept", "alice", FORBIDDEN, "proposed"),
    ("accepted", "accept", "bob", CONFLICT, "accepted"),
    ("refused", "accept", "bob", CONFLICT, "refused"),
    ("revoked", "accept", "bob", CONFLICT, "revoked"),
    ("proposed", "refuse", "bob", OK, "refused"),
    ("proposed", "refuse", "alice", FORBIDDEN, "proposed"),
    ("accepted", "refuse", "bob", CONFLICT, "accepted"),
    ("refused", "refuse", "bob", CONFLICT, "refused"),
    ("revoked", "refuse", "alice", CONFLICT, "revoked"),
    ("proposed", "revoke", "alice", OK, "revoked"),
    ("accepted", "revoke", "alice", OK, "revoked"),
    ("proposed", "revoke", "bob", FORBIDDEN, "proposed"),
    ("accepted", "revoke", "bob", FORBIDDEN, "accepted"),
    ("refused", "revoke", "alice", CONFLICT, "refused"),
    ("revoked", "revoke", "alice", CONFLICT, "revoked"),
]
MESSAGES = {
    ("accept", CONFLICT): "Only a proposed mandate can be accepted.",
    ("refuse", CONFLICT): "Only a proposed mandate can be refused.",
    ("revoke", CONFLICT): "This mandate has ended already.",
    ("accept", FORBIDDEN): "Only the person concerned can do this.",
    ("refuse", FORBIDDEN): "Only the person concerned can do this.",
    ("revoke", FORBIDDEN): "Only the person concerned can do this.",
}


@pytest.mark.parametrize(("before", "act", "actor", "status", "after"), TRANSITIONS)
def test_mandate_act_only_from_right_state_by_right_side(
    client_at, world, before, act, actor, status, after
):
    mandate = citizen_mandate(world, before)
    client = client_at(getattr(world, actor), "high")
    response = client.post(reverse(f"mandates:{act}", args=[mandate.pk]), {"confirm": "yes"})
    assert response.status_code == status
    assert state_of(mandate) == after
    if status == OK:
        assert response["Location"] == reverse("mandates:detail", args=[mandate.pk])
        follow = client.get(response["Location"]).content.decode()
        assert "The mandate is" in follow
    else:
        assert MESSAGES[(act, status)] in response.content.decode()


@pytest.mark.parametrize("act", ["accept", "refuse", "revoke"])
def test_mandate_act_on_someone_elses_mandate_is_404(client_at, world, act):
    mandate = citizen_mandate(world)
    response = client_at(world.carol, "high").post(
        reverse(f"mandates:{act}", args=[mandate.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 404
    assert state_of(mandate) == "proposed"


@pytest.mark.parametrize("act", ["accept", "refuse", "revoke"])
def test_mandate_act_needs_confirmation(client_at, world, act):
    mandate = citizen_mandate(world)
    user = world.alice if act == "revoke" else world.bob
    client = client_at(user, "high")
    page = client.get(reverse(f"mandates:{act}", args=[mandate.pk]))
    assert page.status_code == 200
    assert 'name="confirm" value="yes"' in page.content.decode()
    response = client.post(reverse(f"mandates:{act}", args=[mandate.pk]), {})
    assert response.status_code == 400
    assert "Confirm with the button" in response.content.decode()
    assert state_of(mandate) == "proposed"


def test_mandate_accept_asks_step_up_when_substantial(client_at, world):
    mandate = citizen_mandate(world)
    url = reverse("mandates:accept", args=[mandate.pk])
    response = client_at(world.bob, "substantial").post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:step_up"))
    assert "level=high" in response["Location"]
    assert state_of(mandate) == "proposed"


def test_mandate_revoke_asks_step_up_when_low(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    url = reverse("mandates:revoke", args=[mandate.pk])
    response = client_at(world.alice, "low").post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert "level=substantial" in response["Location"]
    assert state_of(mandate) == "accepted"


def test_mandate_request_approved_by_mandator(client_at, world):
    mandate = mandate_request(
        actor=acting(world.bob, None), mandator=world.alice.person, scope=world.vat_scope()
    )
    client = client_at(world.alice, "high")
    response = client.post(reverse("mandates:accept", args=[mandate.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    assert state_of(mandate) == "accepted"


def test_company_mandate_accepted_by_provider_manager(client_at, world):
    mandate = company_mandate(world)
    client = act_for(client_at(world.provider_manager, "high"), world.provider)
    response = client.post(reverse("mandates:accept", args=[mandate.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    assert state_of(mandate) == "accepted"


def test_company_mandate_not_accepted_by_domain_manager_of_other_domain(client_at, world):
    social_manager = UserFactory()
    designate(social_manager, world.provider, AccessManagerKind.DOMAIN, world.social)
    mandate = company_mandate(world)
    client = act_for(client_at(social_manager, "high"), world.provider)
    response = client.post(reverse("mandates:accept", args=[mandate.pk]), {"confirm": "yes"})
    assert response.status_code == 403
    assert "every domain" in response.content.decode()
    assert state_of(mandate) == "proposed"


# --- The propose wizard --------------------------------------------------------------------------

PROPOSE = reverse("mandates:propose")
PROPOSE_SCOPE = reverse("mandates:propose_scope")
PROPOSE_REVIEW = reverse("mandates:propose_review")


def scope_data(**overrides):
    data = {
        "scope": ["role:vat/declarant", "domain:social"],
        "valid_from": TODAY().isoformat(),
        "valid_until": (TODAY() + dt.timedelta(days=365)).isoformat(),
        "allows_subdelegation": "on",
        "max_depth": "2",
    }
    return data | overrides


def test_propose_wizard_end_to_end_creates_the_proposal(client_at, world):
    client = client_at(world.alice, "substantial")
    assert client.get(PROPOSE).status_code == 200

    response = client.post(PROPOSE, {"kind": "person", "number": world.bob.person.national_number})
    assert response["Location"] == PROPOSE_SCOPE
    step_2 = client.get(PROPOSE_SCOPE).content.decode()
    # The other party shows by masked number only: a number typed in must not reveal a name.
    assert world.bob.person.full_name not in step_2
    assert world.bob.person.masked_number in step_2
    assert world.bob.person.masked_number in step_2
    assert world.bob.person.national_number not in step_2
    assert 'value="role:vat/declarant"' in step_2

    response = client.post(PROPOSE_SCOPE, scope_data())
    assert response["Location"] == PROPOSE_REVIEW
    review = client.get(PROPOSE_REVIEW).content.decode()
    assert world.bob.person.full_name not in review
    assert world.vat.name in review
    assert "allowed, 2 further links at most" in review
    assert not Mandate.objects.exists()

    response = client.post(PROPOSE_REVIEW, {"confirm": "yes"})
    mandate = Mandate.objects.get()
    assert response["Location"] == reverse("mandates:detail", args=[mandate.pk])
    assert (mandate.mandator, mandate.mandatary) == (world.alice.person, world.bob.person)
    assert mandate.state == MandateState.PROPOSED
    assert mandate.initiated_by == Initiator.MANDATOR
    assert mandate.valid_until == TODAY() + dt.timedelta(days=365)
    assert (mandate.allows_subdelegation, mandate.max_depth) == (True, 2)
    assert {(s.role_id, s.domain_id) for s in mandate.scope.all()} == {
        (world.vat.pk, None),
        (None, world.social.pk),
    }
    assert "The proposal is sent" in client.get(response["Location"]).content.decode()
    # The answers are forgotten: a new wizard starts empty.
    assert client.get(PROPOSE_REVIEW)["Location"] == PROPOSE


def test_propose_wizard_shows_a_person_by_masked_number_only(client_at, world):
    client = client_at(world.alice, "substantial")
    client.post(PROPOSE, {"kind": "person", "number": "85.07.14-124.29"})
    step_2 = client.get(PROPOSE_SCOPE).content.decode()
    assert "shown by number only" in step_2
    assert "85.07.14-***.**" in step_2
    assert not Person.objects.filter(national_number=UNKNOWN_PERSON).exists()
    client.post(PROPOSE_SCOPE, scope_data())
    client.post(PROPOSE_REVIEW, {"confirm": "yes"})
    assert Mandate.objects.get().mandatary_person.national_number == UNKNOWN_PERSON


def test_propose_wizard_to_a_company_by_enterprise_number(client_at, world):
    client = act_for(client_at(world.client_manager, "substantial"), world.client)
    client.post(PROPOSE, {"kind": "company", "number": world.provider.formatted_number})
    assert world.provider.name in client.get(PROPOSE_SCOPE).content.decode()
    client.post(PROPOSE_SCOPE, scope_data(scope=["domain:finance"]))
    response = client.post(PROPOSE_REVIEW, {"confirm": "yes"})
    assert response.status_code == 302
    mandate = Mandate.objects.get()
    assert (mandate.mandator, mandate.mandatary) == (world.client, world.provider)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "person", "number": "85071412428"}, "check"),
        ({"kind": "person", "number": ""}, "Enter the number of the person or the company."),
        ({"kind": "company", "number": "0403019262"}, "check digits"),
        (
            {"kind": "company", "number": UNKNOWN_COMPANY},
            "No company with this enterprise number is registered.",
        ),
        ({"kind": "robot", "number": "1"}, "Select a valid choice"),
    ],
)
def test_propose_wizard_step_1_refuses_bad_number(client_at, world, data, message):
    people = Person.objects.count()
    client = client_at(world.alice, "substantial")
    response = client.post(PROPOSE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Person.objects.count() == people
    assert client.get(PROPOSE_SCOPE)["Location"] == PROPOSE  # nothing kept


def test_propose_wizard_step_1_refuses_oneself(client_at, world):
    client = client_at(world.alice, "substantial")
    response = client.post(
        PROPOSE, {"kind": "person", "number": world.alice.person.national_number}
    )
    assert response.status_code == 400
    assert "A mandate cannot be given to oneself." in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scope": []}, "Choose at least one domain, service or role."),
        ({"scope": ["domain:nowhere"]}, "Choose from the catalogue shown"),
        ({"valid_from": "2020-01-01"}, "A mandate cannot start in the past."),
        ({"valid_from": "31/31/2031"}, "Enter a date"),
        (
            {"valid_until": (TODAY() - dt.timedelta(days=1)).isoformat()},
            "The end date cannot be before the start date.",
        ),
        ({"max_depth": "9"}, "Select a valid choice"),
    ],
)
def test_propose_wizard_step_2_refuses_bad_input(client_at, world, overrides, message):
    client = client_at(world.alice, "substantial")
    client.post(PROPOSE, {"kind": "person", "number": world.bob.person.national_number})
    response = client.post(PROPOSE_SCOPE, scope_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(PROPOSE_REVIEW)["Location"] == PROPOSE_SCOPE
    assert not Mandate.objects.exists()


def test_propose_wizard_review_checks_the_answers_again(client_at, world):
    client = client_at(world.alice, "substantial")
    client.post(PROPOSE, {"kind": "person", "number": world.bob.person.national_number})
    client.post(PROPOSE_SCOPE, scope_data())
    # The catalogue changed since step 2 (a service withdrawn), or the session was tampered with.
    session = client.session
    key = f"{WIZARD_SESSION_KEY}:propose"
    session[key] = {**session[key], "scope": {**session[key]["scope"], "scope": ["service:gone"]}}
    session.save()
    review = client.get(PROPOSE_REVIEW)
    assert review.status_code == 400
    assert "Choose from the catalogue shown" in review.content.decode()
    response = client.post(PROPOSE_REVIEW, {"confirm": "yes"})
    assert response.status_code == 400
    assert not Mandate.objects.exists()


def test_propose_wizard_review_shows_the_service_refusal_with_its_step(client_at, world):
    world.vat.for_clients_allowed = False
    world.vat.save()
    client = act_for(client_at(world.client_manager, "substantial"), world.client)
    client.post(PROPOSE, {"kind": "company", "number": world.provider.enterprise_number})
    client.post(PROPOSE_SCOPE, scope_data(scope=["role:vat/declarant"]))
    response = client.post(PROPOSE_REVIEW, {"confirm": "yes"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be held by a company for its clients" in html
    assert PROPOSE_SCOPE in html
    assert not Mandate.objects.exists()


def test_propose_wizard_review_refused_for_manager_of_another_domain(client_at, world):
    social_manager = UserFactory()
    designate(social_manager, world.client, AccessManagerKind.DOMAIN, world.social)
    client = act_for(client_at(social_manager, "substantial"), world.client)
    client.post(PROPOSE, {"kind": "company", "number": world.provider.enterprise_number})
    client.post(PROPOSE_SCOPE, scope_data(scope=["domain:finance"]))
    response = client.post(PROPOSE_REVIEW, {"confirm": "yes"})
    assert response.status_code == 403
    assert "every domain" in response.content.decode()
    assert not Mandate.objects.exists()


def test_propose_wizard_review_keeps_no_new_person_when_refused(client_at, world):
    social_manager = UserFactory()
    designate(social_manager, world.client, AccessManagerKind.DOMAIN, world.social)
    client = act_for(client_at(social_manager, "substantial"), world.client)
    client.post(PROPOSE, {"kind": "person", "number": UNKNOWN_PERSON})
    client.post(PROPOSE_SCOPE, scope_data(scope=["domain:finance"]))
    assert client.post(PROPOSE_REVIEW, {"confirm": "yes"}).status_code == 403
    assert not Person.objects.filter(national_number=UNKNOWN_PERSON).exists()


def test_propose_wizard_review_needs_confirmation(client_at, world):
    client = client_at(world.alice, "substantial")
    client.post(PROPOSE, {"kind": "person", "number": world.bob.person.national_number})
    client.post(PROPOSE_SCOPE, scope_data())
    response = client.post(PROPOSE_REVIEW, {})
    assert response.status_code == 400
    assert not Mandate.objects.exists()


def test_propose_wizard_asks_step_up_at_level_low(client_at, world):
    response = client_at(world.alice, "low").get(PROPOSE)
    assert response.status_code == 302
    assert "level=substantial" in response["Location"]


def test_propose_wizard_restart_forgets_earlier_answers(client_at, world):
    client = client_at(world.alice, "substantial")
    client.post(PROPOSE, {"kind": "person", "number": world.bob.person.national_number})
    client.get(PROPOSE, {"restart": "1"})
    assert client.get(PROPOSE_SCOPE)["Location"] == PROPOSE


# --- The request and sub-delegation wizards ------------------------------------------------------


def test_request_wizard_end_to_end_asks_the_mandator(client_at, world):
    client = client_at(world.bob, "substantial")
    client.post(
        reverse("mandates:request"),
        {"kind": "person", "number": world.alice.person.national_number},
    )
    step_2 = client.get(reverse("mandates:request_scope")).content.decode()
    assert "Mandator" in step_2
    assert "allows_subdelegation" not in step_2
    client.post(reverse("mandates:request_scope"), scope_data(scope=["role:vat/declarant"]))
    response = client.post(reverse("mandates:request_review"), {"confirm": "yes"})
    mandate = Mandate.objects.get()
    assert response["Location"] == reverse("mandates:detail", args=[mandate.pk])
    assert (mandate.mandator, mandate.mandatary) == (world.alice.person, world.bob.person)
    assert mandate.initiated_by == Initiator.MANDATARY
    assert "The request is sent" in client.get(response["Location"]).content.decode()


def test_request_wizard_refuses_asking_oneself(client_at, world):
    client = client_at(world.bob, "substantial")
    response = client.post(
        reverse("mandates:request"), {"kind": "person", "number": world.bob.person.national_number}
    )
    assert response.status_code == 400
    assert "You cannot ask yourself for a mandate." in response.content.decode()


def test_subdelegate_wizard_end_to_end_within_the_parent(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    client = client_at(world.bob, "high")
    start = reverse("mandates:subdelegate", args=[parent.pk])
    client.post(start, {"kind": "person", "number": world.carol.person.national_number})
    scope_url = reverse("mandates:subdelegate_scope", args=[parent.pk])
    step_2 = client.get(scope_url).content.decode()
    # Only what the parent covers is offered.
    assert 'value="role:vat/declarant"' in step_2
    assert 'value="domain:social"' not in step_2
    assert "allows_subdelegation" not in step_2  # the parent leaves no further link
    client.post(scope_url, scope_data(scope=["role:vat/declarant"], valid_until=""))
    response = client.post(
        reverse("mandates:subdelegate_review", args=[parent.pk]), {"confirm": "yes"}
    )
    child = Mandate.objects.get(parent=parent)
    assert response["Location"] == reverse("mandates:detail", args=[child.pk])
    assert (child.mandator, child.mandatary, child.depth) == (
        world.bob.person,
        world.carol.person,
        1,
    )


def test_subdelegate_wizard_refuses_scope_beyond_the_parent(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    client = client_at(world.bob, "high")
    client.post(
        reverse("mandates:subdelegate", args=[parent.pk]),
        {"kind": "person", "number": world.carol.person.national_number},
    )
    response = client.post(
        reverse("mandates:subdelegate_scope", args=[parent.pk]), scope_data(scope=["domain:social"])
    )
    assert response.status_code == 400
    assert not Mandate.objects.filter(parent=parent).exists()


def test_subdelegate_wizard_refused_when_not_allowed(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED)
    response = client_at(world.bob, "high").get(reverse("mandates:subdelegate", args=[parent.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mandates:detail", args=[parent.pk])


def test_subdelegate_wizard_refused_for_the_mandator(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.alice, "high").get(reverse("mandates:subdelegate", args=[parent.pk]))
    assert response.status_code == 403


def test_subdelegate_wizard_asks_step_up_when_substantial(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.bob, "substantial").get(
        reverse("mandates:subdelegate", args=[parent.pk])
    )
    assert response.status_code == 302
    assert "level=high" in response["Location"]


def test_subdelegate_wizard_of_someone_elses_mandate_is_404(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.carol, "high").get(reverse("mandates:subdelegate", args=[parent.pk]))
    assert response.status_code == 404
