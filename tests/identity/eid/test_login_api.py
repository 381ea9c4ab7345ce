"""eID log-in end to end: SoftHSM2 token → python-pkcs11 signature → challenge endpoint →
backend → session at level high; and every refusal, each audited, with no session."""

import base64
import datetime as dt

from django.test import Client
from django.utils import timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from csam.audit.models import AuditEvent
from identity.assurance import Assurance, AssuranceLevel
from identity.eid.pkcs11 import sign_challenge
from identity.eid.services import CHALLENGE_SESSION_KEY
from identity.models import Person, User
from tests.factories.identity import PersonFactory, UserFactory
from tests.identity.eid.pki import der

pytestmark = pytest.mark.django_db

CHALLENGE_URL = "/api/v1/auth/eid/challenge/"
LOGIN_URL = "/api/v1/auth/eid/login/"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _challenge(client: Client) -> str:
    response = client.post(CHALLENGE_URL)
    assert response.status_code == 200
    body = response.json()
    assert len(base64.b64decode(body["challenge"])) >= 32
    return body["challenge"]


def _card_login(client: Client, softhsm, key_type: str, challenge: str | None = None):
    soft = softhsm.card(key_type)
    challenge = challenge or _challenge(client)
    signed = sign_challenge(
        base64.b64decode(challenge),
        pin=soft.card.pin,
        card_serial=soft.serial,
        module_path=softhsm.module,
    )
    return client.post(
        LOGIN_URL,
        {
            "challenge": challenge,
            "certificate": _b64(signed.certificate),
            "signature": _b64(signed.signature),
        },
        content_type="application/json",
    )


def _software_login(client: Client, certificate, key, challenge: str | None = None):
    challenge = challenge or _challenge(client)
    raw = base64.b64decode(challenge)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(raw, ec.ECDSA(hashes.SHA384()))
    else:
        signature = key.sign(raw, padding.PKCS1v15(), hashes.SHA256())
    return client.post(
        LOGIN_URL,
        {
            "challenge": challenge,
            "certificate": _b64(der(certificate)),
            "signature": _b64(signature),
        },
        content_type="application/json",
    )


def _level(client: Client) -> AssuranceLevel | None:
    return Assurance.from_session(client.session).level


def _refusals(code: str) -> int:
    return AuditEvent.objects.filter(
        action="identity.eid_login", outcome="refused", data__reason=code
    ).count()


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_eid_login_opens_high_session_and_creates_account_when_first_login(
    client, softhsm, key_type
):
    card = softhsm.card(key_type).card
    response = _card_login(client, softhsm, key_type)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "name": f"{card.given_names} {card.surname}",
        "level": "high",
    }
    assert _level(client) == AssuranceLevel.HIGH
    person = Person.objects.get(national_number=card.national_number)
    user = User.objects.get(person=person)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert not user.has_usable_password()
    assert client.get("/api/v1/me/").json()["assurance"]["level"] == "high"
    assert AuditEvent.objects.filter(
        action="identity.eid_login", outcome="success", actor_user_id=user.pk
    ).exists()


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_eid_login_reuses_account_when_second_login(client, softhsm, key_type):
    _card_login(client, softhsm, key_type)
    first = int(client.session["_auth_user_id"])
    client.logout()
    response = _card_login(client, softhsm, key_type)
    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == first
    assert (
        User.objects.filter(
            person__national_number=softhsm.card(key_type).card.national_number
        ).count()
        == 1
    )


def test_eid_login_links_person_known_before(client, softhsm):
    card = softhsm.card("ec").card
    person = PersonFactory(national_number=card.national_number, given_names="", surname="")
    _card_login(client, softhsm, "ec")
    person.refresh_from_db()
    assert person.surname == card.surname
    assert person.account.pk == int(client.session["_auth_user_id"])


def test_eid_steps_up_existing_session_of_same_person(client, softhsm, client_at):
    card = softhsm.card("rsa").card
    user = UserFactory(person=PersonFactory(national_number=card.national_number))
    client = client_at(user, "substantial")
    key_before = client.session.session_key
    response = _card_login(client, softhsm, "rsa")
    assert response.status_code == 200
    assert _level(client) == AssuranceLevel.HIGH
    assert client.session.session_key != key_before


def test_eid_step_up_refused_when_card_of_another_person(client, softhsm, client_at):
    user = UserFactory()
    client = client_at(user, "low")
    response = _card_login(client, softhsm, "rsa")
    assert response.status_code == 401
    assert response.json()["code"] == "card_of_another_person"
    assert _level(client) == AssuranceLevel.LOW
    assert int(client.session["_auth_user_id"]) == user.pk
    assert _refusals("card_of_another_person") == 1


