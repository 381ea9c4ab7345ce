"""May this person act, for this company or person (or themselves), in this service, with this
role — now or at a past moment? One SQL statement gathers every fact that could answer it;
Python then explains the answer.

The statement reads, for the subject and the represented party: the subject's grants of the role
in the company, their legal representations of it, the whole chain of mandates from the
represented party down to the depth limit (recursive CTE, each link covering the role by domain,
service or role), and the subject's grants "for clients" at the companies those chains reach.
It reads history too (ended grants, refused or revoked mandates), so a refusal names every reason
and "as of" a past moment is answered from the same rows: nothing is ever deleted, and each
fact's period and its end time say whether it held then.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from companies.selectors import (
    CATALOGUE_VERSION_KEY,
    CatalogueRole,
    catalogue_at,
    company_key,
    new_version,
    person_key,
)
from csam.cache import CACHE_UNAVAILABLE, CacheWrite, read_many, write_many
from csam.observability.metrics import decisions_observe
from csam.security.counters import Limit, LimitReached
from identity.assurance import AssuranceLevel
from mandates.models import MAX_DEPTH_LIMIT

logger = logging.getLogger(__name__)

SELF = "self"
PERSON = "person"
COMPANY = "company"


@dataclass(frozen=True)
class Question:
    subject: str  # national register number, digits
    on_behalf_kind: str  # self, person or company
    on_behalf_number: str | None  # national or enterprise number, digits
    role: CatalogueRole
    assurance: AssuranceLevel
    at: dt.datetime | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Answer:
    allowed: bool
    path: tuple[dict[str, Any], ...] = ()
    reasons: tuple[Reason, ...] = ()
    required_assurance: AssuranceLevel = AssuranceLevel.LOW

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": "allow" if self.allowed else "deny",
            "path": list(self.path),
            "reasons": [r.as_dict() for r in self.reasons],
            "required_assurance": self.required_assurance.value,
        }


# --- The statement ------------------------------------------------------------------------------

# Columns of every branch: kind, id, ref_a, ref_b, ref_c, state, d_from, d_until, t_start, t_end,
# hops. CASTs give the NULLs a type, which PostgreSQL needs in a UNION.
_NULL_DATE = "CAST(NULL AS DATE)"
_NULL_TS = "CAST(NULL AS TIMESTAMP)"
_NULL_INT = "CAST(NULL AS BIGINT)"
_NULL_TEXT = "CAST(NULL AS VARCHAR(20))"

_COVERS = """EXISTS (
    SELECT 1 FROM mandates_mandatescope sc
    WHERE sc.mandate_id = m.id
      AND (sc.role_id = q.role_id OR sc.service_id = q.service_id OR sc.domain_id = q.domain_id)
)"""

_FIRST_ROW = (
    "(CAST(%s AS INTEGER), CAST(%s AS VARCHAR(11)), CAST(%s AS VARCHAR(10)), "
    "CAST(%s AS VARCHAR(11)), CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS BIGINT))"
)
_NEXT_ROW = "(%s, %s, %s, %s, %s, %s, %s)"

# Built from constants only; every value is a bound parameter. One row per question in
# ``input``; every fact comes back tagged with the index of its question.
_STATEMENT = f"""
WITH RECURSIVE
input (idx, subject, company, mandator, role_id, service_id, domain_id) AS (
    VALUES {{rows}}
),
q AS (
    SELECT i.idx, i.role_id, i.service_id, i.domain_id,
        (SELECT p.id FROM identity_person p WHERE p.national_number = i.subject) AS person_id,
        c.id AS company_id, c.status AS company_status, c.stopped_on AS company_stopped_on,
        (SELECT x.id FROM identity_person x WHERE x.national_number = i.mandator)
            AS mandator_id
    FROM input i LEFT JOIN companies_company c ON c.enterprise_number = i.company
),
chain (idx, id, parent_id, mandatary_person_id, mandatary_company_id, state, valid_from,
       valid_until, accepted_at, ended_at, hops) AS (
    SELECT q.idx, m.id, m.parent_id, m.mandatary_person_id, m.mandatary_company_id, m.state,
           m.valid_from, m.valid_until, m.accepted_at, m.ended_at, 0
    FROM mandates_mandate m JOIN q
      ON (q.company_id IS NOT NULL AND m.mandator_company_id = q.company_id)
      OR (q.mandator_id IS NOT NULL AND m.mandator_person_id = q.mandator_id)
    WHERE m.parent_id IS NULL AND {_COVERS}
    UNION ALL
    SELECT chain.idx, m.id, m.parent_id, m.mandatary_person_id, m.mandatary_company_id,
           m.state, m.valid_from, m.valid_until, m.accepted_at, m.ended_at, chain.hops + 1
    FROM mandates_mandate m
      JOIN chain ON m.parent_id = chain.id
      JOIN q ON q.idx = chain.idx
    WHERE chain.hops < {MAX_DEPTH_LIMIT} AND {_COVERS}
)
SELECT q.idx, 'q', q.person_id, q.company_id, q.mandator_id, {_NULL_INT},
       q.company_status, q.company_stopped_on, {_NULL_DATE}, {_NULL_TS}, {_NULL_TS}, 0
