"""What tokens and the userinfo endpoint say, scope by scope, with minimal disclosure.

The subject (``sub``) is the party the token speaks for: the person, or, when they act for a
company or a mandator, that company or person; the person then appears as the actor in an RFC
8693 ``act`` claim. Subjects are keyed hashes, never national or enterprise numbers, which only
the ``egovnrn`` and ``enterprise`` scopes release.

Rights are never decided here: roles and the right to act come from the decision engine, asked
again each time claims are made, so what a token says follows the rights of the moment.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings

from companies.models import Company
from companies.selectors import catalogue_at, catalogue_version
from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.decisions import COMPANY, PERSON, SELF, Question, decide_cached_many
from csam.authz.engine import Decision, Reason, decide
from csam.authz.representatives import person_age_over
from csam.oidc.models import TokenBasis
from identity.assurance import Assurance, AssuranceLevel, Means
from identity.models import Person
from mandates.selectors import mandate_chain_in_force, mandate_root

AGE_THRESHOLDS = (16, 18, 21)

# RFC 8176 authentication method references.
_AMR = {
    Means.PASSWORD: "pwd",
    Means.TOTP: "otp",
    Means.RECOVERY_CODE: "otp",
    Means.EID: "sc",
}

# Every claim the portal can release (discovery's claims_supported).
CLAIMS_SUPPORTED = [
    "sub",
    "act",
    "acr",
    "amr",
    "auth_time",
    "given_name",
    "family_name",
    "name",
    "locale",
    "egovnrn",
    "enterprise",
    "roles",
    "mandate",
    *[f"age_over_{years}" for years in AGE_THRESHOLDS],
]


def subject_of(party: Person | Company) -> str:
    """A stable identifier of a person or a company that reveals neither number."""
    kind = "company" if isinstance(party, Company) else "person"
    message = f"{kind}:{party.pk}".encode()
    return hmac.new(settings.OIDC_SUBJECT_KEY.encode(), message, hashlib.sha256).hexdigest()


def represented_party(basis: TokenBasis) -> Person | Company:
    """Whom the token speaks for."""
    if basis.company_id is not None:
        return basis.company  # type: ignore[return-value]
    if basis.represented_person_id is not None:
        return basis.represented_person  # type: ignore[return-value]
    return basis.person


def act_claim(basis: TokenBasis) -> dict[str, Any] | None:
    """RFC 8693 ``act``: the person acting, when the subject is someone else."""
    if basis.acts_for_self:
        return None
    return {"sub": subject_of(basis.person)}


def amr_of(means: list[str]) -> list[str]:
    values = list(dict.fromkeys(_AMR[Means(m)] for m in means if m in Means._value2member_map_))
    if len(values) > 1:
        values.append("mfa")
    return values


def acr_value(level: AssuranceLevel, *, as_urn: bool) -> str:
    """The level in the vocabulary the client used: its name, or its ACR URN."""
    return level.acr if as_urn else level.value


def subject_claims(basis: TokenBasis) -> dict[str, Any]:
    """``sub``, ``act``, ``acr``, ``amr`` and ``auth_time``: what every token carries."""
    claims: dict[str, Any] = {"sub": subject_of(represented_party(basis))}
    act = act_claim(basis)
    if act is not None:
        claims["act"] = act
    claims["acr"] = basis.acr
    claims["amr"] = amr_of(basis.means)
    claims["auth_time"] = int(basis.auth_time.timestamp())
    return claims


# --- The rights behind a token --------------------------------------------------------------


def basis_actor(basis: TokenBasis) -> ActingContext:
    """The acting context the person had when they authorised the client."""
    means = tuple(Means(m) for m in basis.means if m in Means._value2member_map_)
    assurance = Assurance(level=AssuranceLevel(basis.level), means=means, at=basis.auth_time)
    return ActingContext(
        person=basis.person,
        assurance=assurance,
        user_id=basis.user_id,
        label=basis.user.get_username(),
        user=basis.user,
    )


def basis_check(basis: TokenBasis) -> Decision:
    """Whether what the token rests on still holds now, asked to the decision engine.

    Deny when the account was deactivated or unlinked from the person; when acting under a
    mandate, the engine must still allow acting under it (chain in force, scope, provider's
    grant for clients); when acting for a company, the engine must still allow acting for it
    (a current grant, designation or legal representation, company active).
    """
    user = basis.user
    # A deactivated account, or one no longer linked to this person, speaks for nobody.
    if not user.is_active or user.person_id != basis.person_id:
        return Decision(allowed=False, reasons=(Reason("account_inactive", "account"),))
    actor = basis_actor(basis)
    # Acting under a mandate: the engine decides whether the chain still lets this person act.
    if basis.mandate_id is not None:
        return decide(actor=actor, action=Action.ACTING_CHOOSE_MANDATE, target=basis.mandate)
    # Acting for a company: the engine decides whether a right in the company still holds.
    if basis.company_id is not None:
        return decide(actor=actor, action=Action.ACTING_CHOOSE_COMPANY, target=basis.company)
    return Decision(allowed=True, via=({"kind": "self"},))


# --- Claims by scope ------------------------------------------------------------------------


def _on_behalf(basis: TokenBasis) -> tuple[str, str | None]:
    if basis.company_id is not None:
        return COMPANY, basis.company.enterprise_number  # type: ignore[union-attr]
    if basis.represented_person_id is not None:
        return PERSON, basis.represented_person.national_number  # type: ignore[union-attr]
    return SELF, None


def roles_claim(basis: TokenBasis) -> list[str]:
    """The person's roles in the client's own service for the party they act for, as the
    engine decides them now at the token's level. Never another service's roles."""
    service = basis.application.service
    catalogue = catalogue_at(catalogue_version())
    kind, number = _on_behalf(basis)
    questions = [
        Question(
            subject=basis.person.national_number,
            on_behalf_kind=kind,
            on_behalf_number=number,
            role=role,
            assurance=AssuranceLevel(basis.level),
        )
        for role in catalogue.get(service.code, {}).values()
        if role.service_active
    ]
    answers = decide_cached_many(questions)
    return sorted(q.role.role_code for q, a in zip(questions, answers, strict=True) if a.allowed)


def _party(party: Person | Company, *, with_number: bool) -> dict[str, Any]:
    if isinstance(party, Company):
        return {
            "kind": "company",
            "enterprise_number": party.enterprise_number,
            "name": party.name,
        }
    data: dict[str, Any] = {"kind": "person", "name": party.full_name}
    if with_number:
        data["egovnrn"] = party.national_number
    return data


def mandate_claim(basis: TokenBasis, *, with_numbers: bool) -> dict[str, Any] | None:
    """The represented party and the chain of mandates, root first (None if it ended)."""
    if basis.mandate is None:
        return None
    chain = mandate_chain_in_force(mandate=basis.mandate)
    if chain is None:
        return None
    root = mandate_root(mandate=basis.mandate)
    return {
        "id": basis.mandate.pk,
        "represented": _party(root.mandator, with_number=with_numbers),
        "chain": [
            {
                "id": link.pk,
                "mandator": _party(link.mandator, with_number=False),
                "mandatary": _party(link.mandatary, with_number=False),
                "valid_from": link.valid_from.isoformat(),
                "valid_until": link.valid_until.isoformat() if link.valid_until else None,
            }
            for link in reversed(chain)
        ],
    }


def claims_for(*, basis: TokenBasis, scopes: set[str]) -> dict[str, Any]:
    """The claims the granted scopes release, and nothing more."""
    person = basis.person
    claims = subject_claims(basis)
    if "profile" in scopes:
        claims.update(
            given_name=person.given_names,
            family_name=person.surname,
            name=person.full_name,
            locale=person.preferred_language,
        )
    if "egovnrn" in scopes:
        claims["egovnrn"] = person.national_number
    if "enterprise" in scopes and basis.company is not None:
        claims["enterprise"] = _party(basis.company, with_number=True)
    if "roles" in scopes:
        claims["roles"] = roles_claim(basis)
    if "mandate" in scopes:
        mandate = mandate_claim(basis, with_numbers="egovnrn" in scopes)
        if mandate is not None:
            claims["mandate"] = mandate
    if "age" in scopes:
        for years in AGE_THRESHOLDS:
            claims[f"age_over_{years}"] = person_age_over(person=person, years=years)
    return claims
