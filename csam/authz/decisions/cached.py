"""Answers behind the shared cache, tagged with the versions they were computed under."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence

from django.utils.translation import get_language

from companies.selectors import (
    CATALOGUE_VERSION_KEY,
    CatalogueRole,
    catalogue_at,
    company_key,
    new_version,
    person_key,
)
from csam.authz.decisions.questions import (
    COMPANY,
    PERSON,
    UNKNOWN_ROLE,
    UNKNOWN_SERVICE,
    Answer,
    Ask,
    Question,
)
from csam.authz.decisions.rules import decide_questions, now_and_today
from csam.cache import CACHE_UNAVAILABLE, CacheWrite, read_many, write_many
from csam.observability.metrics import decisions_observe
from csam.security.counters import Limit, LimitReached

logger = logging.getLogger(__name__)

_TTL_NOW = 300
_TTL_PAST = 3600


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
    now: tuple[dt.datetime, dt.date] | None = None,
) -> list[Answer | str]:
    """The answers to ``asks``, in order; `UNKNOWN_SERVICE` or `UNKNOWN_ROLE` for an ask whose
    codes the catalogue does not hold (``roles``, when given, are the asks' roles already looked
    up). ``limits`` are rate limits to count this call against in the same round trip; one
    reached raises `LimitReached` before anything is decided. ``now`` is the present moment and
    its local date (`now_and_today`), the one moment the asks about the present are answered
    as of.

    One round trip to the cache reads the catalogue's version, the rights version of every party
    and every cached answer; one statement answers all the asks that missed; their answers are
    then sent to the cache without waiting (`csam.cache.RedisCache.send_many`): a lost write
    only costs a later miss. An answer is stored with the versions it was computed under and served
    only while they are still current: any change to the catalogue or to a party's rights gives
    a new version (after commit), so the very next decision reads the database.

    An answer is stored from the second time its question is asked within the answer's
    lifetime, not the first: the round trip that reads it marks the question as asked (a small
    `csam.cache.SEEN` marker where nothing is stored yet). A question asked once, as most are
    when services look up many different people, then costs no cache write and takes no room
    in the cache; one asked again is answered from the database once more, then from the cache.
    Storing every first answer cost about a sixth of an uncached decision's CPU (measured under
    load: README, "Decision benchmark").

    Versions are read before the database, never after: an answer can only be older than a
    version it is stored under if that version was replaced since, and then it is never served.
    A version the cache did not hold is made here and stored only where the key is still free;
    if another process got there first, the answers stored under ours are simply never served.
    """
    if not asks:
        return []
    now = now or now_and_today()
    today, language = "today:" + now[1].isoformat(), get_language() or ""
    answer_keys = [_answer_key(ask, today, language) for ask in asks]
    lifetimes = [_TTL_PAST if ask.at else _TTL_NOW for ask in asks]
    parties = [_version_keys(ask) for ask in asks]
    version_keys = sorted({key for keys in parties for key in keys})
    try:
        found, counts = read_many(
            [CATALOGUE_VERSION_KEY, *version_keys, *answer_keys],
            [lim.counter for lim in limits],
            claims=list(zip(answer_keys, lifetimes, strict=True)),
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

    def current(key: str) -> str | None:
        value = found.get(key)
        return None if value is None else str(value)

    def version(key: str) -> str:
        """The current version, or one made now (stored only where the key is still free)."""
        value = current(key)
        if value is None:
            value = made.get(key) or made.setdefault(key, new_version())
        return value

    catalogue_version = version(CATALOGUE_VERSION_KEY)
    catalogue = catalogue_at(catalogue_version) if roles is None else None
    results: list[Answer | str | None] = []
    misses: list[int] = []
    questions: list[Question] = []
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
        cached = found.get(answer_keys[index])
        if (
            isinstance(cached, tuple)
            and len(cached) == 2
            and cached[0] == (catalogue_version, *(current(key) for key in parties[index]))
            and isinstance(cached[1], Answer)
        ):
            results.append(cached[1])
            continue
        results.append(None)
        misses.append(index)
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
    stored: list[CacheWrite] = []
    for index, answer in zip(misses, decide_questions(questions, now=now), strict=True):
        results[index] = answer
        if found.get(answer_keys[index]) is not None:  # asked before: marked, or out of date
            # A party's version missing from the cache is made only here, for an answer to
            # store (made after the statement ran is as safe: it is new, so nothing older is
            # under it); the catalogue's, made above, is kept in any case.
            tag = (catalogue_version, *(version(key) for key in parties[index]))
            stored.append((answer_keys[index], (tag, answer), lifetimes[index], False))
    writes: list[CacheWrite] = [(key, value, None, True) for key, value in made.items()]
    writes += stored
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
