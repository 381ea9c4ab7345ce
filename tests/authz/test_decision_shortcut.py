"""The decision endpoints' short way: `DecisionShortcutMiddleware` answers services' well-formed
requests above the browser middleware, and `_plain_ask` reads plainly written questions without
a serializer. Both must answer exactly as the endpoints do through DRF, and leave everything
else to them."""

import json

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework import serializers

from csam.authz.apis.questions import _plain_ask, _validated_ask
from tests.authz.test_decision_apis import URL, body
from tests.factories.companies import GrantFactory

pytestmark = pytest.mark.django_db


def plain(world, subject, **kw):
    return body(
        world,
        subject,
        {"kind": "company", "number": world.client.enterprise_number},
        **kw,
    )


def test_plain_question_is_answered_without_the_session_middleware(api, world, monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware

    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)

    def no_session(self, request):
        raise AssertionError("the shortcut should have answered")

    monkeypatch.setattr(SessionMiddleware, "process_request", no_session)
    response = api("post", URL, plain(world, world.bob))
    assert response.status_code == 200
    assert response.json()["decision"] == "allow"
    batch = api("post", URL + "batch/", {"questions": [plain(world, world.bob)] * 3})
    assert [a["decision"] for a in batch.json()["answers"]] == ["allow"] * 3


def test_shortcut_answers_carry_the_headers_of_the_whole_stack(api, world, monkeypatch):
    from csam.authz.apis import lean as apis

    question = plain(world, world.bob)
    short = api("post", URL, question, HTTP_ACCEPT_LANGUAGE="nl")
    monkeypatch.setattr(apis, "_lean_answers", lambda *args: None)
    full = api("post", URL, question, HTTP_ACCEPT_LANGUAGE="nl")
    assert short.content == full.content
    for header in (
        "Content-Type",
        "Content-Language",
        "Permissions-Policy",
        "Cross-Origin-Resource-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
    ):
        assert short[header] == full[header], header
    assert short["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Accept-Language" in short["Vary"]
    assert short["X-Request-ID"]
    assert "Set-Cookie" not in short


def test_shortcut_answers_in_the_language_asked(api, world):
    denied = api("post", URL, plain(world, world.bob), HTTP_ACCEPT_LANGUAGE="fr")
    assert denied["Content-Language"] == "fr"
    [reason] = denied.json()["reasons"]
    assert reason["code"] == "no_grant"
    assert reason["message"] != "This person does not hold this role here."
    english = api("post", URL, plain(world, world.bob), HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["reasons"][0]["message"] == "This person does not hold this role here."


def test_oversized_body_goes_down_the_stack_and_gets_413(api, world):
    question = plain(world, world.bob, padding="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    response = api("post", URL, question)
    assert response.status_code == 413


def test_other_api_posts_with_a_key_go_down_the_stack(api, world):
    response = api("post", "/api/v1/acting/", {"company": None})
    assert response.status_code in (401, 403)  # a service key is no person: DRF refuses it
    assert api("post", "/api/v1/no-such-endpoint/", {}).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "85.07.14-124.29"},
        {"assurance": " substantial"},
        {"at": "2024-06-01T12:00:00Z"},
        {"on_behalf_of": {"kind": "company", "number": "0403.019.261"}},
    ],
)
def test_questions_not_written_plainly_are_still_answered(api, world, change):
    question = plain(world, world.bob) | change
    if "subject" in change:
        question["subject"] = change["subject"].replace("85.07.14-124.29", _dotted(world.bob))
    if "on_behalf_of" in change:
        question["on_behalf_of"]["number"] = world.client.formatted_number
    assert _plain_ask(question) is None
    response = api("post", URL, question)
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "deny"


def _dotted(user):
    n = user.person.national_number
    return f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}"


def test_a_plain_question_costs_one_statement_and_once_stored_none(api, world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    api("post", URL, plain(world, world.carol))  # the client's key and the catalogue, read once
    with CaptureQueriesContext(connection) as first:
        api("post", URL, plain(world, world.bob))
    with CaptureQueriesContext(connection) as second:  # the answer is stored from this ask
        api("post", URL, plain(world, world.bob))
    with CaptureQueriesContext(connection) as third:
        api("post", URL, plain(world, world.bob))
    assert [len(first), len(second), len(third)] == [1, 1, 0]


# --- _plain_ask accepts only what the serializer accepts, and reads it the same -----------------

NATIONAL = ["85071412429", "85071412428", "00010112345", "8507141242", "85071412429 ", "abc"]
ENTERPRISE = ["0403019261", "0403019262", "403019261", "0403.019.261", "1403019261", ""]
SLUGS = ["vat", "vat-returns_2", "", "VAT", "v" * 51, "no space", "é", "vat\n"]
LEVELS = ["low", "substantial", "high", "urn:be:fedict:iam:fas:Level400", "medium", "HIGH"]
ANY = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=12), st.lists(st.none()))


def _maybe(values):
    return st.one_of(st.sampled_from(values), ANY)


questions = st.fixed_dictionaries(
    {},
    optional={
        "subject": _maybe(NATIONAL),
        "service": _maybe(SLUGS),
        "role": _maybe(SLUGS),
        "assurance": _maybe(LEVELS),
        "at": st.one_of(st.none(), st.just("2024-06-01T12:00:00Z"), ANY),
        "on_behalf_of": st.one_of(
            st.none(),
            ANY,
            st.fixed_dictionaries(
                {},
                optional={
                    "kind": _maybe(["person", "company", "self"]),
                    "number": _maybe(NATIONAL + ENTERPRISE),
                },
            ),
        ),
        "extra": ANY,
    },
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(questions)
def test_plain_reading_agrees_with_the_serializer(raw):
    fast = _plain_ask(raw)
    if fast is None:
        return
    try:
        slow = _validated_ask(json.loads(json.dumps(raw)))
    except serializers.ValidationError as exc:
        raise AssertionError(f"{raw!r} read plainly but refused by the serializer: {exc}") from exc
    assert fast == slow


def test_plainly_written_questions_are_read_plainly():
    base = {
        "subject": "85071412429",
        "service": "vat",
        "role": "declarant",
        "assurance": "substantial",
    }
    for on_behalf in (
        None,
        {"kind": "company", "number": "0403019261"},
        {"kind": "person", "number": "85071412429"},
    ):
        question = base | {"on_behalf_of": on_behalf}
        assert _plain_ask(question) == _validated_ask(question)
    assert _plain_ask(base) == _validated_ask(base)  # on_behalf_of left out
