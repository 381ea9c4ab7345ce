"""Writes in the identity app: persons, log-in with levels of assurance, one-time codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from csam.audit.services import audit_record
from identity.assurance import (
    LEVEL_OF_MEANS,
    SESSION_KEY,
    Assurance,
    Means,
)
from identity.exceptions import ActivationCodeInvalid
from identity.models import ActivationCode, Person, User
from identity.numbers import parse_national_number

RECOVERY_CODE_COUNT = 10
PREFERRED_LANGUAGE_SESSION_KEY = "csam_preferred_language"
TOTP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or, when the peer is one of ``TRUSTED_PROXIES``, the
    address that proxy puts in ``X-Real-IP`` (it sets that header itself, overwriting any the
    client sent). Lock-outs, rate limits and the audit log all count by this address, so behind
    a proxy that is not listed every client would share the proxy's one address."""
    peer = request.META.get("REMOTE_ADDR") or None
    if peer is None or peer not in settings.TRUSTED_PROXIES:
        return peer
    forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return peer  # a trusted proxy that sent no usable address: count it as itself


# --- Persons --------------------------------------------------------------------------------------


@transaction.atomic
def person_get_or_create(
    *,
    national_number: str,
    given_names: str = "",
    surname: str = "",
    residence_municipality: str = "",
) -> tuple[Person, bool]:
    """Find the person by number, or create them with what the number says (birth date, sex).

    Raises ``ValidationError`` for an invalid number. Names fill in only what is still blank.
    """
    parsed = parse_national_number(national_number)
    person, created = Person.objects.get_or_create(
        national_number=parsed.digits,
        defaults={
            "given_names": given_names,
            "surname": surname,
            "birth_date": parsed.birth_date,
            "sex": parsed.sex or "",
            "residence_municipality": residence_municipality,
        },
    )
    if not created:
        changed = []
        for field_name, value in (("given_names", given_names), ("surname", surname)):
            if value and not getattr(person, field_name):
                setattr(person, field_name, value)
                changed.append(field_name)
        if changed:
            person.full_clean()
            person.save(update_fields=[*changed, "updated_at"])
    return person, created


# --- Log-in and step-up ---------------------------------------------------------------------------


def _record_assurance(
    request: HttpRequest, *, means: tuple[Means, ...], new: Means | None = None
) -> Assurance:
    """Store the session's assurance: the level of the strongest means used, and when that level
    was proven. A weaker means added later (a code after the eID card) keeps the time of the
    stronger one, or it would make an old "high" look recent (re-authentication)."""
    level = max((LEVEL_OF_MEANS[m] for m in means), key=lambda lv: lv.rank)
    at = timezone.now()
    previous = Assurance.from_session(request.session)
    if new is not None and LEVEL_OF_MEANS[new].rank < level.rank:
        if previous.level == level and previous.effective_level(now=at) == level:
            # The stronger proof still holds: its time is the level's time.
            at = previous.at or at
        else:
            # The stronger proof has lapsed: the session is worth what the new means proves.
            level = LEVEL_OF_MEANS[new]
    assurance = Assurance(level=level, means=means, at=at)
    request.session[SESSION_KEY] = assurance.to_session()
    return assurance


def _audit_login(request: HttpRequest, user: User, action: str, **data: Any) -> None:
    audit_record(
        action=action,
        actor_user_id=user.pk,
        actor_label=user.get_username(),
        ip_address=client_ip(request),
        data=data,
    )


def login_with(*, request: HttpRequest, user: User, means: Means, backend: str) -> Assurance:
    """Open a session for ``user`` proven by ``means`` (its level comes from the means).

    Django's ``login`` gives the session a new key (no fixation).
    """
    auth_login(request, user, backend=backend)
    assurance = _record_assurance(request, means=(means,))
    if user.person is not None:
        request.session[PREFERRED_LANGUAGE_SESSION_KEY] = user.person.preferred_language
    return assurance


def login_with_password(*, request: HttpRequest, user: User) -> Assurance:
    """Log in a user whose password was checked: level low. Audited."""
    assurance = login_with(
        request=request,
        user=user,
        means=Means.PASSWORD,
        backend="django.contrib.auth.backends.ModelBackend",
    )
    _audit_login(request, user, "identity.login", means=["password"], level="low")
    return assurance


