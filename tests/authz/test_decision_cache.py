"""How decisions are cached and how the statement is run: answers stored with the versions they
were computed under, the catalogue kept per process, the statement prepared once per connection
on PostgreSQL, and every cache write of a decision made in one round trip."""

import shutil
import time

from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import get_language

import pytest

from companies.catalogue import VERSION_KEY, catalogue_at, catalogue_role
from companies.rights_cache import person_key
from csam.authz.decisions import (
    UNKNOWN_ROLE,
    UNKNOWN_SERVICE,
    Ask,
    answer_asks,
    decide_cached,
    decide_questions,
)
from csam.authz.decisions.cached import _answer_key
from csam.cache import CACHE_UNAVAILABLE, SEEN, Counter, RedisCache, read_many, write_many
from identity.assurance import AssuranceLevel
from tests.authz.test_decisions import company_q
from tests.factories.companies import GrantFactory
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _ask(world, user, service=None, role=None, level="substantial"):
    return Ask(
        subject=user.person.national_number,
        on_behalf_kind="company",
        on_behalf_number=world.client.enterprise_number,
        service_code=service or world.vat.service.code,
        role_code=role or world.vat.code,
        assurance=AssuranceLevel(level),
    )


def test_answer_asks_names_unknown_service_and_role_in_order(world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    results = answer_asks(
        [
            _ask(world, world.bob, service="no-such-service"),
            _ask(world, world.bob),
            _ask(world, world.bob, role="no-such-role"),
        ]
    )
    assert results[0] == UNKNOWN_SERVICE
    assert results[1].allowed
    assert results[2] == UNKNOWN_ROLE


def test_answer_is_stored_from_the_second_ask_and_served_from_the_third_without_sql(
    world, django_assert_num_queries
):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    answer_asks([_ask(world, world.alice)])  # the catalogue is not what is measured
    today = "today:" + timezone.localdate().isoformat()
    answer_key = _answer_key(_ask(world, world.bob), today, get_language() or "")
    with django_assert_num_queries(1):
        assert answer_asks([_ask(world, world.bob)])[0].allowed
    # Asked once: only marked as asked; no answer and no version of Bob's stored for it.
    assert _eventually(lambda: cache.get(answer_key), SEEN) == SEEN
    assert cache.get(person_key(world.bob.person.national_number)) is None
    with django_assert_num_queries(1):
        assert answer_asks([_ask(world, world.bob)])[0].allowed
    deadline = time.monotonic() + 2
    while not isinstance(stored := cache.get(answer_key), tuple) and time.monotonic() < deadline:
        time.sleep(0.01)  # written without waiting: it lands a moment later
    assert isinstance(stored, tuple) and stored[1].allowed
    assert cache.get(person_key(world.bob.person.national_number)) is not None
    with django_assert_num_queries(0):
        assert answer_asks([_ask(world, world.bob)])[0].allowed


def test_batch_stores_only_answers_asked_before(world, django_assert_num_queries):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    catalogue_at(cache.get(VERSION_KEY) or "warm")
    answer_asks([_ask(world, world.bob)])
    with django_assert_num_queries(1):
        answer_asks([_ask(world, world.bob), _ask(world, world.carol)])
    with django_assert_num_queries(1):  # Carol's was asked once only: from the database again
        answers = answer_asks([_ask(world, world.bob), _ask(world, world.carol)])
    assert [a.allowed for a in answers] == [True, False]
    with django_assert_num_queries(0):
        answer_asks([_ask(world, world.bob), _ask(world, world.carol)])


def test_answer_stored_under_a_replaced_version_is_not_served(world):
    """A right that changed after an answer was computed gives its holder a new version; the
    answer stored under the old one is then never served, even if it is still in the cache."""
    question = company_q(world, world.bob)
    assert not decide_cached(question).allowed
    assert not decide_cached(question).allowed  # now stored
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    assert not decide_cached(question).allowed  # no change announced: still the cached answer
    cache.set(person_key(world.bob.person.national_number), "a new version", None)
    assert decide_cached(question).allowed


def test_role_level_change_retires_cached_answers(world, django_capture_on_commit_callbacks):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    question = company_q(world, world.bob, level="substantial")
    assert decide_cached(question).allowed
    assert decide_cached(question).allowed  # now stored
    with django_capture_on_commit_callbacks(execute=True):
        world.vat.min_assurance = "high"
        world.vat.save()
    answer = answer_asks([_ask(world, world.bob)])[0]
    assert not answer.allowed
    assert [r.code for r in answer.reasons] == ["assurance_too_low"]


def test_catalogue_sees_a_new_role_at_once_in_the_same_process(world):
    assert catalogue_role(service_code=world.vat.service.code, role_code="auditor") is None
    world.vat.service.roles.create(code="auditor", name_en="Auditor", min_assurance="low")
    assert catalogue_role(service_code=world.vat.service.code, role_code="auditor") is not None


def test_write_many_adds_only_where_free_and_sets_in_any_case():
    cache.set("k-added", "old", None)
    cache.set("k-set", "old", None)
    write_many(
        [
            ("k-added", "new", None, True),
            ("k-free", "new", None, True),
            ("k-set", "new", 60, False),
        ]
    )
    assert cache.get_many(["k-added", "k-free", "k-set"]) == {
        "k-added": "old",
        "k-free": "new",
        "k-set": "new",
    }


@pytest.mark.skipif(not isinstance(caches["default"], RedisCache), reason="needs Redis")
def test_redis_backend_reuses_one_client():
    backend = caches["default"]
    assert backend._cache.get_client() is backend._cache.get_client(write=True)


@on_postgresql
def test_statement_is_prepared_once_per_connection_and_batches_share_texts(world):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    question = company_q(world, world.bob)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for size in (1, 1, 3, 4, 4, 3):
        answers = decide_questions([question] * size)
        assert [a.allowed for a in answers] == [True] * size
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), sum(generic_plans + custom_plans) FROM pg_prepared_statements"
        )
        statements, executions = cursor.fetchone()
    # One text for single questions, one for batches of 3 and 4 (padded to 4).
    assert statements == 2
    assert executions >= 5


