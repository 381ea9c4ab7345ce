"""Pages, language switching, CSRF on forms, and the accessibility basics of the shell."""

from django.test import Client
from django.urls import reverse

import pytest

from tests.factories.identity import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/about/", "/cookies/", "/accounts/login/"])
def test_public_page_served_with_landmarks_and_skip_link(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html and "<nav" in html
    assert "only essential cookies" in html


def test_about_page_lists_members_and_bodies(client):
    from tests.factories.governance import OrganisationFactory

    OrganisationFactory(name_en="FPS Finance", is_sponsor=True)
    html = client.get("/about/").content.decode()
    assert "FPS Finance" in html
    assert "Management Committee" in html
    assert "Strategic User Committee" in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Se connecter"), ("nl", "Aanmelden"), ("de", "Anmelden"), ("en", "Log in")],
)
def test_language_switch_translates_pages(client, language, expected):
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert f'<html lang="{language}">' in html
    assert expected in html


def test_language_switch_refuses_unknown_language(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_preferred_language_applies_after_login(client, user):
    user.person.preferred_language = "nl"
    user.person.save()
    client.post(reverse("identity:login"), {"username": user.username, "password": PASSWORD})
    assert '<html lang="nl">' in client.get("/").content.decode()


def test_csrf_enforced_on_login_form(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("identity:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_csrf_enforced_on_acting_form(user, company_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("authz:acting_choose"), {"choice": "self"})
    assert response.status_code == 403


def test_csrf_enforced_on_session_api(user, company_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/acting/", {"company": None}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_csrf_passes_with_token(user):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("identity:login"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("identity:login"),
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_unknown_page_is_404_with_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_security_headers_present(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
