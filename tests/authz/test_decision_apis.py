"""The API for e-government services: decisions, batches, representatives, attributes."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from mandates.services import mandate_accept, mandate_propose
from tests.companies.conftest import acting
from tests.factories.companies import GrantFactory, LegalRepresentativeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/decisions/"


def body(world, subject, on_behalf=None, **kw):
    return {
        "subject": subject.person.national_number,
        "on_behalf_of": on_behalf,
        "service": "vat",
        "role": "declarant",
        "assurance": "substantial",
        **kw,
    }


def company(world):
    return {"kind": "company", "number": world.client.formatted_number}


def test_decision_api_allows_with_path(api, world):
    grant = GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    response = api("post", URL, body(world, world.bob, company(world)))
    assert response.status_code == 200
    data = response.json()
    assert data["decision"] == "allow"
    assert data["path"][0] == {
        "kind": "grant",
        "id": grant.pk,
        "valid_from": "2024-01-01",
        "valid_until": None,
    }
    assert data["required_assurance"] == "substantial"


def test_decision_api_denies_with_reasons(api, world):
    response = api("post", URL, body(world, world.bob, company(world)))
    assert response.status_code == 200
    assert response.json()["decision"] == "deny"
    assert response.json()["reasons"][0]["code"] == "no_grant"
    assert response.json()["reasons"][0]["message"]


def test_decision_api_accepts_acr_and_self(api, world):
    response = api("post", URL, body(world, world.bob, assurance="urn:be:fedict:iam:fas:Level500"))
    assert response.json()["decision"] == "allow"
    assert response.json()["path"] == [{"kind": "self"}]


def test_decision_api_person_mandate(api, world):
    mandate = mandate_propose(
        actor=acting(world.alice, None), mandatary=world.bob.person, scope=world.vat_scope()
    )
    mandate_accept(actor=acting(world.bob, None), mandate=mandate)
    on_behalf = {"kind": "person", "number": world.alice.person.national_number}
    response = api("post", URL, body(world, world.bob, on_behalf))
    assert response.json()["decision"] == "allow"


def test_decision_api_as_of_past(api, world):
    from companies.models import Grant

    grant = GrantFactory(
        company=world.client,
        person=world.bob.person,
        role=world.vat,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2024, 12, 31),
    )
    # Recorded at the time, as the history would have it.
    Grant.objects.filter(pk=grant.pk).update(granted_at=dt.datetime(2023, 12, 20, tzinfo=dt.UTC))
    past = body(world, world.bob, company(world), at="2024-06-01T12:00:00+02:00")
    assert api("post", URL, past).json()["decision"] == "allow"
    now = api("post", URL, body(world, world.bob, company(world))).json()
    assert now["reasons"][0]["code"] == "grant_expired"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "85071412428"}, "subject"),
        ({"on_behalf_of": {"kind": "company", "number": "0403019262"}}, "on_behalf_of"),
        ({"on_behalf_of": {"kind": "planet", "number": "1"}}, "on_behalf_of"),
        ({"service": "nope"}, "service"),
        ({"role": "nope"}, "role"),
        ({"assurance": "medium"}, "assurance"),
        ({"at": "yesterday"}, "at"),
        ({"at": "2999-01-01T00:00:00Z"}, "at"),
    ],
)
def test_decision_api_400_per_field(api, world, change, field):
    response = api("post", URL, body(world, world.bob, company(world)) | change)
    assert response.status_code == 400
    assert field in response.json()


def test_decision_api_400_when_body_not_json_object(api):
    assert api("post", URL, ["not", "an", "object"]).status_code == 400


def test_decision_api_403_for_another_services_question(api, world):
    response = api("post", URL, body(world, world.bob, service="dmfa", role="declarant"))
    assert response.status_code == 403


def test_decision_api_401_without_valid_key(client, world):
    response = client.post(
        URL,
        body(world, world.bob),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer csam_0000_nope",
    )
    assert response.status_code == 401


def test_decision_api_refuses_people_sessions(client_at, world):
    response = client_at(world.bob, "high").post(
        URL, body(world, world.bob), content_type="application/json"
    )
    assert response.status_code == 403


def test_decision_api_one_statement_uncached_none_cached(api, world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    api("post", URL, body(world, world.alice))  # warms the key check and the catalogue
    question = body(world, world.bob, company(world))
    with CaptureQueriesContext(connection) as first:
        assert api("post", URL, question).json()["decision"] == "allow"
    with CaptureQueriesContext(connection) as second:  # stored from the second ask
        assert api("post", URL, question).json()["decision"] == "allow"
    with CaptureQueriesContext(connection) as cached:
        assert api("post", URL, question).json()["decision"] == "allow"
    assert len(first) == 1
    assert len(second) == 1
    assert len(cached) == 0


def test_decision_api_sees_revocation_at_once(api, world, django_capture_on_commit_callbacks):
    from companies.services import grant_create, grant_revoke

    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            actor=acting(world.client_manager, world.client),
            tenant=world.client,
            national_number=world.bob.person.national_number,
            role=world.vat,
        )
    question = body(world, world.bob, company(world))
    assert api("post", URL, question).json()["decision"] == "allow"
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(
            actor=acting(world.client_manager, world.client), tenant=world.client, grant=grant
        )
    assert api("post", URL, question).json()["decision"] == "deny"


# --- Batch ----------------------------------------------------------------------------------------


def test_batch_answers_in_order(api, world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    questions = [
        body(world, world.bob, company(world)),
        body(world, world.carol, company(world)),
        body(world, world.alice),
    ]
    response = api("post", URL + "batch/", {"questions": questions})
    assert response.status_code == 200
    assert [a["decision"] for a in response.json()["answers"]] == ["allow", "deny", "allow"]


def test_batch_400_names_bad_question(api, world):
    questions = [body(world, world.bob), body(world, world.bob) | {"subject": "123"}]
    response = api("post", URL + "batch/", {"questions": questions})
    assert response.status_code == 400
    assert "1" in response.json()["questions"]


def test_batch_400_when_too_many(api, world):
    response = api("post", URL + "batch/", {"questions": [body(world, world.bob)] * 1001})
    assert response.status_code == 400


# --- Representatives ------------------------------------------------------------------------------


def test_representatives_lists_grants_reps_and_mandates(api, world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    LegalRepresentativeFactory(company=world.client, person=world.carol.person)
    mandate = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.finance_scope(),
    )
    mandate_accept(actor=acting(world.provider_manager, world.provider), mandate=mandate)
    response = api(
        "get",
        f"/api/v1/services/vat/representatives/?on_behalf_of={world.client.enterprise_number}",
    )
    assert response.status_code == 200
    rows = {r["national_number"]: r for r in response.json()["results"]}
    assert rows[world.bob.person.national_number]["via"][0]["kind"] == "grant"
    assert rows[world.carol.person.national_number]["via"][0]["kind"] == "legal_representative"
    assert rows[world.accountant.person.national_number]["via"][0]["kind"] == "mandate"
    assert response.json()["count"] == 3


def test_representatives_403_for_another_service(api, world):
    response = api(
        "get",
        f"/api/v1/services/dmfa/representatives/?on_behalf_of={world.client.enterprise_number}",
    )
    assert response.status_code == 403


def test_representatives_400_for_bad_number(api, world):
    response = api("get", "/api/v1/services/vat/representatives/?on_behalf_of=12")
    assert response.status_code == 400


# --- Attributes -----------------------------------------------------------------------------------


def test_attributes_age_over_without_birth_date(api, world):
    person = world.bob.person
    person.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 17)
    person.save()
    response = api(
        "get",
        f"/api/v1/persons/{person.national_number}/attributes/?claims=age_over_18,age_over_16",
    )
    assert response.status_code == 200
    assert response.json() == {"age_over_18": False, "age_over_16": True}
    assert "birth" not in response.content.decode()


def test_attributes_residence_refused_unless_allowed(api, world):
    url = f"/api/v1/persons/{world.bob.person.national_number}/attributes/?claims=residence"
    assert api("get", url).status_code == 403
    from companies.models import ServiceClient

    ServiceClient.objects.update(may_read_residence=True)
    from companies.authentication import forget_cached_clients

    forget_cached_clients()
    world.bob.person.residence_municipality = "Namur"
    world.bob.person.save()
    assert api("get", url).json() == {"residence": "Namur"}


@pytest.mark.parametrize(
    "claims", ["", "shoe_size", "age_over_999", ",".join(["age_over_18"] * 11)]
)
def test_attributes_400_for_bad_claims(api, world, claims):
    url = f"/api/v1/persons/{world.bob.person.national_number}/attributes/?claims={claims}"
    assert api("get", url).status_code == 400


def test_attributes_404_for_unknown_person_and_400_for_invalid(api):
    assert (
        api("get", "/api/v1/persons/85071412429/attributes/?claims=age_over_18").status_code == 404
    )
    assert (
        api("get", "/api/v1/persons/85071412428/attributes/?claims=age_over_18").status_code == 400
    )


def test_batch_is_one_statement_for_all_uncached_questions(api, world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    api("post", URL, body(world, world.alice))  # warms the key check and the catalogue
    questions = [
        body(world, world.bob, company(world)),
        body(world, world.carol, company(world)),
        body(world, world.bob),
    ] * 20
    with CaptureQueriesContext(connection) as uncached:
        answers = api("post", URL + "batch/", {"questions": questions}).json()["answers"]
    assert [a["decision"] for a in answers[:3]] == ["allow", "deny", "allow"]
    assert len(answers) == 60
    assert len(uncached) == 1
    api("post", URL + "batch/", {"questions": questions})  # asked again: now stored
    with CaptureQueriesContext(connection) as cached:
        api("post", URL + "batch/", {"questions": questions})
    assert len(cached) == 0


# --- The lean path -------------------------------------------------------------------------------


def _through_drf_only(monkeypatch):
    from csam.authz.apis import lean as apis

    monkeypatch.setattr(apis, "_lean_answers", lambda *args: None)


@pytest.mark.parametrize("granted", [True, False])
def test_lean_path_answers_byte_for_byte_as_drf(api, world, monkeypatch, granted):
    if granted:
        GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    question = body(world, world.bob, company(world))
    lean = api("post", URL, question)
    batch = api("post", URL + "batch/", {"questions": [question, question]})
    _through_drf_only(monkeypatch)
    assert api("post", URL, question).content == lean.content
    assert api("post", URL + "batch/", {"questions": [question, question]}).content == (
        batch.content
    )
    assert lean.json()["decision"] == ("allow" if granted else "deny")


def test_lean_path_counts_each_request_once_against_the_clients_rate(api, world, settings):
    framework = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **framework,
        "DEFAULT_THROTTLE_RATES": {**framework["DEFAULT_THROTTLE_RATES"], "service_client": "3/h"},
    }
    question = body(world, world.bob, company(world))
    assert api("post", URL, question).status_code == 200
    # Refused by validation after the lean path counted it: counted once, not twice.
    assert api("post", URL, question | {"assurance": "medium"}).status_code == 400
    assert api("post", URL + "batch/", {"questions": [question]}).status_code == 200
    refused = api("post", URL, question)
    assert refused.status_code == 429
    assert "Retry-After" in refused


def test_lean_path_leaves_a_bad_key_to_drf(client, world):
    response = client.post(
        URL,
        body(world, world.bob, company(world)),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer not-a-key",
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