@on_postgresql
def test_prepared_statement_is_logged_with_its_values(world):
    question = company_q(world, world.bob)
    with CaptureQueriesContext(connection) as queries:
        decide_questions([question])
    assert len(queries) == 1
    assert world.bob.person.national_number in queries[0]["sql"]


needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server"
)


def _eventually(read, expected, seconds=2.0):
    """Writes sent without waiting land a moment later."""
    deadline = time.monotonic() + seconds
    while (found := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_write_many_without_waiting_adds_only_where_free_and_sets_in_any_case():
    cache.set("s-added", "old", None)
    cache.set("s-set", "old", None)
    write_many(
        [
            ("s-added", "new", None, True),
            ("s-free", "new", None, True),
            ("s-set", "new", 60, False),
        ],
        wait=False,
    )
    expected = {"s-added": "old", "s-free": "new", "s-set": "new"}
    assert _eventually(lambda: cache.get_many(list(expected)), expected) == expected


def test_read_many_counts_each_counter_and_reads_the_keys():
    cache.set("r-a", ("a", 1), 60)
    counters = [Counter("r-count-1", 60), Counter("r-count-2", 60)]
    assert read_many(["r-a", "r-missing"], counters) == ({"r-a": ("a", 1)}, [1, 1])
    assert read_many([], counters[:1]) == ({}, [2])
    assert read_many(["r-a"]) == ({"r-a": ("a", 1)}, [])


@pytest.mark.skipif(not isinstance(caches["default"], RedisCache), reason="needs Redis")
def test_read_many_gives_a_counter_its_expiry():
    read_many([], [Counter("r-expiring", 61)])
    backend = caches["default"]
    client = backend._cache.get_client()
    assert 0 < client.ttl(backend.make_and_validate_key("r-expiring")) <= 61


@needs_redis_server
def test_writes_without_waiting_resume_after_redis_restarts():
    server = PrivateRedis()
    server.start()
    try:
        backend = RedisCache(server.url, {})
        backend.send_many([("w-1", "one", None, False)])
        assert _eventually(lambda: backend.get("w-1"), "one") == "one"
        server.stop()
        with pytest.raises(CACHE_UNAVAILABLE):
            for _ in range(50):  # the first sends may still reach the closed socket's buffer
                backend.send_many([("w-lost", "x", None, False)])
                time.sleep(0.01)
        server.start()
        backend.send_many([("w-2", "two", None, False)])
        assert _eventually(lambda: backend.get("w-2"), "two") == "two"
        # Still no replies on that connection: a reply left unread would show as output memory.
        clients = backend._cache.get_client().client_list()
        assert all(int(c["omem"]) == 0 and int(c.get("tot-mem", 0)) < 1 << 20 for c in clients)
        backend.send_many([("w-3", "three", None, False)] * 200)
        assert _eventually(lambda: backend.get("w-3"), "three") == "three"
    finally:
        server.stop()


@needs_redis_server
def test_reads_fail_while_redis_is_down_then_resume_on_a_new_connection():
    server = PrivateRedis()
    server.start()
    try:
        backend = RedisCache(server.url, {})
        backend.set("r-1", ("one", 1), None)
        counter = Counter("r-count", 60)
        assert backend.read_many(["r-1"], [counter]) == ({"r-1": ("one", 1)}, [1])
        server.stop()
        with pytest.raises(CACHE_UNAVAILABLE):
            backend.read_many(["r-1"], [counter])
        server.start()  # nothing kept on disk: empty again
        assert backend.read_many(["r-1"], [counter], [("r-claimed", 60)]) == ({}, [1])
        assert backend.read_many(["r-claimed"], []) == ({"r-claimed": SEEN}, [])
    finally:
        server.stop()


def test_an_error_reply_raises_and_leaves_no_reply_behind():
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("needs Redis")
    cache.set("e-text", "not a number", 60)
    with pytest.raises(Exception, match="not an integer"):
        backend.read_many(["e-other"], [Counter("e-text", 60)])
    # The replies after the error were not taken for the next call's.
    cache.set("e-other", ("x", 1), 60)
    assert backend.read_many(["e-other"], [Counter("e-count", 60)]) == ({"e-other": ("x", 1)}, [1])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_statement_runs_again_on_a_new_connection_when_the_kept_one_died(world):
    """With health checks on, the statement stands in for Django's check: the dead connection
    is replaced and the question answered, with no ``SELECT 1`` on a live one."""
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    question = company_q(world, world.bob)
    connection.ensure_connection()
    import psycopg

    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    connection.health_check_enabled, was = True, connection.health_check_enabled
    connection.health_check_done = False
    try:
        assert decide_questions([question])[0].allowed
        connection.health_check_done = False
        with CaptureQueriesContext(connection) as queries:
            assert decide_questions([question])[0].allowed
        assert len(queries) == 1  # the statement, no SELECT 1
    finally:
        connection.health_check_enabled = was


def test_read_many_counts_on_other_backends_too(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rm"}
    }
    caches["default"].set("l-a", 1)
    assert read_many(["l-a", "l-b"], [Counter("l-count", 60)]) == ({"l-a": 1}, [1])
    assert read_many([], [Counter("l-count", 60)]) == ({}, [2])
    claims = [("l-a", 60), ("l-b", 60)]
    assert read_many(["l-a", "l-b"], claims=claims) == ({"l-a": 1}, [])
    assert read_many(["l-a", "l-b"], claims=claims) == ({"l-a": 1, "l-b": SEEN}, [])


def test_read_many_marks_free_claimed_keys_after_reading_them():
    cache.set("c-held", ("a", 1), 60)
    claims = [("c-held", 60), ("c-free", 61)]
    assert read_many(["c-held", "c-free"], claims=claims) == ({"c-held": ("a", 1)}, [])
    assert read_many(["c-held", "c-free"], claims=claims) == (
        {"c-held": ("a", 1), "c-free": SEEN},
        [],
    )
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client()
        assert 0 < client.ttl(backend.make_and_validate_key("c-free")) <= 61


@pytest.mark.skipif(not isinstance(caches["default"], RedisCache), reason="needs Redis")
def test_a_value_that_cannot_be_read_back_is_a_miss():
    """A value written by another release (its classes moved or changed) is not an error."""
    backend = caches["default"]
    client = backend._cache.get_client(write=True)
    client.set(backend.make_key("u-bad"), b"\x80\x05not a pickle")
    cache.set("u-good", "ok")
    assert read_many(["u-bad", "u-good"]) == ({"u-good": "ok"}, [])
