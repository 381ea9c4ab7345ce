"""Session lifetimes and rotation: an idle and an absolute timeout end a logged-in session with a
message on the log-in page (time is moved, never slept); the session key changes at log-in and
at every step-up, so a key seen before cannot be used after."""

import base64
import datetime as dt

from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

import pytest
from django_otp.plugins.otp_static.models import StaticToken

from csam.audit.models import AuditEvent
from identity.assurance import Assurance, AssuranceLevel
from identity.eid.pkcs11 import sign_challenge
from identity.services import recovery_codes_regenerate
from tests.conftest import totp_code
from tests.factories.identity import PASSWORD, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("identity:login")
STEP_UP = reverse("identity:step_up")
PROFILE = reverse("identity:profile")


def _password_login(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


# --- Idle and absolute timeouts ------------------------------------------------------------------


def test_session_ends_with_message_when_idle_too_long(client, user, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=15)
    _password_login(client, user)
    clock.advance(seconds=settings.SESSION_IDLE_TIMEOUT.total_seconds() + 1)

    response = client.get(PROFILE, follow=True)

    assert response.redirect_chain[0][0] == f"{LOGIN}?next=%2Faccounts%2Fprofile%2F"
    assert "_auth_user_id" not in client.session
    assert "You were logged out after 15 minutes without activity." in response.content.decode()


def test_session_lasts_while_person_is_active(client, user, clock, settings):
    _password_login(client, user)
    step = settings.SESSION_IDLE_TIMEOUT.total_seconds() * 2 / 3
    for _ in range(4):
        clock.advance(seconds=step)
        assert client.get(PROFILE).status_code == 200

    assert int(client.session["_auth_user_id"]) == user.pk


def test_session_ends_with_message_when_absolute_limit_reached(client, user, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=15)
    settings.SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(hours=8)
    _password_login(client, user)
    # Active all along: a request every ten minutes for eight hours.
    for _ in range(int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 600)):
        clock.advance(minutes=10)
        assert client.get(PROFILE).status_code == 200
    clock.advance(minutes=1)

    response = client.get(PROFILE, follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert "a session lasts at most 8 hours" in response.content.decode()


def test_session_end_is_audited_with_reason(client, user, clock, settings):
    _password_login(client, user)
    clock.advance(seconds=settings.SESSION_IDLE_TIMEOUT.total_seconds() + 1)

    client.get(PROFILE)

    event = AuditEvent.objects.get(action="identity.session_expired")
    assert (event.actor_user_id, event.data) == (user.pk, {"reason": "idle"})


def test_session_timeout_answers_401_json_on_api(client, user, clock, settings):
    _password_login(client, user)
    clock.advance(seconds=settings.SESSION_IDLE_TIMEOUT.total_seconds() + 1)

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_session_timeouts_follow_settings(client, user, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_IDLE_TIMEOUT * 4
    _password_login(client, user)
    clock.advance(minutes=59)

    assert client.get(PROFILE).status_code == 200


def test_new_log_in_restarts_the_absolute_clock(client, user, clock, settings):
    _password_login(client, user)
    clock.advance(hours=7, minutes=55)
    client.post(reverse("identity:logout"))
    _password_login(client, user)
    clock.advance(minutes=10)

    assert client.get(PROFILE).status_code == 200


def test_anonymous_visitor_unaffected_by_timeouts(client, clock):
    client.get("/")
    clock.advance(days=2)

    assert client.get("/").status_code == 200


# --- Rotation of the session key ------------------------------------------------------------------


def _key_before(client) -> str:
    session = client.session
    session["visited"] = True
    session.save()
    return session.session_key


def _assert_rotated(client, before):
    assert client.session.session_key != before
    # The old key is gone from the store: whoever saw it cannot use it (no fixation).
    assert not SessionStore().exists(before)


def test_session_key_rotates_at_password_log_in(client, user):
    before = _key_before(client)

    _password_login(client, user)

    _assert_rotated(client, before)


def test_session_key_rotates_at_step_up_with_authenticator_code(client, otp_user):
    _password_login(client, otp_user)
    before = client.session.session_key

    response = client.post(
        f"{STEP_UP}?level=substantial", {"code": totp_code(otp_user), "level": "substantial"}
    )

    assert response.status_code == 302
    assert Assurance.from_session(client.session).level == AssuranceLevel.SUBSTANTIAL
    _assert_rotated(client, before)


def test_session_key_rotates_at_step_up_with_recovery_code(client, otp_user):
    [code, *_rest] = recovery_codes_regenerate(user=otp_user)
    _password_login(client, otp_user)
    before = client.session.session_key

    response = client.post(f"{STEP_UP}?level=substantial", {"code": code, "level": "substantial"})

    assert response.status_code == 302
    assert not StaticToken.objects.filter(token=code).exists()
    _assert_rotated(client, before)


def _card_step(client, softhsm):
    soft = softhsm.card("ec")
    challenge = client.post("/api/v1/auth/eid/challenge/").json()["challenge"]
    signed = sign_challenge(
        base64.b64decode(challenge),
        pin=soft.card.pin,
        card_serial=soft.serial,
        module_path=softhsm.module,
    )
    return client.post(
        "/api/v1/auth/eid/login/",
        {
            "challenge": challenge,
            "certificate": base64.b64encode(signed.certificate).decode(),
            "signature": base64.b64encode(signed.signature).decode(),
        },
        content_type="application/json",
    )


def test_session_key_rotates_at_eid_log_in(client, softhsm, eid_trust):
    before = _key_before(client)

    response = _card_step(client, softhsm)

    assert response.status_code == 200
    assert Assurance.from_session(client.session).level == AssuranceLevel.HIGH
    _assert_rotated(client, before)


def test_session_key_rotates_at_eid_step_up_to_high(client, softhsm, eid_trust):
    card = softhsm.card("ec").card
    user = UserFactory(person=PersonFactory(national_number=card.national_number))
    _password_login(client, user)
    before = client.session.session_key

    response = _card_step(client, softhsm)

    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Assurance.from_session(client.session).level == AssuranceLevel.HIGH
    _assert_rotated(client, before)


def test_step_up_keeps_the_session_clocks(client, otp_user, clock, settings):
    _password_login(client, otp_user)
    clock.advance(hours=7, minutes=55)
    client.get(PROFILE)
    client.post(f"{STEP_UP}?level=substantial", {"code": totp_code(otp_user)})
    clock.advance(minutes=10)

    # A step-up proves more about the same log-in: the absolute limit still counts from it.
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
