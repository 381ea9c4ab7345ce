"""Enrolling an authenticator app needs an activation code (or an eID session)."""

from django.urls import reverse

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.services import activation_code_issue

pytestmark = pytest.mark.django_db
URL = reverse("identity:otp_enrol")


def _pending_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_otp_enrol_shows_qr_code_when_logged_in(client_at, user):
    client = client_at(user, "low")
    response = client.get(URL)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1


def test_otp_enrol_confirms_and_shows_recovery_codes_when_activation_code_valid(client_at, user):
    client = client_at(user, "low")
    client.get(URL)
    activation = activation_code_issue(user=user, actor_label="office")
    response = client.post(URL, {"activation_code": activation, "code": _pending_code(user)})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_otp_enrol_refused_when_activation_code_missing(client_at, user):
    client = client_at(user, "low")
    client.get(URL)
    response = client.post(URL, {"code": _pending_code(user)})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_otp_enrol_refused_when_activation_code_used_twice(client_at, user):
    client = client_at(user, "low")
    client.get(URL)
    activation = activation_code_issue(user=user, actor_label="office")
    client.post(URL, {"activation_code": activation, "code": _pending_code(user)})
    TOTPDevice.objects.filter(user=user).delete()
    client.get(URL)
    response = client.post(URL, {"activation_code": activation, "code": _pending_code(user)})
    assert "not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_otp_enrol_refused_when_activation_code_of_other_user(client_at, user):
    from tests.factories.identity import UserFactory

    other = UserFactory()
    activation = activation_code_issue(user=other, actor_label="office")
    client = client_at(user, "low")
    client.get(URL)
    response = client.post(URL, {"activation_code": activation, "code": _pending_code(user)})
    assert "not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_otp_enrol_needs_no_activation_code_when_session_high(client_at, user):
    client = client_at(user, "high")
    client.get(URL)
    response = client.post(URL, {"code": _pending_code(user)})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_otp_enrol_refused_when_code_wrong(client_at, user):
    client = client_at(user, "high")
    client.get(URL)
    response = client.post(URL, {"code": "123456" if _pending_code(user) != "123456" else "654321"})
    assert "not correct" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_otp_enrol_redirects_to_login_when_anonymous(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
