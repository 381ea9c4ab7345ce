"""The one SQL statement that gathers every fact that could answer a question (or a batch of
them): grants, legal representations, the whole mandate chain and the grants for clients."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import weakref
from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from csam.authz.decisions.questions import COMPANY, PERSON, Facts, Question
from mandates.models import MAX_DEPTH_LIMIT

logger = logging.getLogger(__name__)

# Columns of every branch: kind, id, ref_a, ref_b, ref_c, state, d_from, d_until, t_start, t_end,
# hops. CASTs give the NULLs a type, which PostgreSQL needs in a UNION.
_NULL_DATE = "CAST(NULL AS DATE)"
_NULL_TS = "CAST(NULL AS TIMESTAMP)"
_NULL_INT = "CAST(NULL AS BIGINT)"
_NULL_TEXT = "CAST(NULL AS VARCHAR(20))"


def _covers(mandate: str, question: str) -> str:
    """Whether a mandate's scope covers the question's role (by role, service or domain); the
    arguments are table aliases of the statement, never values."""
    return f"""EXISTS (
    SELECT 1 FROM mandates_mandatescope sc
    WHERE sc.mandate_id = {mandate}.id
      AND (sc.role_id = {question}.role_id OR sc.service_id = {question}.service_id
           OR sc.domain_id = {question}.domain_id)
)"""  # noqa: S608


_FIRST_ROW = (
    "(CAST(%s AS INTEGER), CAST(%s AS VARCHAR(11)), CAST(%s AS VARCHAR(10)), "
    "CAST(%s AS VARCHAR(11)), CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS BIGINT))"
)
_NEXT_ROW = "(%s, %s, %s, %s, %s, %s, %s)"

_MANDATE_COLUMNS = (
    "m.id, m.parent_id, m.mandatary_person_id, m.mandatary_company_id, m.state, m.valid_from, "
    "m.valid_until, m.accepted_at, m.ended_at, m.depth"
)
# Whether a mandate is in the chains of the party a question is about.
_IN_CHAINS = """(m.root_mandator_company_id = q.company_id
          OR m.root_mandator_company_id IS NULL AND m.root_mandator_person_id = q.mandator_id)"""

# The mandates a question could go through are found from their far end: the leaves are the
# mandates whose mandatary is the subject, or a company in which the subject holds the role
# "for clients" (a provider), in the chains of the party asked about (`Mandate.root_mandator_*`,
# both indexed with the mandatary); each leaf's chain is then read upwards, link by link, while
# every link's scope covers the role, up to the depth limit; a chain counts only if that reaches
# its first mandate (`rules._mandate_path`). Walking down from the party instead read every
# mandate the party ever gave, with its scope, for every question about it: on the benchmark's
# data a quarter of the buffers the statement read, and 40% of the mandate rows it returned.
#
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
provider AS (
    SELECT q.idx, g.id, g.company_id, g.end_reason, g.valid_from, g.valid_until, g.granted_at,
           g.ended_at
    FROM companies_grant g JOIN q ON g.person_id = q.person_id AND g.role_id = q.role_id
    WHERE g.for_clients = %s
),
chain (idx, role_id, service_id, domain_id, steps, id, parent_id, mandatary_person_id,
       mandatary_company_id, state, valid_from, valid_until, accepted_at, ended_at, depth) AS (
    SELECT q.idx, q.role_id, q.service_id, q.domain_id, 0, {_MANDATE_COLUMNS}
    FROM q JOIN mandates_mandate m ON m.mandatary_person_id = q.person_id AND {_IN_CHAINS}
    WHERE {_covers("m", "q")}
    UNION ALL
    SELECT q.idx, q.role_id, q.service_id, q.domain_id, 0, {_MANDATE_COLUMNS}
    FROM provider pr
      JOIN q ON q.idx = pr.idx
      JOIN mandates_mandate m ON m.mandatary_company_id = pr.company_id AND {_IN_CHAINS}
    WHERE {_covers("m", "q")}
    UNION ALL
    SELECT up.idx, up.role_id, up.service_id, up.domain_id, up.steps + 1, {_MANDATE_COLUMNS}
    FROM chain up JOIN mandates_mandate m ON m.id = up.parent_id
    WHERE up.steps < {MAX_DEPTH_LIMIT} AND {_covers("m", "up")}
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
       chain.accepted_at, chain.ended_at, chain.depth
FROM chain
UNION ALL
SELECT pr.idx, 'client_grant', pr.id, pr.company_id, {_NULL_INT}, {_NULL_INT}, pr.end_reason,
       pr.valid_from, pr.valid_until, pr.granted_at, pr.ended_at, 0
FROM provider pr
WHERE pr.company_id IN (SELECT chain.mandatary_company_id FROM chain WHERE chain.idx = pr.idx)
"""  # noqa: S608


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
    # Otherwise what such a wrapper does (broken-transaction check, error wrapping), on a cursor
    # kept with the connection: making one per decision was a tenth of the statement's cost on
    # the client, and wrapping the kept one anyway measured about 3% of single-decision
    # throughput.
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
    # Without its layout: psycopg keeps the parsing of a statement of up to 4,096 bytes (and 50
    # parameters) from one execution to the next, and parses a longer one anew every time, which
    # cost as much CPU as the rest of the statement's work on the client.
    text = re.sub(r"\s*([(),=])\s*", r"\1", " ".join(_STATEMENT.split()))
    return text.replace("{rows}", ", ".join([_FIRST_ROW] + [_NEXT_ROW] * (rows - 1)))


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
    params += [True, False]  # the grants for clients (provider), then the company's own
    found = _run_statement(_statement_text(rows), params)
    all_facts = [Facts() for _ in questions]
    # A link shared by several chains comes once per chain.
    seen_mandates: set[tuple[int, int]] = set()
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
            if (idx, ident) in seen_mandates:
                continue
            seen_mandates.add((idx, ident))
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
