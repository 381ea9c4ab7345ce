"""Request size limits: an oversized upload or body is refused with 413 before it is read, with
an HTML page for people and a JSON message for the API; nothing is changed."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from companies.models import Grant
from csam.authz.services import SESSION_KEY as ACTING_SESSION_KEY
from tests.companies.conftest import tenant  # noqa: F401 - the company world these tests use
from tests.conftest import login_at

pytestmark = pytest.mark.django_db

IMPORT_PAGE = "/company/import/"
IMPORT_API = "/api/v1/company/grants/import/"


@pytest.fixture
def main_manager(client, tenant):  # noqa: F811
    login_at(client, tenant.main, "high")
    session = client.session
    session[ACTING_SESSION_KEY] = tenant.company.pk
    session.save()
    return client


def _csv(size):
    content = "national_number,service,role\n" + "x" * size
    return SimpleUploadedFile("grants.csv", content.encode(), content_type="text/csv")


def test_csv_import_page_answers_413_when_upload_over_limit(main_manager, settings):
    settings.REQUEST_MAX_UPLOAD_SIZE = 10_240
    grants = Grant.objects.count()

    response = main_manager.post(IMPORT_PAGE, {"file": _csv(20_000)})

    assert response.status_code == 413
    assert response.templates[0].name == "413.html"
    assert "The request is too large: the portal accepts at most 10 KiB." in (
        response.content.decode()
    )
    assert Grant.objects.count() == grants


def test_csv_import_api_answers_413_json_when_upload_over_limit(main_manager, settings):
    settings.REQUEST_MAX_UPLOAD_SIZE = 10_240

    response = main_manager.post(IMPORT_API, {"file": _csv(20_000), "dry_run": "true"})

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large"
    assert body["max_bytes"] == 10_240
    assert "too large" in body["detail"]


def test_csv_import_page_accepts_upload_under_limit(main_manager, settings):
    settings.REQUEST_MAX_UPLOAD_SIZE = 10_240

    response = main_manager.post(IMPORT_PAGE, {"file": _csv(100)})

    # The file reaches the import: its rows are checked (and this one is wrong).
    assert response.status_code == 400
    assert response.templates[0].name == "companies/import.html"


def test_api_body_answers_413_json_when_over_limit(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"subject": "85071412429", "padding": "x" * 2_000})

    # Refused before anything reads it, the API key included.
    response = client.post(
        "/api/v1/decisions/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer csam_deadbeef0000_secret",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert response.json()["max_bytes"] == 1_000


def test_form_answers_413_page_when_body_over_limit(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = client.post("/accounts/login/", {"username": "x" * 2_000, "password": "y"})

    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_upload_answers_413_when_form_field_beside_file_over_limit(main_manager, settings):
    # The whole request is under the upload limit, but a plain field in it is over the form
    # limit: Django raises RequestDataTooBig while parsing, and the 400 handler makes it a 413.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    settings.REQUEST_MAX_UPLOAD_SIZE = 100_000

    response = main_manager.post(IMPORT_PAGE, {"file": _csv(10), "note": "x" * 5_000})

    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_form_answers_413_when_too_many_fields(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5

    response = client.post("/accounts/login/", {f"f{n}": "x" for n in range(10)})

    assert response.status_code == 413
    assert "too many fields" in response.content.decode()
