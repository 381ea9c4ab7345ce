"""Log-in at each level of assurance, step-up, lock-out, log-out, password change and reset."""

import re

from django.core import mail
from django.urls import reverse

import pytest
from django_otp.plugins.otp_static.models import StaticToken

from csam.audit.models import AuditEvent
from identity.assurance import SESSION_KEY, Assurance, AssuranceLevel
from identity.services import recovery_codes_regenerate
from tests.conftest import totp_code
from tests.factories.identity import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("identity:login")
STEP_UP = reverse("identity:step_up")


def _assurance(client) -> Assurance:
    return Assurance.from_session(client.session)


def test_login_reaches_low_when_password_only(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assurance = _assurance(client)
    assert assurance.level == AssuranceLevel.LOW
    assert [m.value for m in assurance.means] == ["password"]
    assert AuditEvent.objects.filter(action="identity.login", actor_user_id=user.pk).exists()


def test_login_refused_with_message_when_password_wrong(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert "_auth_user_id" not in client.session


def test_login_asks_code_when_user_has_authenticator(client, otp_user):
    response = client.post(LOGIN, {"username": otp_user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(STEP_UP)
    assert "level=substantial" in response["Location"]
    assert _assurance(client).level == AssuranceLevel.LOW


def test_login_reaches_substantial_when_password_and_code(client, otp_user):
    client.post(LOGIN, {"username": otp_user.username, "password": PASSWORD})
    key_before = client.session.session_key
    response = client.post(
        STEP_UP, {"code": totp_code(otp_user), "level": "substantial", "next": "/about/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/about/"
    assurance = _assurance(client)
    assert assurance.level == AssuranceLevel.SUBSTANTIAL
    assert [m.value for m in assurance.means] == ["password", "totp"]
    # The session key rotates at every step-up.
    assert client.session.session_key != key_before


def test_step_up_refused_when_code_wrong(client, otp_user):
    client.post(LOGIN, {"username": otp_user.username, "password": PASSWORD})
    response = client.post(STEP_UP, {"code": "000000", "level": "substantial"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert _assurance(client).level == AssuranceLevel.LOW
    assert AuditEvent.objects.filter(action="identity.step_up_failed").exists()


def test_step_up_with_recovery_code_works_once(client, otp_user):
    codes = recovery_codes_regenerate(user=otp_user)
    client.post(LOGIN, {"username": otp_user.username, "password": PASSWORD})
    response = client.post(STEP_UP, {"code": codes[0], "level": "substantial"})
    assert response.status_code == 302
    assert _assurance(client).level == AssuranceLevel.SUBSTANTIAL
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    client.logout()
    client.post(LOGIN, {"username": otp_user.username, "password": PASSWORD})
    response = client.post(STEP_UP, {"code": codes[0], "level": "substantial"})
    assert response.status_code == 200
    assert _assurance(client).level == AssuranceLevel.LOW


def test_view_needing_substantial_asks_step_up_when_session_low(client, client_at, otp_user):
    client_at(otp_user, "low")
    response = client.post(reverse("identity:recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(STEP_UP)
    assert "level=substantial" in response["Location"]


def test_view_needing_substantial_runs_when_session_substantial(client_at, otp_user):
    client = client_at(otp_user, "substantial")
    response = client.post(reverse("identity:recovery_codes"))
    assert response.status_code == 200
    assert len(re.findall(r"<li><code>", response.content.decode())) == 10


def test_api_needing_level_answers_step_up_when_session_low(client_at, user):
    from identity.apis import MeApi

    client = client_at(user, "low")
    MeApi.required_assurance = AssuranceLevel.SUBSTANTIAL
    try:
        response = client.get("/api/v1/me/")
    finally:
        MeApi.required_assurance = AssuranceLevel.LOW
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert response.json()["required_assurance"] == "substantial"


def test_step_up_decays_when_proof_too_old(settings, client_at, otp_user):
    import datetime as dt

    client = client_at(otp_user, "substantial")
    settings.ASSURANCE_MAX_AGE = {"substantial": dt.timedelta(seconds=-1)}
    response = client.post(reverse("identity:recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(STEP_UP)


def test_login_locked_out_after_repeated_failures(client, user, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": user.username, "password": "wrong"})
    # Even the right password is refused while the lock-out lasts.
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address_when_other_address_tries(client, user, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": user.username, "password": "wrong"})
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 302


def test_login_next_refused_when_offsite(client, user):
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_logout_ends_session_when_posted(client_at, user):
    client = client_at(user, "low")
    response = client.post(reverse("identity:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="identity.logout").exists()


def test_logout_refused_when_get(client_at, user):
    client = client_at(user, "low")
    response = client.get(reverse("identity:logout"))
    assert response.status_code == 405
    assert "_auth_user_id" in client.session


def test_password_change_requires_current_password(client_at, user):
    client = client_at(user, "low")
    url = reverse("identity:password_change")
    response = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")


def test_password_reset_by_email_sets_new_password(client, user):
    response = client.post(reverse("identity:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "another long passphrase", "new_password2": "another long passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long passphrase")


def test_password_reset_sends_nothing_when_address_unknown(client, user):
    response = client.post(reverse("identity:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302  # same answer: no account enumeration
    assert mail.outbox == []
