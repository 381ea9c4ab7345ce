"""Security headers on every page: every URL that takes no argument plus a few detail pages,
anonymous, as a person acting for a company, and as staff (the admin). HTML pages carry no
inline script, no inline style and no event-handler attribute, which the policy would block."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pytest

from csam.authz.services import SESSION_KEY as ACTING_SESSION_KEY
from tests.conftest import login_at
from tests.factories.governance import BodyFactory, MeetingFactory
from tests.factories.identity import UserFactory
from tests.mandates.helpers import citizen_mandate

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _plain_paths(patterns=None, prefix=""):
    """Every path of the URL configuration that takes no argument."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if any(mark in route for mark in "<(^$?*+\\["):
            continue  # takes an argument (or is a regular expression)
        if isinstance(entry, URLResolver):
            yield from _plain_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def assert_security_headers(response, path):
    where = f"{path} ({response.status_code})"
    policy = _policy(response)
    assert policy["default-src"] == "'self'", where
    assert policy["frame-ancestors"] == "'none'", where
    assert policy["form-action"] == "'self'", where
    assert policy["base-uri"] == "'none'", where
    assert policy["object-src"] == "'none'", where
    assert "unsafe-inline" not in policy["script-src"], where
    assert "unsafe-eval" not in policy["script-src"], where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert "camera=()" in response["Permissions-Policy"], where


def assert_no_inline_code(response, path):
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), f"{path}: inline <script>"
    assert not HANDLER.search(html), f"{path}: event-handler attribute"
    assert not JAVASCRIPT_URL.search(html), f"{path}: javascript: URL"
    if path != reverse("api-docs"):
        assert not INLINE_STYLE.search(html), f"{path}: inline style"


def _walk(client_factory, paths):
    checked = 0
    for path in paths:
        response = client_factory().get(path)
        assert_security_headers(response, path)
        assert_no_inline_code(response, path)
        checked += 1
    return checked


@pytest.fixture
def detail_paths(world):
    """A few pages about one thing, with something to show."""
    mandate = citizen_mandate(world)
    body = BodyFactory(code="mc", kind="management_committee", name_en="Management Committee")
    meeting = MeetingFactory(body=body)
    return [
        reverse("mandates:detail", args=[mandate.pk]),
        reverse("companies:collaborator", args=[world.accountant.person.pk]),
        reverse("governance:body", args=[body.code]),
        reverse("governance:meeting", args=[meeting.pk]),
        reverse("api:mandate", args=[mandate.pk]),
        "/no/such/page/",
    ]


def test_headers_on_every_page_when_anonymous(detail_paths):
    paths = [*_plain_paths(), *detail_paths]

    checked = _walk(lambda: Client(raise_request_exception=False), paths)

    # Guard against a walk that reads nothing.
    assert checked > 40


def test_headers_on_every_page_when_logged_in_and_acting_for_company(world, detail_paths):
    def logged_in():
        client = login_at(Client(raise_request_exception=False), world.provider_manager, "high")
        session = client.session
        session[ACTING_SESSION_KEY] = world.provider.pk
        session.save()
        return client

    _walk(logged_in, [*_plain_paths(), *detail_paths])


def test_headers_on_every_admin_page_when_staff(db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_paths = [p for p in _plain_paths() if p.startswith("/admin/")]

    checked = _walk(
        lambda: login_at(Client(raise_request_exception=False), staff, "high"), admin_paths
    )

    assert checked > 10


def test_api_docs_page_loads_redoc_without_inline_script(client):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert "redoc.standalone.js" in html
    assert "/static/js/api-docs.js" in html
    assert "fonts.googleapis.com" not in html
    policy = _policy(response)
    # The one widening: Redoc writes its styles at run time. Scripts stay our own files only.
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" in policy["style-src"]


def test_policy_lets_the_eid_page_reach_the_local_signer(client, settings):
    response = client.get(reverse("identity:login"))

    assert settings.EID_AGENT_URL.rstrip("/") in _policy(response)["connect-src"]


def test_hsts_sent_over_https_when_secure_profile(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_session_and_csrf_cookies_are_http_only(client, user):
    from tests.factories.identity import PASSWORD

    page = client.get(reverse("identity:login"))
    login = client.post(
        reverse("identity:login"), {"username": user.username, "password": PASSWORD}
    )

    assert page.cookies["csrftoken"]["httponly"]
    assert login.cookies["sessionid"]["httponly"]
    assert login.cookies["sessionid"]["samesite"] == "Lax"


def test_secure_profile_makes_cookies_secure_and_host_only(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="csam.settings",
        SECRET_KEY="x" * 50,
        DEBUG="0",
        SECURE="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    env.pop("SECURE_HSTS_SECONDS", None)

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "31536000",
        "__Host-sessionid",
        "__Host-csrftoken",
    ]
