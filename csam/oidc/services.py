"""Writes of the OpenID Connect provider: token bases, token exchange, introspection, audit.

Every token issued, exchanged or ended, and every refusal, is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oauth2_provider.models import AccessToken, revoke_access_token, set_token_value
from oauth2_provider.settings import oauth2_settings

from companies.models import Company
from companies.numbers import parse_party_number
from csam.audit.services import audit_record
from csam.authz.actions import Action
from csam.authz.engine import Decision, Reason, decide
from csam.authz.services import mandate_decisions
from csam.oidc.claims import basis_actor, basis_check, subject_claims
from csam.oidc.models import ServiceApplication, TokenBasis
from csam.oidc.tokens import access_token_claims, sign
from identity.assurance import Assurance, AssuranceLevel
from identity.models import Person, User
from mandates.models import Mandate
from mandates.selectors import mandate_party_find, mandate_root

TOKEN_TYPE_ACCESS = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 - a type name
GRANT_TYPE_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def audit_token_event(
    *,
    basis: TokenBasis,
    action: str,
    outcome: str = "success",
    extra: dict[str, Any] | None = None,
) -> None:
    """Record what happened to a token, for whom and through which client (no numbers)."""
    represented = basis.company or basis.represented_person
    audit_record(
        action=action,
        outcome=outcome,
        actor_user_id=basis.user_id,
        actor_label=basis.user.get_username(),
        acting_for=str(represented) if represented is not None else "",
        tenant_id=basis.company_id,
        object_type="oidc_client",
        object_id=basis.application.client_id,
        data={"level": basis.level, **(extra or {})},
    )


def audit_refusal(
    *, action: str, client_id: str, user: Any = None, error: str, reasons: list[str] | None = None
) -> None:
    """Record a refused authorization or token request."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    audit_record(
        action=action,
        outcome="denied",
        actor_user_id=user.pk if authenticated else None,
        actor_label=user.get_username() if authenticated else "",
        object_type="oidc_client",
        object_id=client_id[:100],
        data={"error": error, "reasons": reasons or []},
    )


@dataclass(frozen=True)
class ActingChoice:
    """For whom a person acts in a token: themselves, a company, or under a mandate."""

    company: Company | None = None
    mandate: Mandate | None = None
    represented_person: Person | None = None


def acting_choice_for_mandate(*, mandate: Mandate) -> ActingChoice:
    root = mandate_root(mandate=mandate)
    return ActingChoice(
        company=root.mandator_company,
        mandate=mandate,
        represented_person=root.mandator_person,
    )


def token_basis_build(
    *,
    user: User,
    assurance: Assurance,
    acr: str,
    choice: ActingChoice,
) -> TokenBasis:
    """An unsaved basis for an authorization (the validator saves it with the code)."""
    level = assurance.effective_level()
    if user.person is None or level is None or assurance.at is None:
        raise ValueError("An authorization needs a logged-in person.")
    return TokenBasis(
        user=user,
        person=user.person,
        level=level.value,
        acr=acr,
        means=[m.value for m in assurance.means],
        auth_time=assurance.at,
        company=choice.company,
        mandate=choice.mandate,
        represented_person=choice.represented_person,
    )


def _token_lookup(raw: str) -> AccessToken | None:
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    return (
        AccessToken.objects.select_related("application", "user")
        .filter(token_checksum=checksum)
        .first()
    )


def _service_token(client: ServiceApplication, raw: str) -> tuple[AccessToken, TokenBasis] | None:
    """The token and its basis when ``raw`` is an active access token issued within the
    client's own service; None for anything else (unknown, expired, revoked, another
    service's, or without the basis every token the portal issues rests on)."""
    token = _token_lookup(raw)
    if token is None or not token.is_valid() or token.application is None:
        return None
    if token.application.service_id != client.service_id:
        return None
    basis = basis_of_token(token)
    return (token, basis) if basis is not None else None


