"""Reading the facts: allow with the path of facts that allows it, or deny with every reason."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from csam.authz.decisions.questions import COMPANY, PERSON, SELF, Answer, Facts, Question, Reason
from csam.authz.decisions.statement import gather_facts, gather_facts_many
from identity.assurance import AssuranceLevel


def _period_status(fact: dict[str, Any], at: dt.datetime, day: dt.date) -> str:
    """held, future, ended (revoked or otherwise ended), expired, or not_started."""
    if fact["start"] is not None and fact["start"] > at:
        return "not_started"  # it did not exist yet at that moment
    if fact["end"] is not None and fact["end"] <= at:
        return fact["state"] or "ended"
    if fact["valid_from"] is not None and fact["valid_from"] > day:
        return "future"
    if fact["valid_until"] is not None and fact["valid_until"] < day:
        return "expired"
    return "held"


def _mandate_status(fact: dict[str, Any], at: dt.datetime, day: dt.date) -> str:
    if fact["start"] is None or fact["start"] > at:
        # Never accepted, or accepted only later: refused, still proposed, or not yet.
        return "refused" if fact["state"] == "refused" else "proposed"
    if fact["end"] is not None and fact["end"] <= at:
        return fact["state"] if fact["state"] in ("expired", "withdrawn") else "revoked"
    if fact["valid_from"] > day:
        return "future"
    if fact["valid_until"] is not None and fact["valid_until"] < day:
        return "expired"
    return "held"


def _fact_path(kind: str, fact: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": fact["id"],
        "valid_from": fact["valid_from"].isoformat() if fact["valid_from"] else None,
        "valid_until": fact["valid_until"].isoformat() if fact["valid_until"] else None,
        **extra,
    }


# Messages marked for translation here, translated when a reason is made (`_reason`).
_GRANT_REASONS = {
    "revoked": ("grant_revoked", gettext_noop("The role was granted but has been revoked.")),
    "expired": ("grant_expired", gettext_noop("The role was granted but the grant has expired.")),
    "future": ("grant_not_yet_valid", gettext_noop("The role is granted from a later date.")),
    "replaced": ("grant_revoked", gettext_noop("The role was granted but has been revoked.")),
    "ended": ("grant_revoked", gettext_noop("The role was granted but has been revoked.")),
}
_MANDATE_REASONS = {
    "refused": ("mandate_refused", gettext_noop("The mandate was refused.")),
    "proposed": ("mandate_not_accepted", gettext_noop("The mandate has not been accepted.")),
    "revoked": ("mandate_revoked", gettext_noop("The mandate has been revoked.")),
    "withdrawn": (
        "mandate_withdrawn",
        gettext_noop("The mandatary has withdrawn from the mandate."),
    ),
    "expired": ("mandate_expired", gettext_noop("The mandate has expired.")),
    "future": ("mandate_not_yet_valid", gettext_noop("The mandate starts at a later date.")),
}


def _reason(code_message: tuple[str, str]) -> Reason:
    return Reason(code_message[0], _(code_message[1]))


def evaluate(
    question: Question, facts: Facts, *, now: tuple[dt.datetime, dt.date] | None = None
) -> Answer:
    """Allow with the path of facts that allows it, or deny with every reason. Deny by default.
    ``now``, when given, is the present moment and its local date (for a batch: one moment)."""
    if question.at is not None:
        at, day = question.at, timezone.localdate(question.at)
    else:
        at, day = now or now_and_today()
    required = AssuranceLevel(question.role.min_assurance)
    reasons: list[Reason] = []
    path: tuple[dict[str, Any], ...] | None = None

    if question.on_behalf_kind == SELF:
        # Acting in one's own name needs only one's identity (and the level).
        path = ({"kind": "self"},)
    elif question.on_behalf_kind == COMPANY:
        if facts.company_id is None:
            reasons.append(Reason("unknown_company", _("This company is not registered.")))
        elif facts.company_status == "stopped" and (
            facts.company_stopped_on is None or facts.company_stopped_on <= day
        ):
            reasons.append(Reason("company_stopped", _("This company has stopped its activity.")))
        else:
            path = _company_path(facts, at, day, reasons)
            if path is None:
                path = _mandate_path(question, facts, at, day, reasons)
    else:
        if facts.mandator_id is None:
            reasons.append(Reason("no_mandate", _("No mandate lets this person act for them.")))
        else:
            path = _mandate_path(question, facts, at, day, reasons)

    if path is not None and not question.assurance.satisfies(required):
        return Answer(
            allowed=False,
            reasons=(
                Reason(
                    "assurance_too_low",
                    _("This role needs the level of assurance “%(level)s”.")
                    % {"level": required.label},
                ),
            ),
            required_assurance=required,
        )
    if path is not None:
        return Answer(allowed=True, path=path, required_assurance=required)
    if not reasons:
        reasons.append(Reason("no_grant", _("This person does not hold this role here.")))
    return Answer(allowed=False, reasons=tuple(dict.fromkeys(reasons)), required_assurance=required)


def _company_path(
    facts: Facts, at: dt.datetime, day: dt.date, reasons: list[Reason]
) -> tuple[dict[str, Any], ...] | None:
    for grant in facts.grants:
        status = _period_status(grant, at, day)
        # A grant of the role by the company itself, in force at that moment.
        if status == "held":
            return (_fact_path("grant", grant),)
        if status in _GRANT_REASONS:
            reasons.append(_reason(_GRANT_REASONS[status]))
    for representation in facts.representations:
        # A legal representative listed by the enterprise register acts for the company.
        if _period_status(representation, at, day) == "held":
            return (_fact_path("legal_representative", representation),)
    return None


def _mandate_path(
    question: Question,
    facts: Facts,
    at: dt.datetime,
    day: dt.date,
    reasons: list[Reason],
) -> tuple[dict[str, Any], ...] | None:
    by_id = {m["id"]: m for m in facts.mandates}
    client_grants: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for grant in facts.client_grants:
        client_grants[grant["company_id"]].append(grant)
    found_mandate = False
    # Every mandate reached is a possible last link: walk up to the represented party.
    for leaf in sorted(facts.mandates, key=lambda m: (m["hops"], m["id"])):
        reaches_subject = leaf["mandatary_person_id"] == facts.person_id
        reaches_provider = bool(client_grants.get(leaf["mandatary_company_id"]))
        if not reaches_subject and not reaches_provider:
            continue
        chain = [leaf]
        while chain[-1]["parent_id"] is not None and chain[-1]["parent_id"] in by_id:
            chain.append(by_id[chain[-1]["parent_id"]])
        if chain[-1]["parent_id"] is not None:
            # Cut short: a link above does not cover the role, or lies beyond the depth limit.
            continue
        found_mandate = True
        chain.reverse()  # from the represented party down
        broken = False
        for link in chain:
            status = _mandate_status(link, at, day)
            # Every link of the chain must be accepted and in force at that moment.
            if status != "held":
                reasons.append(_reason(_MANDATE_REASONS.get(status, _MANDATE_REASONS["revoked"])))
                broken = True
                break
        if broken:
            continue
        steps = [
            _fact_path("mandate", link, depth=link["hops"], accepted_at=link["start"].isoformat())
            for link in chain
        ]
        if reaches_subject:
            return tuple(steps)
        # A provider's collaborator acts through a role "for clients" the provider gave them.
        for grant in client_grants[leaf["mandatary_company_id"]]:
            status = _period_status(grant, at, day)
            if status == "held":
                if not question.role.for_clients_allowed:
                    reasons.append(
                        Reason(
                            "role_not_for_clients",
                            _("This role cannot be held for clients."),
                        )
                    )
                    break
                return (*steps, _fact_path("grant", grant, for_clients=True))
            if status in _GRANT_REASONS:
                reasons.append(_reason(_GRANT_REASONS[status]))
    if not found_mandate and question.on_behalf_kind == PERSON:
        reasons.append(Reason("no_mandate", _("No mandate lets this person act for them.")))
    return None


def decide_question(question: Question) -> Answer:
    """Answer one question from the database (one statement). See the module docstring."""
    return evaluate(question, gather_facts(question))


def decide_questions(
    questions: list[Question], *, now: tuple[dt.datetime, dt.date] | None = None
) -> list[Answer]:
    """Answer many questions with one statement for all of them (set-based), in order; those
    about the present are all answered as of one moment (``now``, from `now_and_today`, by
    default the present)."""
    now = now or now_and_today()
    return [
        evaluate(q, facts, now=now)
        for q, facts in zip(questions, gather_facts_many(questions), strict=True)
    ]


def now_and_today() -> tuple[dt.datetime, dt.date]:
    """The present moment and its local date."""
    moment = timezone.now()
    return moment, timezone.localdate(moment)
