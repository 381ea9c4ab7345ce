"""The mandates API: lists, propose, request, one mandate, accept / refuse / revoke, sub-delegate.

Every transition from every state by both sides (200, 403 for the wrong side, 409 from the wrong
state); bad input answers 400 per field and changes nothing; a matrix of actors over list,
detail and acts proves that a party reaches only its own mandates (404 otherwise)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from companies.models import AccessManagerKind
from csam.audit.models import AuditEvent
from csam.authz.services import MANDATE_SESSION_KEY
from identity.models import Person
from mandates.models import Initiator, Mandate, MandateScope, MandateState
from mandates.services import (
    mandate_request,
)
from tests.companies.conftest import acting, designate
from tests.factories.identity import UserFactory
from tests.mandates.helpers import act_for, citizen_mandate, company_mandate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LIST = reverse("api:mandates")
REQUEST = reverse("api:mandate_request")
UNKNOWN_PERSON = "85071412429"
UNKNOWN_COMPANY = "0403019261"


# --- Helpers -------------------------------------------------------------------------------------


def bulk_mandates(world, count):
    for _ in range(count):
        mandate = Mandate.objects.create(
            mandator_person=world.alice.person,
            mandatary_person=UserFactory().person,
            valid_from=TODAY(),
            proposed_by=world.alice.person,
        )
        MandateScope.objects.create(mandate=mandate, role=world.vat)
        MandateScope.objects.create(mandate=mandate, domain=world.social)


def state_of(mandate):
    mandate.refresh_from_db()
    return mandate.state


def url(name, mandate):
    return reverse(f"api:{name}", args=[mandate.pk])


def proposal(world, **overrides):
    body = {
        "mandatary": {"kind": "person", "number": world.bob.person.national_number},
        "scope": [{"role": "declarant", "service": "vat"}, {"domain": "social"}],
        "valid_from": TODAY().isoformat(),
        "valid_until": (TODAY() + dt.timedelta(days=90)).isoformat(),
        "allows_subdelegation": True,
        "max_depth": 1,
    }
    return body | overrides


@pytest.fixture
def other_manager(world):
    user = UserFactory()
    designate(user, world.other_provider, AccessManagerKind.MAIN)
    return user


def client_for(client_at, world, other_manager, actor, company, level="high"):
    if actor == "anonymous":
        return None
    user = other_manager if actor == "other_manager" else getattr(world, actor)
    client = client_at(user, level)
    if company is not None:
        act_for(client, getattr(world, company))
    return client


# --- List ----------------------------------------------------------------------------------------


def test_mandate_list_given_received_awaiting(client_at, world):
    given = citizen_mandate(world, MandateState.ACCEPTED)
    pending = citizen_mandate(world)
    bob = client_at(world.bob)
    assert [m["id"] for m in bob.get(LIST, {"role": "given"}).json()["results"]] == []
    received = bob.get(LIST, {"role": "received"}).json()
    assert [m["id"] for m in received["results"]] == [pending.pk, given.pk]
    awaiting = bob.get(LIST, {"role": "awaiting"}).json()
    assert [m["id"] for m in awaiting["results"]] == [pending.pk]
    alice = client_at(world.alice)
    assert alice.get(LIST).json()["count"] == 2  # "given" by default
    assert alice.get(LIST, {"role": "awaiting"}).json()["count"] == 0


def test_mandate_list_item_shape_masks_national_numbers(client_at, world):
    citizen_mandate(world)
    item = client_at(world.alice).get(LIST).json()["results"][0]
    assert item["mandatary"] == {
        "kind": "person",
        "name": world.bob.person.full_name,
        "number": world.bob.person.masked_number,
    }
    assert item["scope"] == [
        {"domain": None, "service": "vat", "role": "declarant", "name": "Vat: Declarant"}
    ]
    assert item["state"] == "proposed"
    assert world.bob.person.national_number not in str(item)


def test_mandate_list_filters_by_state(client_at, world):
    citizen_mandate(world, MandateState.REFUSED)
    citizen_mandate(world, MandateState.ACCEPTED)
    results = client_at(world.alice).get(LIST, {"state": "refused"}).json()["results"]
    assert [m["state"] for m in results] == ["refused"]


@pytest.mark.parametrize("query", [{"role": "all"}, {"state": "sleeping"}])
def test_mandate_list_refuses_unknown_filter(client_at, world, query):
    response = client_at(world.alice).get(LIST, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.parametrize("role", ["given", "received", "awaiting"])
def test_mandate_list_queries_bounded_when_many_mandates(
    client_at, world, role, django_assert_max_num_queries
):
    bulk_mandates(world, 3)
    client = client_at(world.alice)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"role": role})
    bulk_mandates(world, 40)
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as many:
        response = client.get(LIST, {"role": role, "limit": 100})
    assert response.status_code == 200
    assert len(many) == len(few)


def test_mandate_list_company_b_rows_invisible_to_company_a(client_at, world, other_manager):
    company_mandate(world, MandateState.ACCEPTED)
    client = act_for(client_at(other_manager, "substantial"), world.other_provider)
    for role in ("given", "received", "awaiting"):
        assert client.get(LIST, {"role": role}).json()["count"] == 0
    client = act_for(client_at(world.provider_manager, "substantial"), world.provider)
    assert client.get(LIST, {"role": "received"}).json()["count"] == 1


def test_mandate_list_refused_while_acting_under_a_mandate(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    client = client_at(world.bob)
    session = client.session
    session[MANDATE_SESSION_KEY] = mandate.pk
    session.save()
    response = client.get(LIST)
    assert response.status_code == 403
    assert "under a mandate" in response.json()["detail"]


def test_mandate_list_asks_step_up_for_company_at_level_low(client_at, world):
    client = act_for(client_at(world.client_manager, "low"), world.client)
    response = client.get(LIST)
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"


def test_mandate_list_refused_for_anonymous(client):
    assert client.get(LIST).status_code == 401


# --- Isolation matrix: list, detail and acts ------------------------------------------------------

CITIZEN_MATRIX = [
    # (actor, company acted for, detail, revoke, accept)
    ("alice", None, 200, 200, 403),
    ("bob", None, 200, 403, 200),
    ("carol", None, 404, 404, 404),
    ("accountant", None, 404, 404, 404),
    ("accountant", "provider", 403, 403, 403),
    ("other_manager", "other_provider", 404, 404, 404),
    ("client_manager", "client", 404, 404, 404),
    ("anonymous", None, 401, 401, 401),
]


@pytest.mark.parametrize(("actor", "company", "detail", "revoke", "accept"), CITIZEN_MATRIX)
def test_citizen_mandate_reached_only_by_its_parties(
    client_at, client, world, other_manager, actor, company, detail, revoke, accept
):
    mandate = citizen_mandate(world)
    client = client_for(client_at, world, other_manager, actor, company) or client
    given = client.get(LIST, {"role": "given"})
    received = client.get(LIST, {"role": "received"})
    if detail == 200:
        listed = {m["id"] for m in given.json()["results"] + received.json()["results"]}
        assert listed == {mandate.pk}
    elif detail == 404:
        assert given.json()["count"] == received.json()["count"] == 0
    else:
        assert given.status_code == received.status_code == detail
    assert client.get(url("mandate", mandate)).status_code == detail
    assert client.post(url("mandate_accept", mandate)).status_code == accept
    assert client.post(url("mandate_refuse", mandate)).status_code in (accept, 409)
    assert client.post(url("mandate_revoke", mandate)).status_code == revoke


COMPANY_MATRIX = [
    ("client_manager", "client", 200, 200, 403),
    ("provider_manager", "provider", 200, 403, 200),
    ("accountant", "provider", 403, 403, 403),
    ("accountant", None, 404, 404, 404),
    ("client_manager", None, 404, 404, 404),
    ("other_manager", "other_provider", 404, 404, 404),
    ("alice", None, 404, 404, 404),
]


@pytest.mark.parametrize(("actor", "company", "detail", "revoke", "accept"), COMPANY_MATRIX)
def test_company_mandate_reached_only_by_managers_of_its_parties(
    client_at, world, other_manager, actor, company, detail, revoke, accept
):
    mandate = company_mandate(world)
    client = client_for(client_at, world, other_manager, actor, company)
    assert client.get(url("mandate", mandate)).status_code == detail
    assert client.post(url("mandate_accept", mandate)).status_code == accept
    assert client.post(url("mandate_revoke", mandate)).status_code == revoke


def test_mandate_retrieve_shows_events(client_at, world):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    body = client_at(world.bob).get(url("mandate", mandate)).json()
    assert [e["kind"] for e in body["events"]] == ["proposed", "accepted"]
    assert body["events"][1]["actor"] == world.bob.person.full_name
    assert body["accepted_at"] is not None


def test_mandate_retrieve_missing_is_404(client_at, world):
    assert client_at(world.alice).get(reverse("api:mandate", args=[999999])).status_code == 404


# --- Transitions ---------------------------------------------------------------------------------

TRANSITIONS = [
    # (state before, act, actor, status, state after)
    ("proposed", "accept", "bob", 200, "accepted"),
    ("proposed", "accept", "alice", 403, "proposed"),
    ("accepted", "accept", "bob", 409, "accepted"),
    ("refused", "accept", "bob", 409, "refused"),
    ("revoked", "accept", "bob", 409, "revoked"),
    ("proposed", "refuse", "bob", 200, "refused"),
    ("proposed", "refuse", "alice", 403, "proposed"),
    ("accepted", "refuse", "bob", 409, "accepted"),
    ("refused", "refuse", "bob", 409, "refused"),
    ("revoked", "refuse", "alice", 409, "revoked"),
    ("proposed", "revoke", "alice", 200, "revoked"),
    ("accepted", "revoke", "alice", 200, "revoked"),
    ("proposed", "revoke", "bob", 403, "proposed"),
    ("accepted", "revoke", "bob", 403, "accepted"),
    ("refused", "revoke", "alice", 409, "refused"),
    ("revoked", "revoke", "alice", 409, "revoked"),
]


@pytest.mark.parametrize(("before", "act", "actor", "status", "after"), TRANSITIONS)
def test_mandate_act_only_from_right_state_by_right_side(
    client_at, world, before, act, actor, status, after
):
    mandate = citizen_mandate(world, before)
    events = mandate.events.count()
    response = client_at(getattr(world, actor), "high").post(url(f"mandate_{act}", mandate))
    assert response.status_code == status
    assert state_of(mandate) == after
    if status == 200:
        assert response.json()["state"] == after
        assert mandate.events.count() == events + 1
    else:
        assert response.json()["detail"]
        assert mandate.events.count() == events


def test_mandate_accept_needs_step_up_when_substantial(client_at, world):
    mandate = citizen_mandate(world)
    response = client_at(world.bob, "substantial").post(url("mandate_accept", mandate))
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert response.json()["required_assurance"] == "high"
    assert state_of(mandate) == "proposed"


def test_mandate_refuse_at_substantial(client_at, world):
    mandate = citizen_mandate(world)
    response = client_at(world.bob, "substantial").post(url("mandate_refuse", mandate))
    assert response.status_code == 200
    assert state_of(mandate) == "refused"


def test_mandate_request_approved_by_mandator_not_by_requester(client_at, world):
    mandate = mandate_request(
        actor=acting(world.bob, None), mandator=world.alice.person, scope=world.vat_scope()
    )
    assert client_at(world.bob).post(url("mandate_accept", mandate)).status_code == 403
    response = client_at(world.alice, "high").post(url("mandate_accept", mandate))
    assert response.status_code == 200
    assert state_of(mandate) == "accepted"


def test_mandate_revoke_ends_subdelegations(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.bob, "high").post(
        url("mandate_subdelegate", parent),
        {
            "mandatary": {"kind": "person", "number": world.carol.person.national_number},
            "scope": [{"role": "declarant", "service": "vat"}],
        },
        content_type="application/json",
    )
    child = Mandate.objects.get(pk=response.json()["id"])
    assert (
        client_at(world.alice, "substantial").post(url("mandate_revoke", parent)).status_code == 200
    )
    assert state_of(child) == "revoked"
    assert child.events.last().kind == "ended_with_parent"


# --- Propose -------------------------------------------------------------------------------------


def test_mandate_propose_to_a_person_returns_201(client_at, world):
    response = client_at(world.alice, "substantial").post(
        LIST, proposal(world), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    mandate = Mandate.objects.get()
    assert body["id"] == mandate.pk
    assert body["state"] == "proposed"
    assert body["initiated_by"] == "mandator"
    assert body["mandator"]["number"] == world.alice.person.masked_number
    assert (body["allows_subdelegation"], body["max_depth"]) == (True, 1)
    assert [e["kind"] for e in body["events"]] == ["proposed"]
    assert mandate.mandatary == world.bob.person
    assert mandate.scope.count() == 2
    assert AuditEvent.objects.filter(action="mandates.proposed").count() == 1


def test_mandate_propose_to_a_company_by_enterprise_number(client_at, world):
    client = act_for(client_at(world.client_manager, "substantial"), world.client)
    body = proposal(
        world,
        mandatary={"kind": "company", "number": world.provider.formatted_number},
        scope=[{"service": "vat"}],
    )
    response = client.post(LIST, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["mandatary"] == {
        "kind": "company",
        "name": world.provider.name,
        "number": world.provider.enterprise_number,
    }
    assert Mandate.objects.get().mandator == world.client


def test_mandate_propose_to_a_person_not_yet_known_creates_them(client_at, world):
    body = proposal(world, mandatary={"kind": "person", "number": "85.07.14-124.29"})
    response = client_at(world.alice, "substantial").post(
        LIST, body, content_type="application/json"
    )
    assert response.status_code == 201
    assert Mandate.objects.get().mandatary_person.national_number == UNKNOWN_PERSON


def test_mandate_request_returns_201_awaiting_the_mandator(client_at, world):
    body = {
        "mandator": {"kind": "person", "number": world.alice.person.national_number},
        "scope": [{"role": "declarant", "service": "vat"}],
    }
    response = client_at(world.bob, "substantial").post(
        REQUEST, body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    mandate = Mandate.objects.get()
    assert mandate.initiated_by == Initiator.MANDATARY
    assert (mandate.mandator, mandate.mandatary) == (world.alice.person, world.bob.person)
    assert mandate.valid_from == TODAY()
    awaiting = client_at(world.alice).get(LIST, {"role": "awaiting"}).json()
    assert [m["id"] for m in awaiting["results"]] == [mandate.pk]


BAD_PROPOSALS = [
    # (what changes, the field answering, a piece of its message)
    ({"mandatary": {"kind": "person", "number": "85071412428"}}, "mandatary", "check"),
    ({"mandatary": {"kind": "company", "number": "0403019262"}}, "mandatary", "check digits"),
    (
        {"mandatary": {"kind": "company", "number": UNKNOWN_COMPANY}},
        "mandatary",
        "No company with this enterprise number is registered.",
    ),
    ({"mandatary": {"kind": "robot", "number": "1"}}, "mandatary", "valid choice"),
    ({"mandatary": "alice"}, "mandatary", ""),
    ({"valid_from": "2020-01-01"}, "valid_from", "cannot start in the past"),
    ({"valid_until": "2000-01-01"}, "valid_until", "cannot be before the start date"),
    ({"valid_until": "someday"}, "valid_until", "format"),
    ({"scope": []}, "scope", "Choose at least one domain, service or role."),
    ({"scope": [{"domain": "nowhere"}]}, "scope", "There is no domain “nowhere”."),
    ({"scope": [{"service": "gone"}]}, "scope", "There is no offered service “gone”."),
    ({"scope": [{"role": "boss", "service": "vat"}]}, "scope", "There is no role “boss”"),
    ({"scope": [{"role": "declarant"}]}, "scope", "one role with its service"),
    ({"scope": [{"domain": "finance", "service": "vat"}]}, "scope", "one role with its service"),
    ({"max_depth": 9}, "max_depth", "3"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_PROPOSALS)
def test_mandate_propose_refuses_bad_input_and_changes_nothing(
    client_at, world, changes, field, message
):
    people = Person.objects.count()
    response = client_at(world.alice, "substantial").post(
        LIST, proposal(world, **changes), content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {field}
    assert message in str(errors[field])
    assert not Mandate.objects.exists()
    assert Person.objects.count() == people


def test_mandate_propose_refuses_a_mandate_to_oneself(client_at, world):
    body = proposal(
        world, mandatary={"kind": "person", "number": world.alice.person.national_number}
    )
    response = client_at(world.alice, "substantial").post(
        LIST, body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"mandatary": {"number": ["A mandate cannot be given to oneself."]}}
    assert not Mandate.objects.exists()


def test_mandate_propose_refuses_role_not_for_clients_to_a_company(client_at, world):
    world.vat.for_clients_allowed = False
    world.vat.save()
    body = proposal(
        world,
        mandatary={"kind": "company", "number": world.provider.enterprise_number},
        scope=[{"role": "declarant", "service": "vat"}],
    )
    response = client_at(world.alice, "substantial").post(
        LIST, body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "cannot be held by a company" in response.json()["scope"][0]
    assert not Mandate.objects.exists()


def test_mandate_propose_refused_to_manager_of_another_domain(client_at, world):
    social_manager = UserFactory()
    designate(social_manager, world.client, AccessManagerKind.DOMAIN, world.social)
    client = act_for(client_at(social_manager, "substantial"), world.client)
    body = proposal(
        world,
        mandatary={"kind": "person", "number": UNKNOWN_PERSON},
        scope=[{"domain": "finance"}],
    )
    response = client.post(LIST, body, content_type="application/json")
    assert response.status_code == 403
    assert "every domain" in response.json()["detail"]
    assert not Mandate.objects.exists()
    assert not Person.objects.filter(national_number=UNKNOWN_PERSON).exists()


def test_mandate_propose_needs_step_up_at_level_low(client_at, world):
    response = client_at(world.alice, "low").post(
        LIST, proposal(world), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["required_assurance"] == "substantial"
    assert not Mandate.objects.exists()


def test_mandate_propose_refused_for_anonymous(client, world):
    response = client.post(LIST, proposal(world), content_type="application/json")
    assert response.status_code == 401
    assert not Mandate.objects.exists()


# --- Sub-delegate --------------------------------------------------------------------------------


def subdelegation(world, **overrides):
    body = {
        "mandatary": {"kind": "person", "number": world.carol.person.national_number},
        "scope": [{"role": "declarant", "service": "vat"}],
    }
    return body | overrides


def test_mandate_subdelegate_returns_201_within_the_parent(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.bob, "high").post(
        url("mandate_subdelegate", parent), subdelegation(world), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["parent"], body["depth"], body["state"]) == (parent.pk, 1, "proposed")
    assert body["mandator"]["name"] == world.bob.person.full_name


def test_mandate_subdelegate_conflict_when_parent_not_accepted(client_at, world):
    parent = citizen_mandate(world, allows_subdelegation=True, max_depth=1)
    response = client_at(world.bob, "high").post(
        url("mandate_subdelegate", parent), subdelegation(world), content_type="application/json"
    )
    assert response.status_code == 409
    assert "accepted" in response.json()["detail"]
    assert not Mandate.objects.filter(parent=parent).exists()


ALLOWED = {"allows_subdelegation": True, "max_depth": 1}


@pytest.mark.parametrize(
    ("parent_kwargs", "changes", "field"),
    [
        (ALLOWED, {"scope": [{"domain": "social"}]}, "scope"),  # more than the parent covers
        ({}, {}, "parent"),  # the parent may not be sub-delegated
        (ALLOWED, {"mandatary": "the mandator"}, "mandatary"),  # the chain would loop back
        (ALLOWED, {"max_depth": 1, "allows_subdelegation": True}, "max_depth"),  # too deep
    ],
)
def test_mandate_subdelegate_refuses_bad_input(client_at, world, parent_kwargs, changes, field):
    parent = citizen_mandate(world, MandateState.ACCEPTED, **parent_kwargs)
    if changes.get("mandatary") == "the mandator":
        changes = {"mandatary": {"kind": "person", "number": world.alice.person.national_number}}
    response = client_at(world.bob, "high").post(
        url("mandate_subdelegate", parent),
        subdelegation(world, **changes),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Mandate.objects.filter(parent=parent).exists()


def test_mandate_subdelegate_refused_for_the_mandator(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.alice, "high").post(
        url("mandate_subdelegate", parent), subdelegation(world), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Mandate.objects.filter(parent=parent).exists()


def test_mandate_subdelegate_needs_step_up_when_substantial(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.bob, "substantial").post(
        url("mandate_subdelegate", parent), subdelegation(world), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"


def test_mandate_subdelegate_of_someone_elses_mandate_is_404(client_at, world):
    parent = citizen_mandate(world, MandateState.ACCEPTED, allows_subdelegation=True, max_depth=1)
    response = client_at(world.carol, "high").post(
        url("mandate_subdelegate", parent), subdelegation(world), content_type="application/json"
    )
    assert response.status_code == 404


# --- Schema --------------------------------------------------------------------------------------


def test_mandate_operations_are_documented(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation_ids = {
        operation["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/mandates/")
        for operation in item.values()
    }
    assert operation_ids == {
        "mandates_list",
        "mandates_propose",
        "mandates_request",
        "mandates_retrieve",
        "mandates_accept",
        "mandates_refuse",
        "mandates_revoke",
        "mandates_withdraw",
        "mandates_subdelegate",
    }