def basis_of_token(token: AccessToken) -> TokenBasis | None:
    return (
        TokenBasis.objects.filter(access_token=token)
        .select_related("person", "user", "company", "mandate", "represented_person", "application")
        .first()
    )


# --- Introspection (RFC 7662) ------------------------------------------------------------------


def token_introspect(*, client: ServiceApplication, raw_token: str, issuer: str) -> dict[str, Any]:
    """What an active token says, for a client of the same service; else ``active: false``.

    The rights the token rests on are asked to the decision engine on every call: when the
    mandate, the grant or the company tie behind it has ended, the token is revoked at once and
    the answer is ``active: false``. Another service's token looks like an unknown one.
    """
    inactive: dict[str, Any] = {"active": False}
    found = _service_token(client, raw_token)
    # Unknown, expired, revoked, another service's or without a basis: inactive.
    if found is None:
        return inactive
    token, basis = found
    decision = basis_check(basis)
    if not decision.allowed:
        with transaction.atomic():
            revoke_access_token(token)
            audit_token_event(
                basis=basis,
                action="oidc.token_ended",
                outcome="denied",
                extra={"reasons": list(decision.codes)},
            )
        return inactive
    return {
        "active": True,
        "scope": token.scope,
        "client_id": token.application.client_id,
        "token_type": "Bearer",
        "exp": int(token.expires.timestamp()),
        "iat": int(token.created.timestamp()),
        "iss": issuer,
        **subject_claims(basis),
    }


# --- Token exchange (RFC 8693) -----------------------------------------------------------------