def user_has_otp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def step_up_with_code(*, request: HttpRequest, user: User, code: str) -> Assurance | None:
    """Check a one-time code (authenticator app) or a recovery code and raise the session to
    "substantial". Returns None when the code is wrong (django-otp throttles repeated failures).

    A recovery code works once: django-otp deletes the token when it matches. The session key is
    rotated on success, as at log-in. Success and failure are audited.
    """
    code = "".join(code.split())
    device: TOTPDevice | StaticDevice | None = None
    means: Means | None = None
    if code.isdigit() and len(code) == 6:
        for candidate in TOTPDevice.objects.filter(user=user, confirmed=True):
            if candidate.verify_is_allowed()[0] and candidate.verify_token(code):
                device, means = candidate, Means.TOTP
                break
    else:
        for candidate in StaticDevice.objects.filter(user=user, confirmed=True):
            if candidate.verify_is_allowed()[0] and candidate.verify_token(code.lower()):
                device, means = candidate, Means.RECOVERY_CODE
                break
    if device is None or means is None:
        _audit_login(request, user, "identity.step_up_failed", means="code")
        return None
    otp_login(request, device)
    request.session.cycle_key()
    previous = Assurance.from_session(request.session)
    all_means = tuple(dict.fromkeys((*previous.means, means)))
    assurance = _record_assurance(request, means=all_means, new=means)
    _audit_login(
        request,
        user,
        "identity.step_up",
        means=[m.value for m in all_means],
        level=assurance.level.value if assurance.level else None,
    )
    return assurance


def record_step_up(*, request: HttpRequest, user: User, means: Means) -> Assurance:
    """Raise the session with a means checked elsewhere (the eID backend). Rotates the key."""
    request.session.cycle_key()
    previous = Assurance.from_session(request.session)
    all_means = tuple(dict.fromkeys((*previous.means, means)))
    assurance = _record_assurance(request, means=all_means, new=means)
    _audit_login(request, user, "identity.step_up", means=[m.value for m in all_means])
    return assurance


# --- One-time code enrolment ----------------------------------------------------------------------


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_activation_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@transaction.atomic
def activation_code_issue(
    *, user: User, actor_label: str, valid_for: dt.timedelta = dt.timedelta(days=30)
) -> str:
    """Issue a single-use activation code (what a registration office hands over). Shown once."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    ActivationCode.objects.create(
        user=user, code_hash=_hash_code(raw), expires_at=timezone.now() + valid_for
    )
    audit_record(
        action="identity.activation_code_issued",
        actor_label=actor_label,
        object_type="user",
        object_id=user.pk,
    )
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """Create (or reuse) the user's unconfirmed authenticator-app device for the QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(
    *,
    request: HttpRequest,
    user: User,
    code: str,
    activation_code: str | None,
    session_is_high: bool,
) -> list[str] | None:
    """Confirm the pending device with a first code and return fresh recovery codes (shown once).

    A password alone must not be enough to add a second factor, or a stolen password would buy
    level "substantial": enrolment needs either a session at level "high" (eID card) or an unused,
    unexpired activation code from a registration office. Raises `ActivationCodeInvalid` when that
    is missing; returns None when the one-time code is wrong.
    """
    activation: ActivationCode | None = None
    if not session_is_high:
        normalised = _normalise_activation_code(activation_code or "")
        activation = (
            ActivationCode.objects.select_for_update()
            .filter(
                user=user,
                code_hash=_hash_code(normalised),
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if activation is None:
            _audit_login(request, user, "identity.otp_enrolment_refused", reason="activation")
            raise ActivationCodeInvalid
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token("".join(code.split())):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator app at a time: enrolling a new one replaces the old.
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    if activation is not None:
        activation.used_at = timezone.now()
        activation.save(update_fields=["used_at"])
    codes = recovery_codes_regenerate(user=user)
    _audit_login(request, user, "identity.otp_enrolled")
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new single-use ones and return them (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def lockouts_purge_expired(*, before: dt.datetime) -> int:
    """Delete failed log-in records older than ``before`` (their cool-off is over)."""
    from axes.models import AccessAttempt

    deleted, _by_model = AccessAttempt.objects.filter(attempt_time__lt=before).delete()
    return deleted