FROM q
UNION ALL
SELECT q.idx, 'grant', g.id, {_NULL_INT}, {_NULL_INT}, {_NULL_INT}, g.end_reason,
       g.valid_from, g.valid_until, g.granted_at, g.ended_at, 0
FROM companies_grant g JOIN q
  ON g.company_id = q.company_id AND g.person_id = q.person_id AND g.role_id = q.role_id
WHERE g.for_clients = %s
UNION ALL
SELECT q.idx, 'representative', lr.id, {_NULL_INT}, {_NULL_INT}, {_NULL_INT}, lr.end_reason,
       lr.valid_from, lr.valid_until, {_NULL_TS}, lr.ended_at, 0
FROM companies_legalrepresentative lr JOIN q
  ON lr.company_id = q.company_id AND lr.person_id = q.person_id
UNION ALL
SELECT chain.idx, 'mandate', chain.id, chain.parent_id, chain.mandatary_person_id,
       chain.mandatary_company_id, chain.state, chain.valid_from, chain.valid_until,
       chain.accepted_at, chain.ended_at, chain.hops
FROM chain
UNION ALL
SELECT q.idx, 'client_grant', g.id, g.company_id, {_NULL_INT}, {_NULL_INT}, g.end_reason,
       g.valid_from, g.valid_until, g.granted_at, g.ended_at, 0
FROM companies_grant g JOIN q ON g.person_id = q.person_id AND g.role_id = q.role_id
WHERE g.for_clients = %s
  AND g.company_id IN (SELECT chain.mandatary_company_id FROM chain WHERE chain.idx = q.idx)
"""  # noqa: S608


@dataclass
class Facts:
    person_id: int | None = None
    company_id: int | None = None
    mandator_id: int | None = None
    company_status: str | None = None
    company_stopped_on: dt.date | None = None
    grants: list[dict[str, Any]] = field(default_factory=list)
    representations: list[dict[str, Any]] = field(default_factory=list)
    mandates: list[dict[str, Any]] = field(default_factory=list)
    client_grants: list[dict[str, Any]] = field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return parse_date(str(value))


def _moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = parse_datetime(str(value).replace(" ", "T"))
        if moment is None:
            return None
    if timezone.is_naive(moment):
        # SQLite hands timestamps back without a zone; Django stores them in UTC.
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _fetch(db: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The statement's rows, on ``db`` (a Django connection). On PostgreSQL the parameters are
    bound on the server and the statement is prepared on its first use on a connection: planning
    this statement costs more than running it (about 1 ms against 0.2 ms), and its text is the
    same for every question (one text per batch size, see `_padded`). The rest of the project
    keeps Django's default cursors.

    Prepared statements live on one connection, so a transaction-pooling proxy in front of
    PostgreSQL would need its prepared-statement support turned on."""
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    raw = db.connection
    if raw.prepare_threshold is None:
        # Django turns preparing off for the whole connection (None); a threshold that no query
        # reaches leaves every other query unprepared and lets this cursor ask for it.
        raw.prepare_threshold = 2**31 - 1
    if db.queries_logged or db.execute_wrappers:
        # Wrapped like Django's own cursors: execute wrappers and query logging apply.
        wrapper = _LoggedCursor if db.queries_logged else CursorWrapper
        with wrapper(_prepared_cursor_class()(raw), db) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # Otherwise what such a wrapper would do, on a cursor kept with the connection (making one
    # per decision was a tenth of the statement's cost on the client).
    cursor = _kept_cursors.get(raw)
    if cursor is None or cursor.closed:
        cursor = _kept_cursors[raw] = _prepared_cursor_class()(raw)
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        cursor.execute(sql, params)
        return cursor.fetchall()