def test_eid_login_refused_when_signature_tampered(client, softhsm):
    soft = softhsm.card("ec")
    challenge = _challenge(client)
    signed = sign_challenge(
        base64.b64decode(challenge),
        pin=soft.card.pin,
        card_serial=soft.serial,
        module_path=softhsm.module,
    )
    tampered = bytearray(signed.signature)
    tampered[10] ^= 0x01
    response = client.post(
        LOGIN_URL,
        {
            "challenge": challenge,
            "certificate": _b64(signed.certificate),
            "signature": _b64(bytes(tampered)),
        },
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert response.json()["detail"]
    assert "_auth_user_id" not in client.session
    assert _refusals("signature_invalid") == 1


def test_eid_login_refused_when_challenge_replayed(client, softhsm):
    challenge = _challenge(client)
    assert _card_login(client, softhsm, "rsa", challenge).status_code == 200
    client.logout()
    response = _card_login(client, softhsm, "rsa", challenge)
    assert response.status_code == 401
    assert response.json()["code"] == "challenge_replayed"
    assert "_auth_user_id" not in client.session
    assert _refusals("challenge_replayed") == 1


def test_eid_login_refused_when_challenge_expired(client, softhsm):
    challenge = _challenge(client)
    session = client.session
    pending = session[CHALLENGE_SESSION_KEY]
    pending["expires_at"] = (timezone.now() - dt.timedelta(seconds=1)).isoformat()
    session[CHALLENGE_SESSION_KEY] = pending
    session.save()
    response = _card_login(client, softhsm, "rsa", challenge)
    assert response.status_code == 401
    assert response.json()["code"] == "challenge_expired"
    assert "_auth_user_id" not in client.session
    assert _refusals("challenge_expired") == 1


def test_eid_login_refused_when_challenge_from_another_session(client, softhsm):
    other = Client()
    challenge = _challenge(other)
    _challenge(client)
    response = _card_login(client, softhsm, "rsa", challenge)
    assert response.status_code == 401
    assert response.json()["code"] == "challenge_other_session"
    assert "_auth_user_id" not in client.session
    assert _refusals("challenge_other_session") == 1


def test_eid_login_refused_when_no_challenge_asked(client, softhsm):
    response = _card_login(client, softhsm, "rsa", _b64(b"x" * 32))
    assert response.status_code == 401
    assert response.json()["code"] == "challenge_missing"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("untrusted", "certificate_untrusted"),
        ("expired", "certificate_expired"),
        ("not_yet_valid", "certificate_not_yet_valid"),
        ("revoked", "certificate_revoked"),
        ("no_digital_signature", "certificate_key_usage"),
        ("no_national_number", "national_number_missing"),
    ],
)
def test_eid_login_refused_when_card_bad(client, pki, bad, code):
    # The bad certificates share one key, the one the EC card uses for its Signature certificate.
    response = _software_login(client, pki.bad[bad], pki.ec_card.signature_key)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert "_auth_user_id" not in client.session
    assert _refusals(code) == 1
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"challenge": "abc", "certificate": "not base64!!", "signature": "AAAA"},
        {"challenge": "abc", "certificate": "AAAA", "signature": "%%%"},
        {"certificate": "AAAA", "signature": "AAAA"},
        {"challenge": "abc", "certificate": "A" * 20000, "signature": "AAAA"},
        {},
    ],
)
def test_eid_login_400_when_malformed(client, body):
    _challenge(client)
    response = client.post(LOGIN_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()
    assert "_auth_user_id" not in client.session


def test_eid_login_400_when_certificate_is_garbage_der(client):
    challenge = _challenge(client)
    response = client.post(
        LOGIN_URL,
        {"challenge": challenge, "certificate": _b64(b"\x30\x82garbage"), "signature": "AAAA"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["certificate"]
    assert _refusals("certificate_malformed") == 1


def test_eid_endpoints_enforce_csrf(softhsm):
    client = Client(enforce_csrf_checks=True)
    response = client.post(CHALLENGE_URL)
    assert response.status_code == 403


FAILURE_URL = "/api/v1/auth/eid/failure/"


def test_eid_wrong_pin_is_refused_and_audited(client, softhsm):
    from identity.eid.exceptions import WrongPin

    soft = softhsm.card("rsa")
    challenge = _challenge(client)
    with pytest.raises(WrongPin) as excinfo:
        sign_challenge(
            base64.b64decode(challenge),
            pin="0000",
            card_serial=soft.serial,
            module_path=softhsm.module,
        )
    response = client.post(
        FAILURE_URL,
        {"challenge": challenge, "code": excinfo.value.code},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert "_auth_user_id" not in client.session
    assert _refusals("wrong_pin") == 1
    # The attempt is over: the same challenge cannot be used to log in afterwards.
    assert _card_login(client, softhsm, "rsa", challenge).status_code == 401


def test_eid_locked_pin_report_is_audited(client):
    # SoftHSM2 never locks a PIN; the mapping of the token's error is tested in test_pkcs11.
    challenge = _challenge(client)
    response = client.post(
        FAILURE_URL, {"challenge": challenge, "code": "pin_locked"}, content_type="application/json"
    )
    assert response.status_code == 204
    assert _refusals("pin_locked") == 1


def test_eid_failure_report_refused_without_pending_challenge(client):
    response = client.post(
        FAILURE_URL,
        {"challenge": _b64(b"y" * 32), "code": "wrong_pin"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert _refusals("wrong_pin") == 0


def test_eid_failure_report_400_when_code_unknown(client):
    challenge = _challenge(client)
    response = client.post(
        FAILURE_URL, {"challenge": challenge, "code": "anything"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="identity.eid_login").count() == 0
