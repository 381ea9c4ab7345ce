"""Choosing and switching the acting context, and refusing a company without rights."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

import pytest

from csam.audit.models import AuditEvent
from csam.authz.services import SESSION_KEY
from tests.factories.companies import (
    AccessManagerFactory,
    CompanyFactory,
    GrantFactory,
    LegalRepresentativeFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("authz:acting_choose")


def test_acting_choose_lists_only_companies_with_ties(client_at, user, company_a, company_b):
    GrantFactory(company=company_a, person=user.person)
    client = client_at(user)
    response = client.get(URL)
    content = response.content.decode()
    assert company_a.name in content
    assert company_b.name not in content


@pytest.mark.parametrize("tie", ["grant", "legal_representative", "access_manager"])
def test_acting_choose_company_allowed_when_person_has_tie(client_at, user, company_a, tie):
    factory = {
        "grant": GrantFactory,
        "legal_representative": LegalRepresentativeFactory,
        "access_manager": AccessManagerFactory,
    }[tie]
    factory(company=company_a, person=user.person)
    client = client_at(user)
    response = client.post(URL, {"choice": str(company_a.pk)})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == company_a.pk
    page = client.get(reverse("home")).content.decode()
    assert company_a.name in page  # the header shows the acting context


def test_acting_choose_company_refused_when_no_right(client_at, user, company_a, company_b):
    GrantFactory(company=company_a, person=user.person)
    client = client_at(user)
    response = client.post(URL, {"choice": str(company_b.pk)})
    assert response.status_code == 403
    assert "You hold no right in this company." in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="acting.choose_company", outcome="denied").exists()


def test_acting_choose_unknown_company_same_answer_as_no_right(client_at, user):
    client = client_at(user)
    response = client.post(URL, {"choice": "999999"})
    assert response.status_code == 403
    assert "You hold no right in this company." in response.content.decode()


@pytest.mark.parametrize("choice", ["", "abc", "-1", "1 OR 1=1", "x" * 31])
def test_acting_choose_refused_when_input_malformed(client_at, user, choice):
    client = client_at(user)
    response = client.post(URL, {"choice": choice})
    assert response.status_code in (400, 403)
    assert SESSION_KEY not in client.session


def test_acting_choose_refused_when_company_stopped(client_at, user):
    stopped = CompanyFactory(stopped=True)
    GrantFactory(company=stopped, person=user.person)
    client = client_at(user)
    response = client.post(URL, {"choice": str(stopped.pk)})
    assert response.status_code == 403
    assert "stopped" in response.content.decode()


def test_acting_choose_refused_when_grant_expired(client_at, user, company_a):
    GrantFactory(company=company_a, person=user.person, expired=True)
    client = client_at(user)
    response = client.post(URL, {"choice": str(company_a.pk)})
    assert response.status_code == 403


def test_acting_switch_back_to_self(client_at, user, company_a):
    GrantFactory(company=company_a, person=user.person)
    client = client_at(user)
    client.post(URL, {"choice": str(company_a.pk)})
    response = client.post(URL, {"choice": "self"})
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_acting_switch_between_companies(client_at, user, company_a, company_b):
    GrantFactory(company=company_a, person=user.person)
    GrantFactory(company=company_b, person=user.person)
    client = client_at(user)
    client.post(URL, {"choice": str(company_a.pk)})
    client.post(URL, {"choice": str(company_b.pk)})
    assert client.session[SESSION_KEY] == company_b.pk


def test_acting_context_drops_to_self_when_right_ends(client_at, user, company_a):
    grant = GrantFactory(company=company_a, person=user.person)
    client = client_at(user)
    client.post(URL, {"choice": str(company_a.pk)})
    grant.ended_at = timezone.now() - dt.timedelta(seconds=1)
    grant.save(update_fields=["ended_at"])
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert "You can no longer act for that company" in content
    assert SESSION_KEY not in client.session


def test_acting_choose_redirects_to_login_when_anonymous(client, company_a):
    response = client.post(URL, {"choice": str(company_a.pk)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_acting_api_chooses_company_by_enterprise_number(client_at, user, company_a):
    GrantFactory(company=company_a, person=user.person)
    client = client_at(user)
    response = client.post(
        "/api/v1/acting/", {"company": company_a.formatted_number}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["enterprise_number"] == company_a.enterprise_number
    me = client.get("/api/v1/me/").json()
    assert me["acting"]["kind"] == "company"


def test_acting_api_refuses_company_without_right(client_at, user, company_b):
    client = client_at(user)
    response = client.post(
        "/api/v1/acting/", {"company": company_b.enterprise_number}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["reasons"][0]["code"] == "no_right_in_company"


def test_acting_api_refuses_invalid_number_with_message(client_at, user):
    client = client_at(user)
    response = client.post(
        "/api/v1/acting/", {"company": "0403019262"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "check digits" in response.json()["company"][0]