# One kept cursor per psycopg connection, gone with it.
_kept_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _run_statement(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The statement's rows. With health checks on (``CONN_HEALTH_CHECKS``), Django checks a
    kept connection with a ``SELECT 1`` before a request's first query; the statement checks it
    here instead, for one round trip less per decision: it only reads, so when it fails on a
    connection found dead it runs once more on a new one. Inside a transaction there is no such
    retry, and Django's own check applies."""
    db = connections[DEFAULT_DB_ALIAS]
    retry = (
        db.health_check_enabled
        and not db.health_check_done
        and db.connection is not None
        and not db.in_atomic_block
    )
    if retry:
        db.health_check_done = True
    try:
        return _fetch(db, sql, params)
    except (OperationalError, InterfaceError):
        if not retry or db.is_usable():
            raise
        logger.warning("database connection found dead; deciding on a new one")
        db.close()
    return _fetch(db, sql, params)


class _LoggedCursor(CursorDebugWrapper):
    """Logs the statement with its values written in (a prepared statement's text has none)."""

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


@functools.cache
def _prepared_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs["prepare"] = True
            return super().execute(query, params, **kwargs)

    return PreparedCursor


def _padded(count: int) -> int:
    """The next power of two: at most 11 statement texts for batches of up to 1,000."""
    return 1 << (count - 1).bit_length()


@functools.lru_cache(maxsize=32)
def _statement_text(rows: int) -> str:
    return _STATEMENT.replace("{rows}", ", ".join([_FIRST_ROW] + [_NEXT_ROW] * (rows - 1)))


def gather_facts_many(questions: list[Question]) -> list[Facts]:
    """Run the one statement for all the questions and sort its rows into facts per question."""
    if not questions:
        return []
    params: list[Any] = []
    for idx, question in enumerate(questions):
        role = question.role
        params += [
            idx,
            question.subject,
            question.on_behalf_number if question.on_behalf_kind == COMPANY else None,
            question.on_behalf_number if question.on_behalf_kind == PERSON else None,
            role.role_id,
            role.service_id,
            role.domain_id,
        ]
    rows = len(questions)
    if connection.vendor == "postgresql":
        # Few texts, one types signature: batches are padded to a power of two with empty
        # questions (they match nothing), and every value goes as an untyped literal that the
        # statement's first row casts, so each text is prepared once per connection.
        rows = _padded(len(questions))
        params += [None] * (7 * (rows - len(questions)))
        params = [None if p is None else str(p) for p in params]
    params += [False, True]
    found = _run_statement(_statement_text(rows), params)
    all_facts = [Facts() for _ in questions]
    for row in found:
        idx, kind, ident, ref_a, ref_b, ref_c, state, d_from, d_until, t_start, t_end, hops = row
        if idx is None:
            continue  # a padding row
        facts = all_facts[idx]
        if kind == "q":
            facts.person_id, facts.company_id, facts.mandator_id = ident, ref_a, ref_b
            facts.company_status, facts.company_stopped_on = state, _date(d_from)
            continue
        fact = {
            "id": ident,
            "state": state or "",
            "valid_from": _date(d_from),
            "valid_until": _date(d_until),
            "start": _moment(t_start),
            "end": _moment(t_end),
        }
        if kind == "grant":
            facts.grants.append(fact)
        elif kind == "representative":
            facts.representations.append(fact)
        elif kind == "mandate":
            fact.update(
                parent_id=ref_a, mandatary_person_id=ref_b, mandatary_company_id=ref_c, hops=hops
            )
            facts.mandates.append(fact)
        elif kind == "client_grant":
            fact["company_id"] = ref_a
            facts.client_grants.append(fact)
    return all_facts


def gather_facts(question: Question) -> Facts:
    return gather_facts_many([question])[0]


# --- Reading the facts ----------------------------------------------------------------------------


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
        return "expired" if fact["state"] == "expired" else "revoked"
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


_GRANT_REASONS = {
    "revoked": ("grant_revoked", "The role was granted but has been revoked."),
    "expired": ("grant_expired", "The role was granted but the grant has expired."),
    "future": ("grant_not_yet_valid", "The role is granted from a later date."),
    "replaced": ("grant_revoked", "The role was granted but has been revoked."),
    "ended": ("grant_revoked", "The role was granted but has been revoked."),
}
_MANDATE_REASONS = {
    "refused": ("mandate_refused", "The mandate was refused."),
    "proposed": ("mandate_not_accepted", "The mandate has not been accepted."),
    "revoked": ("mandate_revoked", "The mandate has been revoked."),
    "expired": ("mandate_expired", "The mandate has expired."),
    "future": ("mandate_not_yet_valid", "The mandate starts at a later date."),
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
        at, day = now or _now()
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
        found_mandate = True
        chain = [leaf]
        while chain[-1]["parent_id"] is not None and chain[-1]["parent_id"] in by_id:
            chain.append(by_id[chain[-1]["parent_id"]])
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


def decide_questions(questions: list[Question]) -> list[Answer]:
    """Answer many questions with one statement for all of them (set-based), in order; those
    about the present are all answered as of one moment."""
    now = _now()
    return [
        evaluate(q, facts, now=now)
        for q, facts in zip(questions, gather_facts_many(questions), strict=True)
    ]


def _now() -> tuple[dt.datetime, dt.date]:
    moment = timezone.now()
    return moment, timezone.localdate(moment)


# --- Cached answers -------------------------------------------------------------------------------

_TTL_NOW = 300
_TTL_PAST = 3600

UNKNOWN_SERVICE = "unknown_service"
UNKNOWN_ROLE = "unknown_role"


@dataclass(frozen=True)
class Ask:
    """A question as a service asks it, naming the service and the role by their codes."""

    subject: str
    on_behalf_kind: str
    on_behalf_number: str | None
    service_code: str
    role_code: str
    assurance: AssuranceLevel
    at: dt.datetime | None = None


def _ask_of(question: Question) -> Ask:
    return Ask(
        subject=question.subject,
        on_behalf_kind=question.on_behalf_kind,
        on_behalf_number=question.on_behalf_number,
        service_code=question.role.service_code,
        role_code=question.role.role_code,
        assurance=question.assurance,
        at=question.at,
    )


def _answer_key(ask: Ask, today: str, language: str) -> str:
    moment = ask.at.isoformat() if ask.at else today
    material = "|".join(
        [
            ask.subject,
            ask.on_behalf_kind,
            ask.on_behalf_number or "",
            ask.service_code,
            ask.role_code,
            ask.assurance.value,
            moment,
            language,  # the reasons' messages are in the asker's language
        ]
    )
    return "decision:" + hashlib.sha256(material.encode()).hexdigest()


def _version_keys(ask: Ask) -> list[str]:
    keys = [person_key(ask.subject)]
    if ask.on_behalf_kind == COMPANY and ask.on_behalf_number:
        keys.append(company_key(ask.on_behalf_number))
    elif ask.on_behalf_kind == PERSON and ask.on_behalf_number:
        keys.append(person_key(ask.on_behalf_number))
    return keys


def answer_asks(
    asks: list[Ask],
    *,
    roles: list[CatalogueRole] | None = None,
    limits: Sequence[Limit] = (),
) -> list[Answer | str]:
    """The answers to ``asks``, in order; `UNKNOWN_SERVICE` or `UNKNOWN_ROLE` for an ask whose
    codes the catalogue does not hold (``roles``, when given, are the asks' roles already looked
    up). ``limits`` are rate limits to count this call against in the same round trip; one
    reached raises `LimitReached` before anything is decided.

    One round trip to the cache reads the catalogue's version, the rights version of every party
    and every cached answer; one statement answers all the asks that missed; their answers are
    then sent to the cache without waiting (`csam.cache.RedisCache.send_many`): a lost write
    only costs a later miss. An answer is stored with the versions it was computed under and served
    only while they are still current: any change to the catalogue or to a party's rights gives
    a new version (after commit), so the very next decision reads the database.

    Versions are read before the database, never after: an answer can only be older than a
    version it is stored under if that version was replaced since, and then it is never served.
    A version the cache did not hold is made here and stored only where the key is still free;
    if another process got there first, the answers stored under ours are simply never served.
    """
    if not asks:
        return []
    today, language = "today:" + timezone.localdate().isoformat(), get_language() or ""
    answer_keys = [_answer_key(ask, today, language) for ask in asks]
    parties = [_version_keys(ask) for ask in asks]
    version_keys = sorted({key for keys in parties for key in keys})
    try:
        found, counts = read_many(
            [CATALOGUE_VERSION_KEY, *version_keys, *answer_keys], [lim.counter for lim in limits]
        )
        cache_up = True
    except CACHE_UNAVAILABLE as error:
        # Fail safe: with the cache down every answer comes from the database (new versions
        # below read the catalogue again too) and nothing is stored. Rate limits fail open, as
        # everywhere (see `csam.security.counters.window_hit`).
        logger.warning("decision cache unreachable, deciding from the database: %s", error)
        found, counts, cache_up = {}, [], False
    for limit, count in zip(limits, counts, strict=False):
        if count > limit.limit:
            raise LimitReached(limit.retry_after)
    made: dict[str, str] = {}

    def version(key: str) -> str:
        value = found.get(key)
        if value is None:
            value = made.get(key) or made.setdefault(key, new_version())
        return str(value)

    catalogue_version = version(CATALOGUE_VERSION_KEY)
    catalogue = catalogue_at(catalogue_version) if roles is None else None
    results: list[Answer | str | None] = []
    misses: list[int] = []
    questions: list[Question] = []
    tags: list[tuple[str, ...]] = []
    for index, ask in enumerate(asks):
        if roles is not None:
            role = roles[index]
        else:
            service_roles = catalogue.get(ask.service_code)  # type: ignore[union-attr]
            if service_roles is None:
                results.append(UNKNOWN_SERVICE)
                continue
            found_role = service_roles.get(ask.role_code)
            if found_role is None:
                results.append(UNKNOWN_ROLE)
                continue
            role = found_role
        tag = (catalogue_version, *(version(key) for key in parties[index]))
        cached = found.get(answer_keys[index])
        if (
            isinstance(cached, tuple)
            and len(cached) == 2
            and cached[0] == tag
            and isinstance(cached[1], Answer)
        ):
            results.append(cached[1])
            continue
        results.append(None)
        misses.append(index)
        tags.append(tag)
        questions.append(
            Question(
                subject=ask.subject,
                on_behalf_kind=ask.on_behalf_kind,
                on_behalf_number=ask.on_behalf_number,
                role=role,
                assurance=ask.assurance,
                at=ask.at,
            )
        )
    writes: list[CacheWrite] = [(key, value, None, True) for key, value in made.items()]
    for index, tag, answer in zip(misses, tags, decide_questions(questions), strict=True):
        results[index] = answer
        ttl = _TTL_PAST if asks[index].at else _TTL_NOW
        writes.append((answer_keys[index], (tag, answer), ttl, False))
    if cache_up:
        try:
            write_many(writes, wait=False)
        except CACHE_UNAVAILABLE as error:
            logger.warning("decision cache unreachable, answers not stored: %s", error)
    decisions_observe(results, from_database=misses)
    return results  # type: ignore[return-value]


def decide_cached_many(questions: list[Question]) -> list[Answer]:
    """`decide_cached` for many questions at once (see `answer_asks`)."""
    answers = answer_asks(
        [_ask_of(question) for question in questions], roles=[q.role for q in questions]
    )
    return answers  # type: ignore[return-value]


def decide_cached(question: Question) -> Answer:
    """`decide_question` behind the shared cache: no SQL at all on a hit (see `answer_asks`)."""
    return decide_cached_many([question])[0]