class ExchangeRefused(Exception):  # noqa: N818 - an OAuth error answer, not a bug
    def __init__(self, error: str, description: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.reasons = reasons


@dataclass(frozen=True)
class ExchangeResult:
    access_token: str
    expires_in: int
    scope: str
    basis: TokenBasis = field(repr=False)


def _parse_party(on_behalf_of: str) -> Company | Person | None:
    """``company:<enterprise number>`` or ``person:<national register number>``."""
    kind, _sep, number = on_behalf_of.partition(":")
    if kind not in ("company", "person"):
        return None
    try:
        digits = parse_party_number(kind, number)
    except ValidationError:
        return None
    return mandate_party_find(kind=kind, digits=digits)


def _decide_acting(basis: TokenBasis, party: Company | Person) -> tuple[Decision, ActingChoice]:
    """Ask the engine whether the subject token's person may act for ``party``: directly for
    a company, or under a mandate whose chain starts at ``party``."""
    actor = basis_actor(basis)
    reasons: list[Any] = []
    if isinstance(party, Company):
        decision = decide(actor=actor, action=Action.ACTING_CHOOSE_COMPANY, target=party)
        if decision.allowed:
            return decision, ActingChoice(company=party)
        reasons += decision.reasons
    for option, decision in mandate_decisions(actor=actor):
        represented = option.represented
        if type(represented) is not type(party) or represented.pk != party.pk:
            continue
        if decision.allowed:
            return decision, acting_choice_for_mandate(mandate=option.mandate)
        reasons += decision.reasons
    if not reasons:
        reasons.append(Reason("no_right", _("No right lets this person act for that party.")))
    return Decision(allowed=False, reasons=tuple(reasons)), ActingChoice()


def token_exchange(
    *,
    client: ServiceApplication,
    subject_token: str,
    subject_token_type: str,
    on_behalf_of: str,
    scope: str | None,
    issuer: str,
) -> ExchangeResult:
    """Issue, for the person a subject token speaks for, an access token acting for a company
    or a mandator, if the decision engine allows it now.

    Rules: the subject token is an active access token of the same service, still resting on
    rights in force, and speaks for the person themselves; the engine allows acting for the
    party (a right in the company, or a mandate chain from the party); the scopes stay within
    the subject token's and the client's allowed ones. The level and means are the subject
    token's: an exchange never raises them. Raises `ExchangeRefused` otherwise; refusals are
    audited outside the issuing transaction, so they are kept.
    """

    def refuse(error: str, description: str, reasons: tuple[str, ...] = ()) -> ExchangeRefused:
        audit_refusal(
            action="oidc.token_exchange_refused",
            client_id=client.client_id,
            user=basis.user if basis is not None else None,
            error=error,
            reasons=list(reasons),
        )
        return ExchangeRefused(error, description, reasons)

    basis: TokenBasis | None = None
    # Only access tokens are exchanged.
    if subject_token_type != TOKEN_TYPE_ACCESS:
        raise refuse("invalid_request", _("Only access tokens can be exchanged."))
    found = _service_token(client, subject_token)
    # The subject token must be active and issued within this client's own service.
    if found is None:
        raise refuse("invalid_grant", _("The subject token is not active."))
    token, basis = found
    # And it must still rest on rights in force.
    if not basis_check(basis).allowed:
        raise refuse("invalid_grant", _("The subject token is not active."))
    # One step only: a token that already acts for someone is not exchanged again.
    if not basis.acts_for_self:
        raise refuse("invalid_grant", _("The subject token already acts for someone."))
    party = _parse_party(on_behalf_of)
    # Unknown and not-allowed parties get the same answer: nothing to learn by probing.
    if party is None:
        raise refuse("invalid_grant", _("No right lets this person act for that party."))
    decision, choice = _decide_acting(basis, party)
    if not decision.allowed:
        raise refuse(
            "invalid_grant",
            decision.reason or _("No right lets this person act for that party."),
            decision.codes,
        )
    allowed = set(token.scope.split()) & client.allowed_scope_set
    requested = set(scope.split()) if scope else allowed
    # Never more than the subject token had, nor more than this client may receive.
    if not requested <= allowed:
        raise refuse("invalid_scope", _("The requested scope exceeds the subject token's."))
    scopes = sorted(requested)
    with transaction.atomic():
        new_basis = TokenBasis(
            application=client,
            user=basis.user,
            person=basis.person,
            level=basis.level,
            acr=basis.acr,
            means=basis.means,
            auth_time=basis.auth_time,
            company=choice.company,
            mandate=choice.mandate,
            represented_person=choice.represented_person,
            exchanged_from=basis,
        )
        new_basis.save()
        raw = sign(
            access_token_claims(
                basis=new_basis, issuer=issuer, client_id=client.client_id, scopes=scopes
            ),
            typ="at+jwt",
        )
        lifetime = int(oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        access_token = AccessToken(
            user=basis.user,
            scope=" ".join(scopes),
            expires=timezone.now() + dt.timedelta(seconds=lifetime),
            application=client,
        )
        set_token_value(access_token, raw)
        access_token.save()
        new_basis.access_token = access_token
        new_basis.save(update_fields=["access_token"])
        audit_token_event(
            basis=new_basis,
            action="oidc.token_exchanged",
            extra={"scopes": " ".join(scopes), "via": list(decision.via)},
        )
    return ExchangeResult(
        access_token=raw, expires_in=lifetime, scope=" ".join(scopes), basis=new_basis
    )


def required_level(acr_values: str, *, minimum: AssuranceLevel) -> tuple[AssuranceLevel, bool]:
    """The level an authorization request needs, and whether the client speaks in URNs.

    The client lists acceptable levels (names or ACR URNs); the lowest listed one is enough, and
    never less than the client's registered minimum. Unknown values are ignored, but a request
    whose values are all unknown is refused (``ValueError``).
    """
    values = acr_values.split()
    levels = []
    for value in values:
        try:
            levels.append(AssuranceLevel.parse(value))
        except ValueError:
            continue
    if values and not levels:
        raise ValueError("no known acr value")
    requested = min(levels, key=lambda lv: lv.rank) if levels else AssuranceLevel.LOW
    level = requested if requested.rank >= minimum.rank else minimum
    return level, any(v.startswith("urn:") for v in values)
